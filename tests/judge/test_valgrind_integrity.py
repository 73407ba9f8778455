"""The valgrind meter against a program that wants a lower count: each attack either leaves the
count where honest work puts it, or the run is refused. Everything runs in the real nsjail,
under the real valgrind, through the meter's own path (``measure_cost``)."""

from __future__ import annotations

import errno
import os
import time
from typing import Any

import pytest

from judge.boundary import CaseAnswer, Verdict
from judge.meters import (
    DEFAULT_METER,
    CostResult,
    ValgrindMeter,
    get_meter,
    judging_meter_check,
    measure_cost,
    meter_status,
)
from judge.meters.valgrind import UNCOUNTED, counted_instructions
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, run_harness

N = 100_000
SIGNATURE = {"style": "class", "name": "run", "params": [{"name": "n", "type": "int"}]}
HONEST = "s = 0\nfor i in range(n):\n    s += i * i\nreturn s"

# Module-level helpers of the hostile programs. Valgrind keeps its copy of the log descriptor
# above the program's RLIMIT_NOFILE and refuses writes to it, but not dup(): the copy below is
# writable, and so is the descriptor the log was passed on.
TOOLS = """
import fcntl, os, resource, stat

FORGED = b"==1== \\n==1== I   refs:      5\\n"


def log_inodes():
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    inodes = set()
    for fd in range(limit, limit + 64):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISFIFO(st.st_mode):
            inodes.add(st.st_ino)
    return inodes


def forge():
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    inodes = log_inodes()
    reached = 0
    for fd in range(3, limit + 64):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if st.st_ino in inodes:
            try:
                os.write(os.dup(fd), FORGED)
                reached += 1
            except OSError:
                pass
    return reached


def result_pipe():
    inodes = log_inodes()
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    for fd in range(4, limit):
        try:
            st = os.fstat(fd)
            writable = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
        except OSError:
            continue
        if stat.S_ISFIFO(st.st_mode) and st.st_ino not in inodes and writable:
            return fd
    return -1


def keep_log():
    # An inheritable copy of valgrind's log at descriptor 60, for a second program to write to.
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    inodes = log_inodes()
    for fd in range(limit, limit + 64):
        try:
            if os.fstat(fd).st_ino in inodes:
                os.dup2(fd, 60)
                return
        except OSError:
            continue


def answer_myself(n):
    record = '{"event":"case","status":"ok","output":%d}\\n' % sum(i * i for i in range(n))
    os.write(result_pipe(), record.encode())
"""

# Code a second program would run, natively if valgrind let it: answer, then forge a tiny count.
CHILD = "import os, sys; sys.path[:0] = ['/tmp']; import tools; tools.answer_myself({n}); os.write(60, tools.FORGED)"
TOOL = "/usr/libexec/valgrind/cachegrind-amd64-linux"


def loop_job(body: str, *, n: int = N, before: str = "") -> JudgeJob:
    source = before + "class Solution:\n    def run(self, n):\n" + "".join(f"        {x}\n" for x in body.splitlines())
    return JudgeJob(
        source=source,
        signature=SIGNATURE,
        cases=[CaseSpec(ordinal=1, kind="performance", args=[n], expected=sum(i * i for i in range(n)))],
        checker=CheckerSpec(),
        time_limit_ms=2000,
        memory_limit_kb=256 * 1024,
    )


def hostile(body: str, *, n: int = N) -> JudgeJob:
    """A program with the tools above, also written to /tmp for a second program to import."""
    setup = f"with open('/tmp/tools.py', 'w') as f:\n    f.write({TOOLS!r})\n"
    return loop_job(body, n=n, before=TOOLS + setup)


@pytest.fixture(scope="module")
def meter() -> ValgrindMeter:
    meter = get_meter("valgrind")
    assert isinstance(meter, ValgrindMeter), meter_status("valgrind").fallback_reason
    return meter


