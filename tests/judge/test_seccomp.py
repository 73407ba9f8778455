"""The jail's seccomp policy, tried from inside the real jail.

Each probe is a tiny program that issues one raw system call through ctypes, so what is tested
is the filter nsjail installs, not a wrapper's idea of the call. A denied call must kill the
program with SIGSYS before it can print; what a judged program needs (threads, fork, clone
without namespace flags, ordinary sockets, valgrind) must keep working.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from dataclasses import dataclass

import pytest

from judge.meters import get_meter, measure_cost
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.sandbox import JailLimits, build_command
from judge.sandbox.seccomp import KILLED, REFUSED

LIMITS = JailLimits(cpu_time_s=5, wall_time_s=20, memory_kb=256 * 1024)
KILLED_BY_SIGSYS = 128 + signal.SIGSYS  # how nsjail reports a child killed by a signal

SIGCHLD = int(signal.SIGCHLD)
CLONE_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
AF_INET, AF_NETLINK, AF_PACKET, AF_VSOCK = 2, 16, 17, 40
SOCK_STREAM, SOCK_RAW = 1, 3
ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC = 0x0040000, 0x0400000
PR_GET_DUMPABLE, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, SECCOMP_GET_ACTION_AVAIL = 3, 22, 2, 2
X32_SYSCALL_BIT = 0x40000000


@dataclass(frozen=True)
class Jailed:
    returncode: int
    stdout: str
    stderr: str
    log: str

    def __str__(self) -> str:
        return f"exit {self.returncode}, stdout {self.stdout!r}, stderr {self.stderr[-800:]!r}, log {self.log[-400:]!r}"


def run_in_jail(code: str) -> Jailed:
    """Run ``python3 -c code`` in a jail built exactly like the harness's, seccomp policy included."""
    result_r, result_w = os.pipe()
    log_r, log_w = os.pipe()
    try:
        argv = build_command(LIMITS, result_fd=result_w, log_fd=log_w)
        argv = [*argv[: argv.index("--") + 1], "/usr/bin/python3", "-S", "-B", "-E", "-c", code]
        proc = subprocess.run(argv, env={}, pass_fds=(result_w, log_w), capture_output=True, timeout=120, check=False)
    finally:
        os.close(result_w)
        os.close(log_w)
    # nsjail and everything it started have exited, so both pipes are at end of file.
    with os.fdopen(result_r, "rb"), os.fdopen(log_r, "rb") as log:
        return Jailed(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), log.read().decode())


# Prints the call's result and errno, which only a call that got through lives to do. A clone
# that got through must not leave two copies of the probe running: its child leaves at once.
PROBE = """\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
parent = os.getpid()
ret = libc.syscall(*(ctypes.c_long(arg) for arg in {call!r}))
if os.getpid() != parent:
    os._exit(0)
print(ret, ctypes.get_errno(), flush=True)
"""


@dataclass(frozen=True)
class Probe:
    family: str  # for a killed call, its key in KILLED (judge/sandbox/seccomp.py)
    name: str  # the call as the policy names it
    nr: int  # its x86_64 number (arch/x86/entry/syscalls/syscall_64.tbl), not kafel's
    args: tuple[int, ...] = ()  # harmless ones, in case the call got through
    case: str = ""

    @property
    def id(self) -> str:
        return f"{self.family}:{self.name}{'-' + self.case if self.case else ''}"

    def code(self) -> str:
        return PROBE.format(call=(self.nr, *self.args))


def probes(family: str, *calls: tuple[str, int] | tuple[str, int, tuple[int, ...]]) -> list[Probe]:
    return [Probe(family, call[0], call[1], *call[2:]) for call in calls]


