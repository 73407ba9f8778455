"""The seccomp policy of every jail (nsjail's kafel language)."""

from __future__ import annotations

# Syscalls no judged program needs and that widen the attack surface on the host kernel.
SECCOMP_POLICY = (
    "KILL_PROCESS { ptrace, process_vm_readv, process_vm_writev, io_uring_setup, io_uring_enter, "
    "io_uring_register, bpf, mount, umount, pivot_root, keyctl, add_key, request_key, perf_event_open, "
    "kexec_load, init_module, finit_module, delete_module, reboot, swapon, swapoff, unshare, setns, "
    "userfaultfd, chroot, acct, settimeofday, clock_settime, syslog, quotactl, name_to_handle_at, "
    "open_by_handle_at } DEFAULT ALLOW"
)
