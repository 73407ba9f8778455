"""The judge's integrity against a contestant: every run is cleaned up, the jail's output is
parsed at one strict boundary, nothing hidden is reachable, limits and figures come from
outside, and the cost cannot be bought. Everything runs in the real nsjail."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from judge.boundary import (
    BoundaryError,
    CaseAnswer,
    CaseError,
    LineReader,
    Verdict,
    clean_text,
    parse_case_record,
    record_budget,
)
from judge.grading import outputs_match
from judge.meters import MeterRefused, get_meter, judging_meter_check, measure_cost
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job, ordered
from judge.sandbox.cgroups import RunCgroups
from judge.sandbox.pool import WARM_POOL
from judge.sandbox.session import JailLost

ADD = {"style": "class", "name": "add", "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]}
CASES = [
    CaseSpec(ordinal=1, kind="sample", args=[1, 2], expected=3),
    CaseSpec(ordinal=2, kind="hidden", args=[40, 2], expected=42),
    CaseSpec(ordinal=3, kind="hidden", args=[5, 5], expected=10),
]
REVERSE = {"style": "class", "name": "reverse", "params": [{"name": "head", "type": "ListNode"}], "returns": "ListNode"}


def job(source: str, **kwargs: Any) -> JudgeJob:
    return JudgeJob(
        source=source,
        signature=kwargs.pop("signature", ADD),
        cases=kwargs.pop("cases", CASES),
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 500),
        memory_limit_kb=kwargs.pop("memory_limit_kb", 128 * 1024),
    )


def method(body: str, *, before: str = "") -> str:
    return before + "class Solution:\n    def add(self, a, b):\n" + "".join(f"        {x}\n" for x in body.splitlines())


# --- one strict boundary ------------------------------------------------------------------------
def test_the_boundary_types_every_field_and_refuses_the_rest() -> None:
    assert parse_case_record(b'{"event":"case","status":"ok","output":[1,2]}') == CaseAnswer([1, 2])
    error = parse_case_record(b'{"event":"case","status":"error","error":"E\\ud800","line":3,"message":"a\\u0000b"}')
    assert isinstance(error, CaseError) and error.line == 3
    assert "\x00" not in error.message and "\ud800" not in error.error
    for line, verdict in [
        (b'{"event":"case","status":"ok","output":NaN}', Verdict.WA),
        (b'{"event":"case","status":"ok","output":[1e400]}', Verdict.WA),
        (b"[" * 50_000 + b"]" * 50_000, Verdict.WA),
        (b'{"event":"case","status":"error","error":"E","line":"3"}', Verdict.RTE),
        (b'{"event":"case","status":"error","error":"E","line":-1}', Verdict.RTE),
        (b'{"event":"case","status":"error","error":["E"],"line":1}', Verdict.RTE),
        (b'{"event":"case","status":"ok"}', Verdict.RTE),
        (b'{"event":"case","status":"tle"}', Verdict.RTE),
        (b'{"event":"compiled"}', Verdict.RTE),
        (b"\xff\xfe", Verdict.RTE),
        (b"1" * 5000, Verdict.RTE),
    ]:
        with pytest.raises(BoundaryError) as caught:
            parse_case_record(line)
        assert caught.value.verdict is verdict, line[:40]


def test_lines_are_split_once_each_and_capped() -> None:
    reader = LineReader()
    reader.feed(b"a\nbb\nc")
    assert [reader.next_line(), reader.next_line(), reader.next_line()] == [b"a", b"bb", None]
    reader.feed(b"c\n")
    assert reader.next_line() == b"cc"
    reader.limit = 10
    reader.feed(b"x" * 11)
    with pytest.raises(BoundaryError) as caught:
        reader.next_line()
    assert caught.value.verdict is Verdict.OLE
    # the budget grows with the expected output, so parsing stays proportional to it
    assert record_budget(3) < record_budget(list(range(100_000))) <= record_budget(None)


def test_clean_text_is_safe_to_store() -> None:
    assert clean_text("ok\ud800\x00\x1b!") == "ok?\ufffd\ufffd!"
    assert len(clean_text("x" * 10_000)) == 500


def test_a_checker_that_cannot_compare_means_wrong_answer() -> None:
    assert outputs_match(CheckerSpec(kind="float"), [], 10**400, 1.5) is False
    assert outputs_match(CheckerSpec(kind="unordered"), [], [{"a": {1, 2}}], [1]) is False


# --- messages reveal what the kind of case allows --------------------------------------------------
def test_hidden_tests_show_the_exception_type_only() -> None:
    """Not even the line: the program chooses it (compile() can put a raise on any line)."""
    outcome = judge_job(job(method("if a == 40:\n    raise ValueError('secret %s' % [a, b])\nreturn a + b")))
    assert outcome.verdict == "RTE"
    assert outcome.message == "ValueError on a hidden test."
    leak = method(
        "if a == 40:\n    exec(compile('\\n' * (a * 100 + b) + 'raise KeyError', 'solution.py', 'exec'))\nreturn a + b"
    )
    assert judge_job(job(leak)).message == "KeyError on a hidden test."


def test_a_problem_can_show_nothing_but_the_verdict_on_hidden_tests() -> None:
    body = "if a == 40:\n    raise ValueError('secret')\nreturn a + b"
    strict = JudgeJob(
        source=method(body), signature=ADD, cases=CASES, checker=CheckerSpec(), time_limit_ms=500,
        memory_limit_kb=128 * 1024, hidden_feedback="verdict",
    )  # fmt: skip
    assert judge_job(strict).message == "Runtime error on a hidden test."
    sample = method("raise ValueError('shown on a sample')")
    assert "shown on a sample" in judge_job(replace(strict, source=sample)).message


@pytest.mark.django_db
def test_the_problems_feedback_policy_reaches_the_judge() -> None:
    from arena.models import Problem
    from arena.services.calibration import job_for

    problem = Problem.objects.create(
        code="strict", title="Strict", statement="-", difficulty="easy", points=1, signature=ADD,
        hidden_feedback=Problem.HiddenFeedback.VERDICT,
    )  # fmt: skip
    assert job_for(problem, "", []).hidden_feedback == "verdict"


def test_an_exception_class_of_the_program_cannot_carry_data_out() -> None:
    body = "if a == 40:\n    raise type('Leak_%d_%d' % (a, b), (Exception,), {})()\nreturn a + b"
    outcome = judge_job(job(method(body)))
    assert outcome.verdict == "RTE"
    assert "Leak" not in outcome.message and "40" not in outcome.message


def test_samples_are_handed_over_before_any_hidden_case() -> None:
    shuffled = [CASES[2], CASES[0], CaseSpec(ordinal=0, kind="performance", args=[1, 1], expected=2), CASES[1]]
    assert [c.ordinal for c in ordered(shuffled)] == [1, 2, 3, 0]


@pytest.mark.parametrize(
    ("body", "verdict"),
    [("raise KeyError('input was %s' % a)", Verdict.RTE), ("import os\nos._exit(a)", Verdict.RTE)],
)
def test_performance_runs_show_the_verdict_only(body: str, verdict: Verdict) -> None:
    perf = [CaseSpec(ordinal=9, kind="performance", args=[77, 7], expected=84)]
    result = measure_cost(job(method(body)), perf, repeats=1, meter=get_meter("cpu"))
    assert not result.ok and result.verdict is verdict
    assert "77" not in result.message and "KeyError" not in result.message, result.message


# --- exact verdicts on performance inputs ----------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ("raise ValueError('Wrong answer, honestly')", Verdict.RTE),
        ("x = bytearray(1 << 30)", Verdict.MLE),
        ("while True:\n    pass", Verdict.TLE),
        ("return -1", Verdict.WA),
        ("print('x' * (2 << 20))\nreturn a + b", Verdict.OLE),
    ],
)
def test_a_failing_performance_run_keeps_its_own_verdict(body: str, verdict: Verdict) -> None:
    perf = [CaseSpec(ordinal=9, kind="performance", args=[7, 7], expected=14)]
    result = measure_cost(job(method(body)), perf, repeats=1, meter=get_meter("cpu"))
    assert not result.ok
    assert result.verdict is verdict, result.message


# --- figures and limits from outside -------------------------------------------------------------
def test_case_figures_are_measured_by_the_worker_not_reported_by_the_program() -> None:
    forged = (
        'import os\nfor fd in range(3, 64 if a == 5 else 3):\n    try:\n        os.write(fd, b\'{"event":"case","status":"ok",'
        '"output":%d,"time_ms":-3000000000,"memory_kb":-5}\\n\' % (a + b))\n    except OSError:\n        pass\n'
        "s = 0\nfor i in range(3_000_000):\n    s += i\nreturn a + b"
    )
    outcome = judge_job(job(method(forged), time_limit_ms=5000))
    assert outcome.verdict == "AC"
    assert all(case.time_ms >= 0 and case.memory_kb > 1000 for case in outcome.cases)
    busy = judge_job(job(method("s = 0\nfor i in range(3_000_000):\n    s += i\nreturn a + b"), time_limit_ms=5000))
    assert all(case.time_ms > 20 for case in busy.cases), [case.time_ms for case in busy.cases]
    assert busy.memory_kb == max(case.memory_kb for case in busy.cases)


def test_one_tle_row_and_no_bogus_second_verdict() -> None:
    outcome = judge_job(job(method("while True:\n    pass")))
    assert [c.verdict for c in outcome.cases] == ["TLE"]


def test_a_wrong_answer_stops_the_run_at_that_test() -> None:
    outcome = judge_job(job(method("return a + b if a != 40 else 0")))
    assert [c.verdict for c in outcome.cases] == ["AC", "WA"]


def test_an_outside_kill_of_the_jail_is_the_judges_failure_not_a_verdict() -> None:
    """An operator (or the host) killing nsjail must lead to a retry, never to the program's TLE."""
    WARM_POOL.settle()
    errors: list[BaseException] = []

    def judge() -> None:
        try:
            judge_job(job(method("import time\ntime.sleep(3)\nreturn a + b"), time_limit_ms=2000))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=judge)
    thread.start()
    deadline = time.monotonic() + 5
    victims: set[int] = set()
    while not victims and time.monotonic() < deadline:
        time.sleep(0.2)
        victims = _nsjail_pids() - _idle_pool_pids()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    thread.join(15)
    assert victims and len(errors) == 1 and isinstance(errors[0], JailLost)