KILLED_PROBES = [
    *(Probe("namespaces", "clone", 56, (flag | SIGCHLD, 0, 0, 0, 0), case=name) for name, flag in CLONE_FLAGS.items()),
    *probes("namespaces", ("unshare", 272, (CLONE_FLAGS["CLONE_NEWUSER"],)), ("setns", 308, (-1, 0))),
    # kafel's "umount" is umount2, the only unmount call x86_64 has.
    *probes("mounts", ("mount", 165), ("umount", 166), ("pivot_root", 155), ("chroot", 161)),
    *probes(
        "new-mount-api",
        ("fsopen", 430),
        ("fsconfig", 431, (-1, 0, 0, 0, 0)),
        ("fsmount", 432, (-1, 0, 0)),
        ("fspick", 433, (-1, 0, 0)),
        ("move_mount", 429, (-1, 0, -1, 0, 0)),
        ("open_tree", 428, (-1, 0, 0)),
        ("open_tree_attr", 467, (-1, 0, 0, 0, 0)),
        ("mount_setattr", 442, (-1, 0, 0, 0, 0)),
        ("statmount", 457),
        ("listmount", 458),
    ),
    *probes("file-handles", ("name_to_handle_at", 303, (-1, 0, 0, 0, 0)), ("open_by_handle_at", 304, (-1, 0, 0))),
    *probes(
        "other-processes",
        ("ptrace", 101, (2, 0, 0, 0)),  # PTRACE_PEEKDATA of pid 0: ESRCH
        ("process_vm_readv", 310),
        ("process_vm_writev", 311),
        ("pidfd_getfd", 438, (-1, 0, 0)),
        ("kcmp", 312),
        ("process_madvise", 440, (-1, 0, 0, 0, 0)),
        ("process_mrelease", 448, (-1, 0)),
    ),
    *probes(
        "async-io",
        ("io_uring_setup", 425, (8, 0)),
        ("io_uring_enter", 426, (-1, 0, 0, 0, 0, 0)),
        ("io_uring_register", 427, (-1, 0, 0, 0)),
        ("io_setup", 206),
        ("io_destroy", 207),
        ("io_submit", 209),
        ("io_cancel", 210),
        ("io_getevents", 208),
        ("io_pgetevents", 333),
    ),
    *probes("bpf", ("bpf", 321)),
    *probes("userfaultfd", ("userfaultfd", 323)),
    *probes("perf", ("perf_event_open", 298, (0, 0, -1, -1, 0))),
    *probes("keyrings", ("keyctl", 250), ("add_key", 248), ("request_key", 249)),
    *probes(
        "kernel-modules",
        ("init_module", 175),
        ("finit_module", 313, (-1, 0, 0)),
        ("delete_module", 176),
        ("create_module", 174),
        ("get_kernel_syms", 177),
        ("query_module", 178),
    ),
    *probes(
        "host-administration",
        ("kexec_load", 246),
        ("kexec_file_load", 320, (-1, -1, 0, 0, 0)),
        ("reboot", 169),  # no magic numbers: EINVAL
        ("swapon", 167),
        ("swapoff", 168),
        ("acct", 163, (1,)),  # an unmapped path: EFAULT or EPERM, never a change
        ("settimeofday", 164, (1, 0)),
        ("clock_settime", 227, (0, 1)),
        ("syslog", 103, (10,)),  # SYSLOG_ACTION_SIZE_BUFFER, the least a log read can be
        ("quotactl", 179),
        ("quotactl_fd", 443, (-1, 0, 0, 0)),
        ("sethostname", 170),
        ("setdomainname", 171),
        ("vhangup", 153),
        ("nfsservctl", 180),
        ("lookup_dcookie", 212),
    ),
    *probes("host-io", ("sync", 162), ("syncfs", 306, (-1,))),
    *probes("x86-legacy", ("iopl", 172), ("ioperm", 173), ("modify_ldt", 154)),
    # kafel's "sysctl" is _sysctl.
    *probes("obsolete", ("uselib", 134), ("ustat", 136), ("sysfs", 139), ("sysctl", 156), ("remap_file_pages", 216)),
    *probes(
        "numa",
        ("mbind", 237),
        ("set_mempolicy", 238),
        ("set_mempolicy_home_node", 450),
        ("migrate_pages", 256),
        ("move_pages", 279),
    ),
    *probes("fanotify", ("fanotify_init", 300), ("fanotify_mark", 301, (-1, 0, 0, -1, 0))),
    *probes("secret-memory", ("memfd_secret", 447)),
    *probes(
        "self-sandboxing",
        ("seccomp", 317, (SECCOMP_GET_ACTION_AVAIL, 0, 0)),
        ("prctl", 157, (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0)),  # no filter behind it: EFAULT
        ("landlock_create_ruleset", 444),
        ("landlock_add_rule", 445, (-1, 0, 0, 0)),
        ("landlock_restrict_self", 446, (-1, 0)),
    ),
    Probe("personality", "personality", 135, (ADDR_NO_RANDOMIZE,), case="ADDR_NO_RANDOMIZE"),
    Probe("personality", "personality", 135, (READ_IMPLIES_EXEC,), case="READ_IMPLIES_EXEC"),
]

