"""The seccomp policy of every jail (nsjail's kafel language, passed as ``--seccomp_string``).

Everything not named here is allowed: namespaces, uid 65534, rlimits and cgroups do the
confining. The policy takes away the kernel interfaces that a judged program (CPython 3.11 and
its stdlib, under valgrind for the valgrind meter) never uses but an exploit would. A denied
call kills the whole process with SIGSYS, which the judge reports as a forbidden system call.
A few get an errno instead, where glibc has to be able to carry on.

Kafel compares argument values only; it cannot follow a pointer, so clone3, whose flags sit
in a struct, is refused outright. The filter also checks the architecture: a 32-bit call
(``int 0x80``) from the 64-bit interpreter is killed. It does not stop x32 calls (number |
0x40000000, same architecture as x86_64): the host kernel must not offer the x32 ABI
(CONFIG_X86_X32_ABI unset, or left disabled at boot), which tests/judge/test_seccomp.py checks.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import termios

# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
# CLONE_NEWNET. CLONE_NEWTIME (0x80) is left out: in clone's first argument that byte is the
# exit signal, so only clone3 and unshare can ask for a time namespace, and both are refused.
NAMESPACE_CLONE_FLAGS = 0x7E020000
PR_SET_SECCOMP = 22
PER_LINUX = 0
PERSONALITY_QUERY = 0xFFFFFFFF
ALLOWED_SOCKET_FAMILIES = (int(socket.AF_UNIX), int(socket.AF_INET), int(socket.AF_INET6))

# Denied families, killed with SIGSYS. The keys name the families in tests/judge/test_seccomp.py.
KILLED: dict[str, tuple[str, ...]] = {
    # A user namespace of its own gives a process every capability over new network, mount and
    # ipc namespaces: netfilter, raw sockets and filesystem drivers, all out of reach of
    # uid 65534 otherwise. clone with namespace flags opens the same door as unshare.
    "namespaces": (
        "unshare",
        "setns",
        f"clone {{ (clone_flags & {NAMESPACE_CLONE_FLAGS:#x}) != 0 }}",
    ),
    # nsjail builds the jail's view of the filesystem. A program that could change it could
    # undo the read-only binds, and each mount reaches a filesystem driver.
    "mounts": ("mount", "umount", "pivot_root", "chroot"),
    # The new mount API is a second way to do the same. statmount and listmount read the mount
    # table that the jail hides by having no /proc.
    "new-mount-api": (
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "move_mount",
        "open_tree",
        "open_tree_attr",
        "mount_setattr",
        "statmount",
        "listmount",
    ),
    # A file handle resolves outside the bind-mounted subtree it came from (the "shocker" escape).
    "file-handles": ("name_to_handle_at", "open_by_handle_at"),
    # Reaching into another process of the jail, e.g. from a forked child into the harness's
    # process, past everything the harness guards from Python: its memory, its descriptors,
    # its pages, a comparison of its kernel objects with ours.
    "other-processes": (
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "pidfd_getfd",
        "kcmp",
        "process_madvise",
        "process_mrelease",
    ),
    # Large subsystems open to unprivileged callers, each the source of a steady stream of
    # kernel privilege escalations, io_uring above all. asyncio runs on epoll, not on these.
    "async-io": (
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "io_setup",
        "io_destroy",
        "io_submit",
        "io_cancel",
        "io_getevents",
        "io_pgetevents",
    ),
    # The BPF verifier and JIT: a kernel compiler fed by the caller.
    "bpf": ("bpf",),
    # Lets an exploit stall the kernel in the middle of a copy from user memory, which is how
    # many kernel races are won.
    "userfaultfd": ("userfaultfd",),
    # Hardware and software counters, a large driver surface; the meters count from outside.
    "perf": ("perf_event_open",),
    # Kernel keyrings: shared state and parsers for key types no judged program uses.
    "keyrings": ("keyctl", "add_key", "request_key"),
    # Loading code into the kernel.
    "kernel-modules": (
        "init_module",
        "finit_module",
        "delete_module",
        "create_module",
        "get_kernel_syms",
        "query_module",
    ),
    # Administration of the host. Each needs a capability the jail never holds; denying them
    # outright means a capability check that goes wrong inside a user namespace is not the
    # only guard.
    "host-administration": (
        "kexec_load",
        "kexec_file_load",
        "reboot",
        "swapon",
        "swapoff",
        "acct",
        "settimeofday",
        "clock_settime",
        "syslog",
        "quotactl",
        "quotactl_fd",
        "sethostname",
        "setdomainname",
        "vhangup",
        "nfsservctl",
        "lookup_dcookie",
    ),
    # sync flushes every filesystem of the host, and syncfs on a file of a read-only bind flushes
    # the host filesystem behind it: a cheap way to stall the database and the other jails.
    # A judged program writes only to a tmpfs, which has nothing to flush.
    "host-io": ("sync", "syncfs"),
    # x86 I/O ports and local descriptor tables: raw hardware access, and a segment-descriptor
    # path with a history of kernel bugs. CPython and valgrind run on the flat 64-bit model.
    "x86-legacy": ("iopl", "ioperm", "modify_ldt"),
    # Interfaces kept for programs of the 1990s: kernel code that little else exercises.
    "obsolete": ("uselib", "ustat", "sysfs", "sysctl", "remap_file_pages"),
    # Page placement across NUMA nodes. migrate_pages and move_pages act on other processes;
    # nothing in the jail is NUMA-aware, and this is little-exercised memory management code.
    "numa": ("mbind", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages"),
    # Filesystem-wide event monitoring, open to unprivileged callers only since Linux 5.13:
    # young code, and a judged program watches no files.
    "fanotify": ("fanotify_init", "fanotify_mark"),
    # Pages taken out of the kernel's direct map: young memory-management code.
    "secret-memory": ("memfd_secret",),
    # A judged program has no reason to sandbox itself. A seccomp listener lets one jailed
    # process answer another's system calls, and every such API is more kernel to reach.
    "self-sandboxing": (
        "seccomp",
        f"prctl {{ option == {PR_SET_SECCOMP} }}",
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
    ),
    # Execution domains change how the kernel treats the next exec: no address randomisation,
    # readable implies executable, a fake kernel version. CPython runs as PER_LINUX and at most
    # asks which domain it is in.
    "personality": (f"personality {{ personality != {PER_LINUX} && personality != {PERSONALITY_QUERY:#x} }}",),
}

# Denied with an errno, where glibc must be able to go on.
REFUSED: dict[int, tuple[str, ...]] = {
    # clone3 passes its flags in a struct seccomp cannot read. glibc (2.34 and later) answers
    # ENOSYS by falling back to clone, where the namespace flags are visible.
    errno.ENOSYS: ("clone3",),
    # The jail has no network interface, so a program needs no more than AF_UNIX (socketpair)
    # and AF_INET/AF_INET6, whose connections fail as unreachable. The other families (AF_ALG,
    # AF_VSOCK, AF_TIPC, AF_NETLINK, ...) are kernel code loaded on first use and a long line
    # of privilege escalations. An errno rather than SIGSYS: glibc opens netlink sockets
    # itself (getifaddrs, if_nameindex) and copes with a family the kernel lacks.
    errno.EAFNOSUPPORT: (
        "socket { " + " && ".join(f"family != {family}" for family in ALLOWED_SOCKET_FAMILIES) + " }",
        f"socketpair {{ family != {int(socket.AF_UNIX)} }}",
    ),
}


CLONE_THREAD = 0x10000

# Measurement runs under valgrind also refuse new processes (threads are fine: valgrind counts
# every thread of its process). A forked child is a valgrind process of its own: its count would
# have to be added, it is lost if the child is killed, and the child could write a forged count
# to the log after the interpreter's own, while the jail winds down. EAGAIN, as when a process
# limit is reached: os.fork and subprocess raise, and the program's run fails like any error.
#
# Nor may a descriptor become non-blocking (EPERM). The program can always reach valgrind's log
# pipe (it can dup valgrind's own copy); made non-blocking, valgrind's final summary could fail
# with EAGAIN on a pipe the program filled, leaving a forged summary of the program's last.
MEASURE_REFUSED: dict[int, tuple[str, ...]] = {
    errno.EAGAIN: ("fork", "vfork", f"clone {{ (clone_flags & {CLONE_THREAD:#x}) == 0 }}"),
    errno.EPERM: (
        f"fcntl {{ cmd == {fcntl.F_SETFL} && (arg & {os.O_NONBLOCK:#x}) != 0 }}",
        f"ioctl {{ cmd == {termios.FIONBIO:#x} }}",
    ),
}


def _block(action: str, rules: tuple[str, ...]) -> str:
    return f"{action} {{ {', '.join(rules)} }}"


def _policy(refused: dict[int, tuple[str, ...]]) -> str:
    return " ".join(
        [
            _block("KILL_PROCESS", tuple(rule for rules in KILLED.values() for rule in rules)),
            *(_block(f"ERRNO({number})", rules) for number, rules in refused.items()),
            "DEFAULT ALLOW",
        ]
    )


SECCOMP_POLICY = _policy(REFUSED)
# The policy of valgrind measurement runs (judge/sandbox/command.py): the same, and no new process.
MEASURE_SECCOMP_POLICY = _policy({**REFUSED, **MEASURE_REFUSED})