def _nsjail_pids() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "nsjail":
                    found.add(int(entry))
            except OSError:
                continue
    return found


def _idle_pool_pids() -> set[int]:
    return {jail.proc.pid for ready in WARM_POOL._ready.values() for jail in ready}


# --- the cost cannot be bought ------------------------------------------------------------------
def test_patching_what_the_harness_uses_changes_nothing_it_does() -> None:
    """Every replacement raises if called: an accepted run proves the harness used none of them."""
    patches = (
        "import builtins, json, json.encoder, json.decoder, sys, os\n"
        "def boom(*args, **kwargs):\n    raise SystemExit('the harness called a patched function')\n"
        "json.dumps = json.loads = boom\n"
        "json.encoder.c_make_encoder = json.encoder.py_encode_basestring_ascii = boom\n"
        "json.JSONEncoder.encode = json.JSONEncoder.iterencode = boom\n"
        "json.decoder.JSONDecoder.decode = boom\n"
        "main = sys.modules['__main__']\n"
        "for name in list(vars(main)):\n"
        "    if callable(getattr(main, name)) and not name.startswith('__'):\n"
        "        setattr(main, name, boom)\n"
        "ListNode.__repr__ = boom\n"
        "os.read = os.write = os._exit = boom\n"
        "for name in ('isinstance', 'len', 'reversed', 'zip', 'sorted', 'repr', 'getattr', 'callable', 'memoryview'):\n"
        "    setattr(builtins, name, boom)\n"
    )
    source = patches + (
        "class Solution:\n    def reverse(self, head):\n        prev = None\n        while head:\n"
        "            head.next, prev, head = prev, head, head.next\n        return prev\n"
    )
    cases = [CaseSpec(ordinal=i, kind="hidden", args=[list(range(i))], expected=list(range(i))[::-1]) for i in (1, 3)]
    outcome = judge_job(job(source, signature=REVERSE, cases=cases))
    assert outcome.verdict == "AC", outcome.message