@pytest.fixture(scope="module")
def honest(meter: ValgrindMeter) -> CostResult:
    job = loop_job(HONEST)
    result = measure_cost(job, job.cases, repeats=1, meter=meter)
    assert result.ok and result.cost >= 10 * ValgrindMeter.quantum_ir, result
    return result


def measure(job: JudgeJob, meter: ValgrindMeter, **kwargs: Any) -> CostResult:
    return measure_cost(job, job.cases, repeats=1, meter=meter, **kwargs)


def raw_run(job: JudgeJob, meter: ValgrindMeter) -> Any:
    """One measurement run, to look at what valgrind wrote."""
    payload, limits = meter.scaled_limits(
        {"source": job.source, "signature": job.signature, "time_limit_ms": job.time_limit_ms,
         "cases": [{"ordinal": c.ordinal, "args": c.args} for c in job.cases]},
        JailLimits.for_cpu(4, memory_kb=job.memory_limit_kb),
    )  # fmt: skip
    return run_harness(payload, limits, instrument=meter.instrument())


def test_valgrind_is_accepted_for_judging() -> None:
    """Tamper-proof, and the default meter (the performance inputs are sized for it)."""
    from config.settings import base

    assert DEFAULT_METER == "valgrind"
    assert base.JUDGE_METER == os.environ.get("JUDGE_METER", "valgrind")
    judging_meter_check("valgrind")
    assert ValgrindMeter.tamper_reason == ""


# --- running code valgrind does not count -----------------------------------------------------
OTHER_PROGRAM = {
    # Without --trace-children the exec'd interpreter would run natively: it answered and wrote
    # "I refs: 5" as the last line of the log (cost 5 Ir before this change).
    "exec-interpreter": f"os.execv('/usr/bin/python3', ['python3', '-S', '-c', {CHILD!r}.format(n=n)])",
    "exec-valgrind-tool": f"os.execv({TOOL!r}, [{TOOL!r}, '--tool=none', '/usr/bin/python3', '-S', '-c', "
    f"{CHILD!r}.format(n=n)])",
    "answer-then-exec": "answer_myself(n)\nforge()\nos.execv('/usr/bin/python3', ['python3', '-S', '-c', 'pass'])",
    "posix-spawn": f"os.waitpid(os.posix_spawn('/usr/bin/python3', ['python3', '-S', '-c', {CHILD!r}.format(n=n)], "
    "{}), 0)",
    "subprocess": f"import subprocess\nsubprocess.run(['/usr/bin/python3', '-S', '-c', {CHILD!r}.format(n=n)])",
    "fork": "pid = os.fork()\nif pid == 0:\n    answer_myself(n)\n    forge()\n    os._exit(0)\nos.waitpid(pid, 0)",
}


@pytest.mark.parametrize("route", sorted(OTHER_PROGRAM))
def test_work_outside_the_counted_process_is_refused(route: str, meter: ValgrindMeter, honest: CostResult) -> None:
    # If the route is refused with an error, the program does the work itself, honestly.
    body = "try:\n    keep_log()\n" + "".join(f"    {line}\n" for line in OTHER_PROGRAM[route].splitlines())
    body += "except OSError:\n    pass\n" + HONEST
    result = measure(hostile(body), meter)
    if route.startswith(("exec", "answer")):
        # valgrind runs every exec through a launcher the jail does not have, and dies without a
        # count: the run is the program's failure.
        assert not result.ok and result.verdict == Verdict.RTE, result
    else:
        # No process can start (EAGAIN): the program fell back to the honest work, all counted.
        assert result.ok and result.cost >= honest.cost, result


def test_an_exec_ends_the_run_without_a_count(meter: ValgrindMeter) -> None:
    run = raw_run(hostile(OTHER_PROGRAM["answer-then-exec"] + "\nreturn 0"), meter)
    # The program answered and forged a count before the exec; valgrind's last words are its own.
    assert isinstance(dict(run.steps)[1].record, CaseAnswer)
    assert "I   refs:      5\n" in run.instrument_log and "EXEC FAILED" in run.instrument_log
    assert counted_instructions(run) is None


