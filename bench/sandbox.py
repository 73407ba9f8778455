"""Sandbox overhead and judge throughput on this machine.

Prints: bare-Python start median, jailed empty-run median, their ratio, and end-to-end judge
throughput (submissions per second, trivial problem, 10 cases, one judge thread per core).
Run with `make bench`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.command import JAIL_PYTHON
from judge.sandbox.pool import WARM_POOL

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "60"))

EMPTY_JOB = {
    "source": "def noop():\n    return None\n",
    "signature": {"style": "function", "name": "noop", "params": []},
    "cases": [],
    "time_limit_ms": 1000,
}
TRIVIAL = JudgeJob(
    source="class Solution:\n    def add(self, a, b):\n        return a + b\n",
    signature={"style": "class", "name": "add", "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]},
    cases=[CaseSpec(ordinal=i, kind="hidden", args=[i, i], expected=2 * i) for i in range(1, 11)],
    checker=CheckerSpec(),
    time_limit_ms=1000,
    memory_limit_kb=256 * 1024,
)


def bare_python_ms() -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([JAIL_PYTHON, "-c", "pass"], check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def jailed_empty_ms(*, warm: bool) -> float:
    """Job handed over → result collected. Warm: the judge's path, a pre-started jail from the pool
    (the pool refills in the background between runs, as it does between submissions)."""
    limits = JailLimits.for_cpu(1, memory_kb=256 * 1024)
    samples = []
    if warm:
        run_harness(EMPTY_JOB, limits, warm=True)
    for _ in range(RUNS):
        if warm:
            time.sleep(0.1)  # submissions do not arrive back to back; lets the refill finish
        started = time.perf_counter()
        run_harness(EMPTY_JOB, limits, warm=warm)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def throughput_per_s(workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(lambda _: judge_job(TRIVIAL).verdict, range(SUBMISSIONS)))
    elapsed = time.perf_counter() - started
    assert verdicts.count("AC") == SUBMISSIONS, verdicts
    return SUBMISSIONS / elapsed


def service_throughput_per_s(workers: int) -> float:
    """Through the judging service: claim, judge, per-case rows and events, efficiency measurement
    of every accepted submission (its performance input, JUDGE_PERF_REPEATS runs), final UPDATE."""
    import tempfile

    os.environ.setdefault("ARENA_VAR_DIR", tempfile.mkdtemp(prefix="arena-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections

    from arena.models import Problem, Submission, TestCase
    from arena.services.judging import submission_judge
    from arena.services.participants import participant_create

    call_command("migrate", verbosity=0)
    problem = Problem.objects.create(
        code="bench-add", title="Add", statement="Add.", difficulty="easy", points=1, signature=TRIVIAL.signature
    )
    TestCase.objects.bulk_create(
        [
            TestCase(problem=problem, ordinal=c.ordinal, kind="hidden", input=c.args, expected=c.expected)
            for c in TRIVIAL.cases
        ]
        + [TestCase(problem=problem, ordinal=11, kind="performance", input=[1, 2], expected=3)]
    )
    problem.references.create(label="canonical", source=TRIVIAL.source, is_canonical=True)
    author = participant_create(username=f"bench-{time.time_ns()}")
    ids = [
        Submission.objects.create(participant=author, problem=problem, language="PY3", source=TRIVIAL.source).pk
        for _ in range(SUBMISSIONS)
    ]
    submission_judge(submission_id=ids.pop())  # calibrates the reference once, outside the timing

    def judge(submission_id: int) -> str | None:
        try:
            return submission_judge(submission_id=submission_id)
        finally:
            close_old_connections()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(judge, ids))
    elapsed = time.perf_counter() - started
    assert verdicts.count("AC") == len(ids), verdicts
    return len(ids) / elapsed


def main() -> None:
    cores = os.cpu_count() or 1
    bare = bare_python_ms()
    cold = jailed_empty_ms(warm=False)
    warm = jailed_empty_ms(warm=True)
    rate = throughput_per_s(cores)
    service_rate = service_throughput_per_s(cores)
    print(f"bare python start, {JAIL_PYTHON} -c pass (median of {RUNS}): {bare:7.1f} ms")
    print(f"jailed empty run, cold nsjail start (median of {RUNS}):     {cold:7.1f} ms  ({cold / bare:.2f}x bare)")
    print(f"jailed empty run, warm jail from the pool (median of {RUNS}): {warm:7.1f} ms  ({warm / bare:.2f}x bare)")
    print(f"ratio jailed (judge path, warm) / bare:                        {warm / bare:7.2f}x")
    print(f"judge throughput ({cores} threads, trivial problem, 10 cases):     {rate:7.1f} submissions/s")
    print(f"end-to-end judging service ({cores} threads, SQLite, + efficiency run): {service_rate:5.1f} submissions/s")
    WARM_POOL.clear()


if __name__ == "__main__":
    main()