@pytest.mark.parametrize(
    ("attempt", "refusal"),
    [
        ("import gc\nnodes = [o for o in gc.get_objects() if callable(o)]", "RuntimeError"),
        ("import sys\nsys._getframe(1).f_locals", "ValueError"),
        ("import sys\nsys.settrace(lambda *a: None)", "RuntimeError"),
        ("import sys\nsys.setprofile(lambda *a: None)", "RuntimeError"),
        ("def f(): pass\nf.__code__ = (lambda: 1).__code__", "RuntimeError"),
        ("(lambda: 1).__code__.replace(co_consts=(2,))", "RuntimeError"),
        ("import marshal\nmarshal.loads(b'\\xe3')", "RuntimeError"),
        ("import ctypes", "ImportError"),
        ("import _testcapi", "ImportError"),
        ("def g():\n    yield 1\ng().gi_frame", "RuntimeError"),
        (
            "import importlib._bootstrap_external as b\n"
            "b._compile_bytecode(b'\\xe3' + bytes(40), 'x', '/usr/lib/python3.11/__pycache__/os.cpython-311.pyc')",
            "RuntimeError",
        ),
    ],
)
def test_the_harness_state_and_the_interpreter_are_out_of_reach(attempt: str, refusal: str) -> None:
    outcome = judge_job(job(method(attempt + "\nreturn a + b")))
    assert outcome.verdict == "RTE", outcome.message
    assert outcome.message.startswith(refusal), outcome.message


