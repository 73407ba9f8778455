"""Every language side by side: compile time, jail overhead, judge throughput, live latency.

For each registered language (judge/languages/), on this machine:
* compile: a fresh build of a trivial solution (a new source each time, so the artefact cache
  never answers), median wall time; Python has no build step;
* overhead: the jailed empty run (program start, the header, no case) against the same program
  started bare on the host, medians. Python runs in a warm jail (started ahead of time); the
  built languages start a jail for each run from their build directory (no warm jail can hold a
  build that does not exist yet);
* throughput: submissions judged per second on the 10-case trivial problem, one judge thread
  per core, every submission a distinct source (built once each, as real submissions are);
* latency: the median queued → verdict time of an accepted Two Sum through a live embedded
  server (REST API, the judge's own timestamps), the build included.
Run with `make bench` (or `.venv/bin/python bench/languages.py`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge.languages import all_languages, get_language
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.build import build_program
from judge.sandbox.command import JAIL_PYTHON
from tests.live import base_env, free_port, manage, process, uvicorn_cmd, wait_healthy

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
COMPILES = int(os.environ.get("BENCH_COMPILES", "5"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "12"))
LIVE = int(os.environ.get("BENCH_LIVE_SUBMISSIONS", "8"))
WORKERS = os.cpu_count() or 1

ADD = {"style": "class", "name": "add", "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
       "returns": "int"}  # fmt: skip
NOOP = {"style": "function", "name": "noop", "params": [], "returns": "int"}
# The trivial problem's solution in each language ({n} makes every source distinct).
ADD_SOURCES = {
    "PY3": "class Solution:\n    def add(self, a, b):\n        return a + b  # {n}\n",
    "CPP17": "class Solution {{\npublic:\n    long long add(long long a, long long b) {{ return a + b; }}"
    " // {n}\n}};\n",
    "JAVA17": "class Solution {{\n    public long add(long a, long b) {{ return a + b; }} // {n}\n}}\n",
    "JS": "var add = function(a, b) {{ return a + b; }}; // {n}\n",
    "GO": "func add(a int, b int) int {{ return a + b }} // {n}\n",
    "RUST": "impl Solution {{\n    pub fn add(a: i64, b: i64) -> i64 {{ a + b }} // {n}\n}}\n",
}
TWO_SUM_SOURCES = {
    "PY3": (
        "class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n"
        "        for j, v in enumerate(nums):\n            if target - v in seen:\n"
        "                return [seen[target - v], j]\n            seen[v] = j\n"
    ),
    "CPP17": (
        "class Solution {\npublic:\n    vector<long long> twoSum(vector<long long>& nums, long long target) {\n"
        "        unordered_map<long long, long long> seen;\n"
        "        for (long long j = 0; j < (long long)nums.size(); j++) {\n"
        "            auto it = seen.find(target - nums[j]);\n"
        "            if (it != seen.end()) return {it->second, j};\n"
        "            seen[nums[j]] = j;\n        }\n        return {};\n    }\n};\n"
    ),
    "JAVA17": (
        "class Solution {\n    public long[] twoSum(long[] nums, long target) {\n"
        "        HashMap<Long, Integer> seen = new HashMap<>();\n"
        "        for (int j = 0; j < nums.length; j++) {\n            Integer i = seen.get(target - nums[j]);\n"
        "            if (i != null) return new long[]{i, j};\n            seen.put(nums[j], j);\n        }\n"
        "        return new long[0];\n    }\n}\n"
    ),
    "JS": (
        "var twoSum = function(nums, target) {\n    const seen = new Map();\n"
        "    for (let j = 0; j < nums.length; j++) {\n"
        "        if (seen.has(target - nums[j])) return [seen.get(target - nums[j]), j];\n"
        "        seen.set(nums[j], j);\n    }\n    return [];\n};\n"
    ),
    "GO": (
        "func twoSum(nums []int, target int) []int {\n    seen := map[int]int{}\n"
        "    for j, v := range nums {\n        if i, ok := seen[target-v]; ok {\n            return []int{i, j}\n"
        "        }\n        seen[v] = j\n    }\n    return []int{}\n}\n"
    ),
    "RUST": (
        "use std::collections::HashMap;\nimpl Solution {\n"
        "    pub fn two_sum(nums: Vec<i64>, target: i64) -> Vec<i64> {\n"
        "        let mut seen: HashMap<i64, i64> = HashMap::new();\n"
        "        for (j, &v) in nums.iter().enumerate() {\n"
        "            if let Some(&i) = seen.get(&(target - v)) { return vec![i, j as i64]; }\n"
        "            seen.insert(v, j as i64);\n        }\n        vec![]\n    }\n}\n"
    ),
}


def add_job(key: str, n: int) -> JudgeJob:
    return JudgeJob(
        source=ADD_SOURCES[key].format(n=n),
        signature=ADD,
        cases=[CaseSpec(ordinal=i, kind="hidden", args=[i, i], expected=2 * i) for i in range(1, 11)],
        checker=CheckerSpec(),
        time_limit_ms=1000,
        memory_limit_kb=256 * 1024,
        language=key,
    )


def compile_ms(key: str) -> float | None:
    language = get_language(key)
    if language.harness:
        return None
    samples = []
    stamp = time.time_ns()
    for n in range(COMPILES):
        started = time.perf_counter()
        built = build_program(language, ADD, ADD_SOURCES[key].format(n=f"{stamp}-{n}"))
        samples.append((time.perf_counter() - started) * 1000)
        assert built.ok and not built.cached, built.message
    return statistics.median(samples)


def empty_job(key: str) -> dict[str, Any]:
    language = get_language(key)
    source = "def noop():\n    return 0\n" if language.harness else language.noop_source()
    assert source is not None, f"{key} has no empty program"
    return {"source": source, "signature": NOOP, "cases": [], "time_limit_ms": 1000, "language": key}


def overhead_ms(key: str) -> tuple[float, float]:
    """(bare run, jailed run) of the empty program, medians in ms."""
    language = get_language(key)
    job = empty_job(key)
    limits = JailLimits.for_cpu(2, memory_kb=256 * 1024)
    run_harness(job, limits, warm=True)  # builds (or fills the warm pool)
    jailed = []
    for _ in range(RUNS):
        time.sleep(0.1)  # lets a warm pool refill, as between submissions
        started = time.perf_counter()
        run_harness(job, limits, warm=True)
        jailed.append((time.perf_counter() - started) * 1000)
    if language.harness:
        argv, cwd, stdin = [JAIL_PYTHON, "-c", "pass"], None, b""
    else:
        built = build_program(language, job["signature"], job["source"])
        program = language.program(built.box)
        # A copy of the build outside the jail's /box: scripts that name /box (Node's driver
        # loads /box/solution.js) are pointed at the copy; compiled artefacts do not name it.
        copy = Path(tempfile.mkdtemp(prefix="arena-bench-bare-"))
        shutil.copytree(built.box, copy, dirs_exist_ok=True)
        for script in copy.glob("*.js"):
            script.write_text(script.read_text().replace("/box/", f"{copy}/"))
        argv = [arg.replace("/box", str(copy)) for arg in program.argv]
        cwd, stdin = str(copy), b"1\n"  # the header names fd 1: its one record goes to stdout
    bare = []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True)
            bare.append((time.perf_counter() - started) * 1000)
            if done.returncode != 0:
                raise SystemExit(f"{key}: the bare run failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    finally:
        if cwd is not None:
            shutil.rmtree(cwd, ignore_errors=True)
    return statistics.median(bare), statistics.median(jailed)


def throughput_per_s(key: str) -> float:
    stamp = time.time_ns()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        verdicts = list(pool.map(lambda n: judge_job(add_job(key, stamp + n)).verdict, range(SUBMISSIONS)))
    elapsed = time.perf_counter() - started
    assert verdicts.count("AC") == SUBMISSIONS, (key, verdicts)
    return SUBMISSIONS / elapsed


def live_latency_ms(keys: list[str]) -> dict[str, float]:
    """Queued → verdict medians through one live embedded server, languages interleaved."""
    var_dir = Path(tempfile.mkdtemp(prefix="arena-bench-languages-"))
    env = base_env(var_dir, JUDGE_PERF_REPEATS=os.environ.get("JUDGE_PERF_REPEATS", "3"))
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_bank", "two-sum")
    token = manage(env, "arena_token", "bench-languages", "--model").strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    latencies: dict[str, list[float]] = {key: [] for key in keys}
    with process(uvicorn_cmd(port), env, var_dir / "web.log") as web:
        wait_healthy(url, web, var_dir / "web.log")
        for n in range(LIVE):
            for key in keys:
                comment = get_language(key).comment
                source = f"{TWO_SUM_SOURCES[key]}{comment} {time.time_ns()} {n}\n"  # a new build each time
                body = {"problem": "two-sum", "language": key, "source": source}
                created = requests.post(f"{url}/api/submissions/", json=body, headers=headers, timeout=30).json()
                while True:
                    detail = requests.get(f"{url}/api/submissions/{created['id']}/", headers=headers, timeout=30)
                    detail_json = detail.json()
                    if detail_json["status"] == "D":
                        break
                    time.sleep(0.02)
                assert detail_json["verdict"] == "AC", (key, detail_json)
                judged = dt.datetime.fromisoformat(detail_json["judged_at"])
                latencies[key].append((judged - dt.datetime.fromisoformat(detail_json["created_at"])).total_seconds())
    return {key: statistics.median(values) * 1000 for key, values in latencies.items()}


def main() -> None:
    keys = [language.key for language in all_languages() if language.key in ADD_SOURCES]
    print(f"languages on {WORKERS} cores ({RUNS} runs, {COMPILES} builds, {SUBMISSIONS} submissions, {LIVE} live)")
    header = ("language", "compile ms", "bare run ms", "jailed run ms", "overhead ms", "judged/s")
    print("  ".join(f"{h:>14}" for h in header), flush=True)
    for key in keys:
        compiled = compile_ms(key)
        bare, jailed = overhead_ms(key)
        rate = throughput_per_s(key)
        cells = (key, "—" if compiled is None else f"{compiled:.0f}", f"{bare:.1f}", f"{jailed:.1f}",
                 f"{jailed - bare:+.1f}", f"{rate:.2f}")  # fmt: skip
        print("  ".join(f"{c:>14}" for c in cells), flush=True)
    live = live_latency_ms(keys)
    print("queued → verdict through a live server (median ms, the build included): " + ", ".join(
        f"{key} {live[key]:.0f}" for key in keys
    ))  # fmt: skip


if __name__ == "__main__":
    main()