def test_a_forged_count_on_valgrinds_log_changes_nothing(meter: ValgrindMeter, honest: CostResult) -> None:
    # Two descriptors reach the log: the one it was passed on, and a dup of valgrind's own copy.
    # Nothing else of valgrind's is a pipe (its default thread lock was one: bytes written into it
    # crashed valgrind, and a token would have let two threads race on its counters).
    job = hostile("reached = forge()\nassert reached == 2, reached\n" + HONEST)
    run = raw_run(job, meter)
    # The forged lines reached the log, and valgrind's own summary, written once every thread
    # of the program is gone, comes last.
    assert run.instrument_log.count("I   refs:      5\n") == 2
    count = counted_instructions(run)
    assert count is not None and count > 100 * ValgrindMeter.quantum_ir
    result = measure(job, meter)
    assert result.ok and result.cost >= honest.cost


def test_a_forged_count_followed_by_a_hang_is_refused(meter: ValgrindMeter) -> None:
    # The program answers the last case itself, forges the count, and never lets valgrind
    # reach its summary: the worker has to kill the jail, and a killed jail has no count.
    body = "answer_myself(n)\nforge()\nimport time\ntime.sleep(3600)\nreturn 0"
    started = time.monotonic()
    result = measure(hostile(body), meter)
    assert not result.ok and (result.verdict, result.message) == (Verdict.RTE, UNCOUNTED)
    assert time.monotonic() - started < 90


def test_every_thread_is_counted(meter: ValgrindMeter, honest: CostResult) -> None:
    in_thread = "import threading\nbox = []\nt = threading.Thread(target=lambda: box.append(work(n)))\n"
    in_thread += "t.start()\nt.join()\nreturn box[0]"
    work = "def work(n):\n" + "".join(f"    {line}\n" for line in HONEST.splitlines())
    threaded = measure(loop_job(in_thread, before=work), meter)
    assert threaded.ok and threaded.cost >= honest.cost
    # Work left running in a thread after the answer is counted too, up to the exit.
    after = "import threading\nthreading.Thread(target=work, args=(n,)).start()\nreturn work(n)"
    behind = measure(loop_job(after, before=work), meter)
    assert behind.ok and behind.cost >= 1.9 * honest.cost


def test_native_code_memory_and_the_gdbserver_are_out_of_reach(meter: ValgrindMeter) -> None:
    probe = """
import importlib.util, os
tried = {}
dynload = '/usr/lib/python3.11/lib-dynload/'
for name in ('_ctypes', '_testcapi', '_testinternalcapi'):
    path = dynload + [f for f in os.listdir(dynload) if f.startswith(name + '.')][0]
    for alias in (name, 'x.' + name):
        try:
            spec = importlib.util.spec_from_file_location(alias, path)
            importlib.util.module_from_spec(spec)
            tried[alias] = 'loaded'
        except BaseException as exc:
            tried[alias] = type(exc).__name__
os.chdir('/proc/self')
for target in ('mem', 'task/1/mem'):
    try:
        os.close(os.open(target, os.O_RDWR))
        tried[target] = 'writable'
    except OSError as exc:
        tried[target] = exc.errno
tried['tmp'] = sorted(os.listdir('/tmp'))
r, w = os.pipe()
try:
    os.set_blocking(w, False)
    tried['nonblocking'] = 'set'
except OSError as exc:
    tried['nonblocking'] = exc.errno
for attempt in ('unlink', 'rmdir', 'rename'):
    try:
        getattr(os, attempt)(*(['/dev/null'] + (['/tmp/x'] if attempt == 'rename' else [])))
        tried[attempt] = 'done'
    except OSError as exc:
        tried[attempt] = exc.errno
return tried
"""
    job = JudgeJob(
        source="def probe():\n" + "".join(f"    {line}\n" for line in probe.strip().splitlines()),
        signature={"style": "function", "name": "probe", "params": []},
        cases=[CaseSpec(ordinal=1, kind="performance", args=[], expected=None)],
        checker=CheckerSpec(),
        time_limit_ms=2000,
        memory_limit_kb=256 * 1024,
    )
    run = raw_run(job, meter)
    record = dict(run.steps)[1].record
    assert isinstance(record, CaseAnswer), record
    tried = record.output
    # No native code: the modules that call it are neither importable nor even in the jail
    # ("x._ctypes" got past the harness's audit hook before it checked every part of a name).
    assert all(outcome != "loaded" for name, outcome in tried.items() if "_" in name and "/" not in name), tried
    # valgrind's memory is not writable through /proc (EROFS: /proc is mounted read-only).
    assert tried["mem"] == tried["task/1/mem"] == 30, tried
    # No gdbserver FIFOs for the program to drive valgrind through.
    assert not [name for name in tried["tmp"] if name.startswith("vgdb")], tried
    # No descriptor can become non-blocking (valgrind's summary could fail on a full log pipe).
    assert tried["nonblocking"] == errno.EPERM, tried
    # Cachegrind's output file (it reports "I refs: 0" when it cannot open it) cannot be moved.
    assert "done" not in {tried["unlink"], tried["rmdir"], tried["rename"]}, tried