# Every way a reviewer reached the harness's frames; each collects frames into FRAMES.
FRAME_ROUTES = {
    "traceback": "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    f = e.__traceback__.tb_frame\n"
    "while f is not None:\n    FRAMES.append(f)\n    f = f.f_back\n",
    "signal-handler": "import signal\ngot = []\nsignal.signal(signal.SIGALRM, lambda s, f: got.append(f))\n"
    "signal.setitimer(signal.ITIMER_REAL, 0.001)\nwhile not got:\n    pass\nf = got[0]\n"
    "while f is not None:\n    FRAMES.append(f)\n    f = f.f_back\n",
}
PATCH_EVERYTHING_REACHABLE = """
def boom(*args, **kwargs):
    raise SystemExit('the harness ran a patched function')
patched = 0
for frame in FRAMES:
    for key, value in list(frame.f_locals.items()):
        frame.f_locals[key] = boom
        if callable(value):
            for cell in getattr(value, '__closure__', None) or ():
                cell.cell_contents = boom
                patched += 1
            try:
                value.__defaults__ = tuple(boom for _ in value.__defaults__ or ())
                patched += 1
            except (RuntimeError, AttributeError, TypeError):
                pass
"""


@pytest.mark.parametrize("route", sorted(FRAME_ROUTES))
def test_frames_of_the_harness_give_no_way_to_change_its_work(route: str) -> None:
    """The harness has no closure cells and its defaults cannot be replaced: a program holding its
    frames can read them, and nothing more. Its answers are still converted by the harness."""
    source = (
        "FRAMES = []\nclass Solution:\n    def reverse(self, head):\n"
        + "".join(f"        {line}\n" for line in (FRAME_ROUTES[route] + PATCH_EVERYTHING_REACHABLE).splitlines())
        + "        assert FRAMES and patched == 0, patched\n"
        + "        prev = None\n        while head:\n            head.next, prev, head = prev, head, head.next\n"
        + "        return prev\n"
    )
    cases = [CaseSpec(ordinal=i, kind="sample", args=[list(range(i))], expected=list(range(i))[::-1]) for i in (2, 5)]
    outcome = judge_job(job(source, signature=REVERSE, cases=cases))
    assert outcome.verdict == "AC", outcome.message