REFUSED_PROBES = [
    (Probe("clone3", "clone3", 435), errno.ENOSYS),
    # Let through, each of these would answer something other than EAFNOSUPPORT: a socket,
    # EPERM for want of CAP_NET_RAW, EFAULT.
    (Probe("sockets", "socket", 41, (AF_NETLINK, SOCK_RAW, 0), case="AF_NETLINK"), errno.EAFNOSUPPORT),
    (Probe("sockets", "socket", 41, (AF_PACKET, SOCK_RAW, 0), case="AF_PACKET"), errno.EAFNOSUPPORT),
    (Probe("sockets", "socket", 41, (AF_VSOCK, SOCK_STREAM, 0), case="AF_VSOCK"), errno.EAFNOSUPPORT),
    (Probe("sockets", "socketpair", 53, (AF_INET, SOCK_STREAM, 0, 0), case="AF_INET"), errno.EAFNOSUPPORT),
]


@pytest.mark.parametrize("probe", KILLED_PROBES, ids=[probe.id for probe in KILLED_PROBES])
def test_a_denied_call_kills_the_program_with_sigsys(probe: Probe) -> None:
    jailed = run_in_jail(probe.code())
    assert (jailed.returncode, jailed.stdout) == (KILLED_BY_SIGSYS, ""), jailed


@pytest.mark.parametrize(("probe", "expected_errno"), REFUSED_PROBES, ids=[probe.id for probe, _ in REFUSED_PROBES])
def test_a_refused_call_fails_with_an_errno_the_caller_can_handle(probe: Probe, expected_errno: int) -> None:
    jailed = run_in_jail(probe.code())
    assert (jailed.returncode, jailed.stdout.split()) == (0, ["-1", str(expected_errno)]), jailed


def test_every_call_the_policy_kills_has_a_probe() -> None:
    in_policy = {(family, rule.split()[0]) for family, rules in KILLED.items() for rule in rules}
    assert {(probe.family, probe.name) for probe in KILLED_PROBES} == in_policy
    assert {probe.name for probe, _ in REFUSED_PROBES} == {
        rule.split()[0] for rules in REFUSED.values() for rule in rules
    }


