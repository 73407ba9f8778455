"""Hostile submissions through the real judging service and the real nsjail.

Every case asserts the exact verdict and that the host is unaffected afterwards: no process of
the jail user survives the run, files outside the jail are untouched, another participant's
submission in the database is unchanged, and the next submission is judged correctly.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.models import Participant, Problem, Submission
from arena.models import TestCase as Case
from arena.services.judging import submission_judge
from judge.meters import get_meter, measure_cost
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.pool import WARM_POOL

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
ADD_SIGNATURE = {
    "style": "class",
    "name": "add",
    "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
}
CORRECT = "class Solution:\n    def add(self, a, b):\n        return a + b\n"


def method(body: str, *, before: str = "") -> str:
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{before}class Solution:\n    def add(self, a, b):\n{lines}"


@pytest.fixture
def add_problem(db: None) -> Problem:
    problem = Problem.objects.create(
        code="add",
        title="Add",
        statement="Add two numbers.",
        difficulty="easy",
        points=3,
        time_limit_ms=500,
        memory_limit_kb=128 * 1024,
        signature=ADD_SIGNATURE,
    )
    cases = [(1, "sample", [1, 2]), (2, "hidden", [5, 7]), (3, "hidden", [-4, 4]), (4, "performance", [10**6, 1])]
    Case.objects.bulk_create(
        Case(problem=problem, ordinal=o, kind=k, input=args, expected=sum(args)) for o, k, args in cases
    )
    return problem


def jail_user_processes() -> list[int]:
    """Processes of uid 65534 descending from this test process, except idle warm-pool jails."""
    idle = {jail.proc.pid for ready in WARM_POOL._ready.values() for jail in ready}
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("Uid", "").split()[0:1] != ["65534"]:
            continue
        pid, chain = int(entry), []
        while pid > 1:
            chain.append(pid)
            try:
                ppid_line = next(
                    line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("PPid")
                )
            except (OSError, StopIteration):
                break
            pid = int(ppid_line.split()[1])
            if pid == me:
                if not idle.intersection(chain):
                    found.append(int(entry))
                break
    return found


@pytest.fixture
def host_guard(add_problem: Problem, rival: Participant, contestant: Participant) -> Iterator[Problem]:
    canary = Path(f"/tmp/codearena-canary-{uuid.uuid4().hex}")
    canary.write_text("untouched")
    watched = [REPO / "config" / "settings" / "base.py", REPO / "manage.py"]
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in watched]
    other = Submission.objects.create(participant=rival, problem=add_problem, language="PY3", source=CORRECT)
    assert submission_judge(submission_id=other.pk) == "AC"
    # Everything but the efficiency scores, which move with the problem's pool whenever another
    # submission is accepted (arena/services/rescoring.py): that is scoring, not tampering.
    live = {"beyond", "dps", "dps_norm", "es"}
    fields = [f.attname for f in Submission._meta.concrete_fields if f.attname not in live]
    other_before = Submission.objects.filter(id=other.pk).values(*fields).get()
    yield add_problem
    WARM_POOL.settle()
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert canary.read_text() == "untouched"
    canary.unlink()
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in watched] == digests
    assert Submission.objects.filter(id=other.pk).values(*fields).get() == other_before
    assert Submission.objects.count() == 2
    following = Submission.objects.create(participant=contestant, problem=add_problem, language="PY3", source=CORRECT)
    assert submission_judge(submission_id=following.pk) == "AC", "the next submission was affected"


HOSTILE: list[tuple[str, str, str, str]] = [
    # (id, source, verdict, words the message must contain)
    ("fork-bomb", method("import os\nwhile True:\n    os.fork()"), "RTE", "BlockingIOError"),
    (
        "thread-bomb",
        method("import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()"),
        "RTE",
        "can't start new thread",
    ),
    ("memory-bomb", method("x = bytearray(1 << 30)"), "MLE", "128 MB"),
    ("memory-growth", method("x = []\nwhile True:\n    x.append(' ' * 10**6)"), "MLE", "128 MB"),
    ("mmap-bomb", method("import mmap\nm = mmap.mmap(-1, 1 << 33)\nreturn a + b"), "RTE", "Cannot allocate memory"),
    ("infinite-loop", method("while True:\n    pass"), "TLE", "500 ms"),
    ("sleep-forever", method("import time\ntime.sleep(3600)"), "TLE", "wall-clock"),
    (
        "busy-threads",
        method(
            "import threading\ndef burn():\n    while True: pass\nfor _ in range(3):\n    threading.Thread(target=burn, daemon=True).start()\nburn()"
        ),
        "TLE",
        "time limit",
    ),
    (
        "busy-children",
        method(
            "import os\nfor _ in range(3):\n    if os.fork() == 0:\n        while True: pass\nos.wait()\nreturn a + b"
        ),
        "TLE",
        "limit",
    ),
    (
        "ignore-case-timer",
        method("import signal\nsignal.signal(signal.SIGPROF, signal.SIG_IGN)\nwhile True:\n    pass"),
        "TLE",
        "limit",
    ),
    (
        "fill-tmp",
        method("with open('/tmp/fill', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)"),
        "RTE",
        "File too large",
    ),
    (
        "many-tmp-files",
        method("for i in range(10000):\n    with open(f'/tmp/f{i}', 'wb') as f:\n        f.write(b'x' * 4096)"),
        "RTE",
        "No space left",
    ),
    ("write-usr", method("open('/usr/evil', 'w').write('x')"), "RTE", "Read-only file system"),
    ("write-harness", method("open('/harness/harness.py', 'a').write('x')"), "RTE", "Permission denied"),
    ("write-root", method("open('/evil', 'w').write('x')"), "RTE", "Error"),
    ("read-shadow", method("return len(open('/etc/shadow').read())"), "RTE", "No such file"),
    (
        "read-settings",
        method(f"return len(open({str(REPO / 'config/settings/base.py')!r}).read())"),
        "RTE",
        "No such file",
    ),
    ("read-dotenv", method(f"return len(open({str(REPO / '.env')!r}).read())"), "RTE", "No such file"),
    (
        "read-sqlite",
        method(f"return len(open({str(REPO / 'var/arena.sqlite3')!r}, 'rb').read())"),
        "RTE",
        "No such file",
    ),
    ("read-secret-key", method(f"return len(open({str(REPO / 'var/secret_key')!r}).read())"), "RTE", "No such file"),
    ("read-other-runs", method("import os\nreturn len(os.listdir('/tmp/codearena-runs'))"), "RTE", "No such file"),
    ("read-host-proc", method("return len(open('/proc/1/environ', 'rb').read())"), "RTE", "/proc is not accessible"),
    (
        "list-root",
        method(
            "import os\nassert sorted(os.listdir('/')) == ['harness', 'lib', 'lib64', 'tmp', 'usr'], os.listdir('/')\nreturn a + b"
        ),
        "AC",
        "",
    ),
    (
        "environment",
        method("import os\nassert set(os.environ) <= {'LC_CTYPE'}, dict(os.environ)\nreturn a + b"),
        "AC",
        "",
    ),
    (
        "socket-loopback",
        method("import socket\nsocket.create_connection(('127.0.0.1', 8000), timeout=1)"),
        "RTE",
        "unreachable",
    ),
    (
        "socket-redis",
        method("import socket\nsocket.create_connection(('127.0.0.1', 6379), timeout=1)"),
        "RTE",
        "unreachable",
    ),
    (
        "socket-postgres",
        method("import socket\nsocket.create_connection(('127.0.0.1', 5432), timeout=1)"),
        "RTE",
        "unreachable",
    ),
    (
        "socket-outside",
        method("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)"),
        "RTE",
        "unreachable",
    ),
    (
        "udp-outside",
        method("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('8.8.8.8', 53))"),
        "RTE",
        "unreachable",
    ),
    ("subprocess-shell", method("import subprocess\nsubprocess.run(['/bin/sh', '-c', 'id'])"), "RTE", "No such file"),
    ("os-system", method("import os\nassert os.system('id') != 0\nreturn a + b"), "AC", ""),
    (
        "exec-interpreter",
        method("import os\nos.execv('/usr/bin/python3', ['python3', '-c', 'print(1)'])"),
        "RTE",
        "before all tests",
    ),
    (
        "ctypes-ptrace",
        method("import ctypes\nctypes.CDLL(None).ptrace(0, 0, 0, 0)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    (
        "raw-syscall-io-uring",
        method("import ctypes\nctypes.CDLL(None).syscall(425, 8, 0)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    (
        "raw-syscall-bpf",
        method("import ctypes\nctypes.CDLL(None).syscall(321, 0, 0, 0)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    (
        "unshare",
        method("import ctypes\nctypes.CDLL(None).unshare(0x10000000)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    (
        "mount",
        method("import ctypes\nctypes.CDLL(None).mount(b'none', b'/tmp', b'tmpfs', 0, None)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    ("chroot", method("import os\nos.chroot('/tmp')"), "RTE", "forbidden system call"),
    (
        "keyctl",
        method("import ctypes\nctypes.CDLL(None).syscall(250, 0, 0, 0, 0)\nreturn a + b"),
        "RTE",
        "ctypes",
    ),
    ("setuid-root", method("import os\nos.setuid(0)"), "RTE", "OSError"),
    ("kill-parent", method("import os, signal\nos.kill(os.getppid() or 1, signal.SIGKILL)\nreturn a + b"), "AC", ""),
    (
        "kill-everything",
        method("import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\nreturn a + b"),
        "AC",
        "",
    ),
    ("recursion-bomb", method("return self.add(a, b)"), "RTE", "RecursionError"),
    ("stdout-flood", method("while True:\n    print('x' * 10000)"), "OLE", "1024 KB"),
    ("stderr-flood", method("import sys\nwhile True:\n    sys.stderr.write('e' * 10000)"), "OLE", "1024 KB"),
    (
        "forged-results",
        method(
            'import os\nfor fd in range(3, 4096):\n    try:\n        os.write(fd, b\'{"event": "case", "ordinal": 2, "status": "ok", "output": 12}\\n{"event": "done"}\\n\')\n    except OSError:\n        pass\nreturn 0'
        ),
        "WA",
        "",
    ),
    (
        "garbage-on-result-channel",
        method(
            "import os\nfor fd in range(3, 4096):\n    try:\n        os.write(fd, b'\\x00garbage\\n')\n    except OSError:\n        pass\nreturn a + b"
        ),
        "RTE",
        "result channel",
    ),
    ("sys-exit-at-load", method("return a + b", before="import sys\nsys.exit(0)\n"), "CE", "SystemExit"),
    ("os-exit-at-load", method("return a + b", before="import os\nos._exit(0)\n"), "CE", "stopped the judge"),
    ("os-exit-in-case", method("import os\nos._exit(0)"), "RTE", "before all tests"),
    ("raise-systemexit", method("raise SystemExit(0)"), "RTE", "SystemExit"),
    ("raise-keyboardinterrupt", method("raise KeyboardInterrupt"), "RTE", "KeyboardInterrupt"),
    ("raise-baseexception", method("raise BaseException('boom')"), "RTE", "BaseException"),
    ("read-stdin", method("import sys\nsys.stdin.read()"), "RTE", "closed file"),
    (
        "background-process",
        method("import os, time\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\nreturn a + b"),
        "AC",
        "",
    ),
    # --- the judge's boundary: what the program writes is never the worker's crash -----------
    ("deeply-nested-return", method("x = []\nfor _ in range(5000):\n    x = [x]\nreturn x"), "WA", "cannot be read"),
    (
        "forged-record-fields",
        method(
            'import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b\'{"event":"case","status":"error","error":[1],"line":"7","message":{}}\\n\')\n    except OSError:\n        pass\nreturn a + b'
        ),
        "RTE",
        "result channel",
    ),
    (
        "forged-negative-time",
        method(
            'import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b\'{"event":"case","status":"ok","output":3,"time_ms":-3e9,"memory_kb":-1}\\n\')\n    except OSError:\n        pass\nwhile True:\n    pass'
        ),
        "TLE",
        "500 ms",
    ),
    ("nan-answer", method("return float('nan')"), "WA", "cannot be read"),
    ("infinite-answer", method("return 10 ** 400 * 1.0 if False else float('inf')"), "WA", "cannot be read"),
    ("huge-int-answer", method("return 10 ** 400"), "WA", "Expected: 3"),
    ("lone-surrogate-message", method("raise ValueError('\\ud800 \\x00 broken')"), "RTE", "ValueError (line 3)"),
    (
        "hostile-str-exception",
        method("class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()"),
        "RTE",
        "E (line",
    ),
    (
        "record-flood",
        method(
            "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{}\\n' * 2_000_000)\n    except OSError:\n        pass\nreturn a + b"
        ),
        "RTE",
        "result channel",
    ),
    (
        "giant-record",
        method("return [[]] * 1_000_000"),
        "OLE",
        "output limit",
    ),
    (
        "unterminated-giant-line",
        method(
            "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'[' * (8 << 20))\n    except OSError:\n        pass\nreturn a + b"
        ),
        "OLE",
        "output limit",
    ),
    # --- nothing hidden is reachable -----------------------------------------------------------
    ("frame-walk", method("import sys\nreturn sys._getframe(1).f_locals"), "RTE", "ValueError"),
    (
        "frames-hold-no-other-case",
        method(
            "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    f = e.__traceback__.tb_frame\nseen = []\n"
            "while f is not None:\n    seen.append(repr(f.f_locals))\n    f = f.f_back\n"
            "hidden = [str([5, 3 + 4]), str([-4, 2 + 2])]  # computed: the source itself is in the harness's locals\n"
            "assert not any(h in text for h in hidden for text in seen) or [a, b] != [1, 2]\nreturn a + b"
        ),
        "AC",
        "",
    ),
    ("gc-walk", method("import gc\nreturn len(gc.get_objects())"), "RTE", "RuntimeError"),
    ("settrace", method("import sys\nsys.settrace(lambda *a: None)\nreturn a + b"), "RTE", "RuntimeError"),
    ("ctypes-import", method("import ctypes\nreturn a + b"), "RTE", "ctypes"),
    ("marshal-code", method("import marshal\nmarshal.loads(marshal.dumps(1))\nreturn a + b"), "RTE", "RuntimeError"),
    ("read-stdin-directly", method("import os\nreturn len(os.read(0, 100))"), "RTE", "Bad file descriptor"),
    # --- limits come from outside the program --------------------------------------------------
    (
        "cancel-cpu-timer",
        method(
            "import signal\nsignal.setitimer(signal.ITIMER_PROF, 0)\nsignal.setitimer(signal.ITIMER_VIRTUAL, 0)\nwhile True:\n    pass"
        ),
        "TLE",
        "500 ms",
    ),
    (
        "work-in-serialisation",
        method("class Slow(dict):\n    def items(self):\n        while True:\n            pass\nreturn Slow(x=1)"),
        "TLE",
        "500 ms",
    ),
    (
        "memory-split-across-fork",
        method(
            "import os, time\nblock = bytearray(80 << 20)\nfor i in range(0, len(block), 4096):\n    block[i] = 1\nif os.fork() == 0:\n    del block\n    other = bytearray(80 << 20)\n    for i in range(0, len(other), 4096):\n        other[i] = 1\n    time.sleep(5)\n    os._exit(0)\ntime.sleep(3)\nreturn a + b"
        ),
        "MLE",
        "128 MB",
    ),
    ("segfault", method("import faulthandler\nfaulthandler._read_null()"), "RTE", "SIGSEGV"),
    ("fast-only-when-small", method("return a + b if a < 1000 else -1"), "WA", "performance input"),
]


@pytest.mark.parametrize(("source", "verdict", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_submission(
    host_guard: Problem, contestant: Participant, source: str, verdict: str, words: str
) -> None:
    submission = Submission.objects.create(participant=contestant, problem=host_guard, language="PY3", source=source)
    assert submission_judge(submission_id=submission.pk) == verdict
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE
    assert words in submission.message, submission.message


def test_the_suite_has_at_least_forty_cases() -> None:
    assert len(HOSTILE) >= 40


def burn_job(source: str) -> JudgeJob:
    return JudgeJob(
        source=source,
        signature=ADD_SIGNATURE,
        cases=[CaseSpec(ordinal=1, kind="performance", args=[1, 2], expected=3)],
        checker=CheckerSpec(),
        time_limit_ms=3000,
        memory_limit_kb=256 * 1024,
    )


WORK = "s = 0\nfor i in range(3_000_000):\n    s += i * i\n"


def test_faking_the_clock_does_not_lower_the_measured_cost() -> None:
    honest = burn_job(method(WORK + "return a + b"))
    faker = burn_job(
        method(
            WORK + "return a + b",
            before=(
                "import time, resource\n"
                "time.perf_counter = time.process_time = time.time = time.monotonic = lambda: 0.0\n"
                "resource.getrusage = lambda who: None\n"
            ),
        )
    )
    meter = get_meter("cpu")
    honest_cost = measure_cost(honest, honest.cases, repeats=3, meter=meter)
    faked_cost = measure_cost(faker, faker.cases, repeats=3, meter=meter)
    assert honest_cost.ok and faked_cost.ok
    # Faking would bring the cost near 0; honest noise between two measurements of the same work
    # stays within ~2x even on a host whose speed jumps from run to run.
    assert faked_cost.cost > 0.5 * honest_cost.cost


def test_cpu_burned_in_unreaped_children_is_counted() -> None:
    # The parent waits until both children have exited (their ends of a pipe close) without
    # reaping them: rusage would never see them, the cgroup must.
    source = method(
        "import os\nr, w = os.pipe()\nfor _ in range(2):\n    if os.fork() == 0:\n        os.close(r)\n"
        + "".join(f"        {line}\n" for line in WORK.splitlines())
        + "        os._exit(0)\nos.close(w)\nos.read(r, 1)\nreturn a + b"
    )

    def cpu_ms(program: str) -> float:
        # The smallest of three runs: one run's CPU time can vary ~2x on a shared host.
        return min(
            run_harness({"source": program, "signature": ADD_SIGNATURE, "cases": [{"ordinal": 1, "args": [1, 2]}],
                         "time_limit_ms": 3000}, JailLimits.for_cpu(4, memory_kb=256 * 1024)).cpu_ms
            for _ in range(3)
        )  # fmt: skip

    # Two children each did the work once; nobody waited for them, yet their CPU is counted
    # (about 1.9x the work done alone; uncounted children would leave ~0.2x).
    assert cpu_ms(source) > 1.25 * cpu_ms(method(WORK + "return a + b"))


def _run_one(source: str) -> list[object]:
    job = {
        "source": source,
        "signature": ADD_SIGNATURE,
        "cases": [{"ordinal": 1, "args": [1, 2]}],
        "time_limit_ms": 2000,
    }
    run = run_harness(job, JailLimits.for_cpu(3, memory_kb=128 * 1024), warm=True)
    return [getattr(record, "output", None) for record in run.answered().values()]


def test_nothing_of_one_run_is_visible_to_the_next() -> None:
    writer = method("open('/tmp/left-behind', 'w').write('secret')\nreturn a + b")
    reader = method("import os\nreturn os.listdir('/tmp')")
    assert _run_one(writer)[0] == 3
    assert _run_one(reader)[0] == []


def test_concurrent_jails_do_not_see_each_other() -> None:
    from concurrent.futures import ThreadPoolExecutor

    source = method(
        "import os, time\nname = f'/tmp/{os.urandom(8).hex()}'\nopen(name, 'w').write('x')\ntime.sleep(0.5)\n"
        "return sorted(os.listdir('/tmp'))"
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _run_one(source)[0], range(4)))
    assert all(isinstance(r, list) and len(r) == 1 for r in results), results
    assert len({r[0] for r in results}) == 4