def test_a_program_cannot_add_an_audit_hook_of_its_own() -> None:
    body = (
        "import sys\ncalls = []\nsys.addaudithook(lambda event, args: calls.append(event))\n"
        "open('/tmp/probe', 'w').close()\nreturn a + b if not calls else -1"
    )
    assert judge_job(job(method(body))).verdict == "AC"


def test_a_meter_a_program_could_fool_is_refused_for_judging_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    from judge.meters import ValgrindMeter

    # valgrind, the default, is accepted since its runs are sealed (tests/judge/test_valgrind_integrity.py).
    judging_meter_check("valgrind")
    judging_meter_check("cpu")
    monkeypatch.setattr(ValgrindMeter, "tamper_reason", "a program can exec a fresh interpreter")
    with pytest.raises(MeterRefused, match="exec a fresh interpreter"):
        judging_meter_check("valgrind")
    with override_settings(JUDGE_METER="valgrind"), pytest.raises(ImproperlyConfigured, match="refused for judging"):
        apps.get_app_config("arena").ready()


# --- every run is cleaned up, whatever happens --------------------------------------------------
CRASHES = [
    method("x = []\nfor _ in range({n}):\n    x = [x]\nreturn x"),
    method("return [[]] * {n}00"),
    method("return float('nan') if a > {n} else 10 ** 400"),
    method("raise ValueError('\\ud800' * {n})"),
    method(
        'import os\nfor fd in range(3, 32):\n    try:\n        os.write(fd, b\'{{"event":"case","status":"ok","output":{n}}}\\n\' * {n})\n    except OSError:\n        pass\nreturn a + b'
    ),
    method(
        "import os\nfor fd in range(3, 32):\n    try:\n        os.write(fd, b'{{}}\\n' * {n}00)\n    except OSError:\n        pass\nreturn a + b"
    ),
    method("import os\nos.close(4)\nos.close(3)\nreturn a + b"),
    method("import os\nos._exit({n} % 256)"),
    method("return a + b", before="import os\nif {n} % 2:\n    os._exit(3)\n"),
    method("import os\nif os.fork() == 0:\n    import time\n    time.sleep({n})\nreturn a + b"),
    method("print('y' * {n}000)\nreturn a + b"),
    method("import sys\nsys.stdout.close()\nsys.stderr.close()\nreturn a + b"),
    method("class W(int):\n    def __repr__(self):\n        raise RuntimeError()\nreturn W({n})"),
    method("return {{1: {{2: [a] * {n}}}}}"),
    "class Solution:\n    def add(self, a, b):\n        return a +\n",
]


def _worker_state() -> dict[str, Any]:
    WARM_POOL.settle()
    WARM_POOL.clear()
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": threading.active_count(),
        "rss_kb": int(fields["VmRSS"].split()[0]),
        "children": len(_children()),
    }


def _children() -> list[int]:
    """Processes this worker started that still exist (a leaked jail is one of them)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                    found.append(int(entry))
            except (OSError, IndexError):
                continue
    return found


def test_hundreds_of_crashing_submissions_leave_the_worker_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[Path] = []
    original = RunCgroups.__init__

    def recording(self: RunCgroups, *, memory_limit_bytes: int, max_pids: int = 0) -> None:
        original(self, memory_limit_bytes=memory_limit_bytes, max_pids=max_pids)
        created.extend(self.paths.values())

    monkeypatch.setattr(RunCgroups, "__init__", recording)
    judge_job(job(method("return a + b")))  # warm the worker's caches (imports, the checker, the pool)
    before = _worker_state()
    rng = random.Random(9)
    verdicts: set[str] = set()
    for _ in range(200):
        source = rng.choice(CRASHES).format(n=rng.randint(1, 3000))
        verdicts.add(judge_job(job(source)).verdict)
    after = _worker_state()
    assert "IE" not in verdicts and len(verdicts) >= 4, verdicts
    assert after["fds"] == before["fds"], (before, after)
    assert after["threads"] == before["threads"], (before, after)
    assert after["children"] == before["children"] == 0, (before, after)
    assert created and not [path for path in created if path.exists()], "a run's cgroup was left behind"
    assert after["rss_kb"] - before["rss_kb"] < 64 * 1024, (before, after)