def test_the_harness_refuses_a_native_access_module_under_any_name() -> None:
    # In a judging jail the modules are on disk: only the harness's audit hook stands in the way.
    # It once checked the first part of a name only, and "x._ctypes" loaded _ctypes.
    body = (
        "import importlib.util, os\n"
        "dynload = '/usr/lib/python3.11/lib-dynload/'\n"
        "path = dynload + [f for f in os.listdir(dynload) if f.startswith('_ctypes.')][0]\n"
        "try:\n"
        "    importlib.util.module_from_spec(importlib.util.spec_from_file_location('x._ctypes', path))\n"
        "    return 'loaded'\n"
        "except ImportError as exc:\n"
        "    return 'refused' if 'not available in the judge' in str(exc) else str(exc)\n"
    )
    job = loop_job(body, n=1)
    outcome = judge_job(JudgeJob(**{**job.__dict__, "cases": [CaseSpec(1, "sample", [1], "refused")]}))
    assert outcome.verdict == "AC", outcome.message


# --- the same count on every run --------------------------------------------------------------
def test_the_same_program_gets_the_same_count(meter: ValgrindMeter) -> None:
    job = loop_job(HONEST)
    counts = [counted_instructions(raw_run(job, meter)) for _ in range(3)]
    # With the fixed hash seed, the very same count (without it, runs differ by ~0.2-0.4%).
    assert None not in counts and len(set(counts)) == 1, counts


# --- the budget -------------------------------------------------------------------------------
def test_a_run_over_the_budget_is_stopped_and_flagged(meter: ValgrindMeter) -> None:
    endless = loop_job(HONEST, n=10**9)
    started = time.monotonic()
    result = measure(endless, meter, budget=5e6)
    # Stopped long before its 60x time limit, and costed at the budget (a lower bound), so a
    # caller that ignores the flag still finds it slower than every reference.
    assert result.ok and result.over_budget and result.cost == 5e6, result
    assert time.monotonic() - started < 60


def test_a_finished_run_is_judged_against_the_budget_by_its_count(meter: ValgrindMeter, honest: CostResult) -> None:
    job = loop_job(HONEST)
    under = measure(job, meter, budget=honest.cost)
    assert under.ok and not under.over_budget and under.cost == honest.cost
    over = measure(job, meter, budget=honest.cost - ValgrindMeter.quantum_ir)
    assert over.ok and over.over_budget and over.cost == honest.cost


def test_a_wrong_answer_before_the_budget_ran_out_is_still_wrong(meter: ValgrindMeter) -> None:
    job = loop_job("if n < 10:\n    return -1\n" + HONEST, n=5)
    endless = CaseSpec(ordinal=2, kind="performance", args=[10**9], expected=0)
    result = measure(JudgeJob(**{**job.__dict__, "cases": [*job.cases, endless]}), meter, budget=5e6)
    assert not result.ok and result.verdict == Verdict.WA, result