def test_threads_still_start_when_clone3_is_refused() -> None:
    # glibc creates threads with clone3 first and falls back to clone on ENOSYS.
    jailed = run_in_jail(
        "import threading\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        # Thread stacks default to RLIMIT_STACK (128 MB here): four would not fit in RLIMIT_AS.
        "threading.stack_size(1 << 20)\n"
        "seen = []\n"
        "threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(4)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "with ThreadPoolExecutor(4) as pool: squares = list(pool.map(lambda i: i * i, range(8)))\n"
        "print(sorted(seen), sum(squares))\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "[0, 1, 2, 3] 140\n"), jailed


def test_fork_still_works() -> None:
    jailed = run_in_jail(
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(3)\n"
        "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "3\n"), jailed


def test_clone_without_namespace_flags_still_works() -> None:
    jailed = run_in_jail(
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"pid = libc.syscall(56, {SIGCHLD}, 0, 0, 0, 0)\n"
        "if pid == 0:\n"
        "    os._exit(4)\n"
        "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "4\n"), jailed


def test_starting_a_missing_program_is_an_ordinary_error() -> None:
    jailed = run_in_jail(
        "import subprocess\n"
        "try:\n"
        "    subprocess.run(['/usr/bin/nothing-here'])\n"
        "except OSError as e:\n"
        "    print(type(e).__name__)\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "FileNotFoundError\n"), jailed


def test_the_socket_families_a_program_may_use_still_open() -> None:
    jailed = run_in_jail(
        "import socket\n"
        "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):\n"
        "    socket.socket(family, socket.SOCK_STREAM).close()\n"
        "a, b = socket.socketpair()\n"
        "a.sendall(b'ping')\n"
        "print(b.recv(4).decode())\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "ping\n"), jailed


def test_the_personality_can_still_be_read_and_kept() -> None:
    jailed = run_in_jail(
        "import ctypes\n"
        "libc = ctypes.CDLL(None)\n"
        "print(libc.personality(ctypes.c_ulong(0xFFFFFFFF)), libc.personality(ctypes.c_ulong(0)))\n"
    )
    assert (jailed.returncode, jailed.stdout) == (0, "0 0\n"), jailed


def test_other_prctl_options_still_work() -> None:
    jailed = run_in_jail(f"import ctypes\nprint(ctypes.CDLL(None).prctl({PR_GET_DUMPABLE}, 0, 0, 0, 0) >= 0)\n")
    assert (jailed.returncode, jailed.stdout) == (0, "True\n"), jailed


def test_a_32_bit_system_call_is_killed() -> None:
    # getpid through int 0x80: seccomp sees the i386 architecture, which the policy does not allow.
    jailed = run_in_jail(
        "import ctypes, mmap\n"
        "page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        "page.write(bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3]))  # mov eax, 20; int 0x80; ret\n"
        "address = ctypes.addressof(ctypes.c_char.from_buffer(page))\n"
        "print(ctypes.CFUNCTYPE(ctypes.c_int)(address)(), flush=True)\n"
    )
    assert (jailed.returncode, jailed.stdout) == (KILLED_BY_SIGSYS, ""), jailed


def test_the_host_kernel_offers_no_x32_abi() -> None:
    # x32 calls share x86_64's architecture in seccomp and differ only by a bit in the number,
    # which the policy's names do not match: with x32 enabled, x32 mount would get through.
    jailed = run_in_jail(Probe("x32", "getpid", X32_SYSCALL_BIT | 39).code())
    assert (jailed.returncode, jailed.stdout.split()) == (0, ["-1", str(errno.ENOSYS)]), jailed


def test_valgrind_still_runs_threads_under_the_policy_but_no_new_process() -> None:
    meter = get_meter("valgrind")
    assert meter.name == "valgrind", "valgrind is not installed (deploy/system-packages.sh installs it)"
    # A forked child would be a valgrind process of its own, outside the count
    # (judge/sandbox/seccomp.py MEASURE_REFUSED): fork fails with EAGAIN.
    body = (
        "import errno, os, threading\n"
        "t = threading.Thread(target=sum, args=(range(n),))\n"
        "t.start()\n"
        "t.join()\n"
        "try:\n"
        "    pid = os.fork()\n"
        "except OSError as exc:\n"
        "    return n if exc.errno == errno.EAGAIN else -1\n"
        "if pid == 0:\n"
        "    os._exit(0)\n"
        "return -2\n"
    )
    job = JudgeJob(
        source="class Solution:\n    def run(self, n):\n" + "".join(f"        {line}\n" for line in body.splitlines()),
        signature={"style": "class", "name": "run", "params": [{"name": "n", "type": "int"}]},
        cases=[CaseSpec(ordinal=1, kind="performance", args=[1000], expected=1000)],
        checker=CheckerSpec(),
        time_limit_ms=2000,
        memory_limit_kb=256 * 1024,
    )
    result = measure_cost(job, job.cases, repeats=1, meter=meter)
    assert result.ok, result.message
