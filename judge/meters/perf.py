"""perf_event_open(2) through ctypes: Python has no binding for it."""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

PERF_SYSCALL = {"x86_64": 298, "aarch64": 241}
PERF_TYPE_HARDWARE = 0
PERF_TYPE_SOFTWARE = 1
PERF_COUNT_HW_INSTRUCTIONS = 1
PERF_COUNT_SW_TASK_CLOCK = 1
PERF_ATTR_SIZE = 112  # PERF_ATTR_SIZE_VER5, understood by every kernel since 4.1
PERF_FORMAT_TOTAL_TIME_ENABLED = 1
PERF_FORMAT_TOTAL_TIME_RUNNING = 2
PERF_FLAG_FD_CLOEXEC = 8
# perf_event_attr flag bits
ATTR_DISABLED = 1 << 0
ATTR_INHERIT = 1 << 1
ATTR_EXCLUDE_KERNEL = 1 << 5
ATTR_EXCLUDE_HV = 1 << 6
ATTR_ENABLE_ON_EXEC = 1 << 12


class PerfError(OSError):
    pass


def perf_event_open(*, event_type: int, config: int, pid: int, enable_on_exec: bool = False) -> int:
    """A user-space-only counter on ``pid`` and every thread and child it starts from now on.

    With ``enable_on_exec`` the counter starts at the process's next execve, so the forked
    worker's own code between fork and exec is not counted.
    """
    number = PERF_SYSCALL.get(platform.machine())
    if number is None:
        raise PerfError(errno.ENOSYS, f"perf_event_open: unknown syscall number on {platform.machine()}")
    attr = bytearray(128)
    struct.pack_into("=IIQ", attr, 0, event_type, PERF_ATTR_SIZE, config)
    struct.pack_into("=Q", attr, 32, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)
    flags = ATTR_INHERIT | ATTR_EXCLUDE_KERNEL | ATTR_EXCLUDE_HV
    if enable_on_exec:
        flags |= ATTR_DISABLED | ATTR_ENABLE_ON_EXEC
    struct.pack_into("=Q", attr, 40, flags)
    buffer = ctypes.create_string_buffer(bytes(attr), len(attr))
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(number, buffer, ctypes.c_int(pid), ctypes.c_int(-1), ctypes.c_int(-1),
                      ctypes.c_ulong(PERF_FLAG_FD_CLOEXEC))  # fmt: skip
    if fd < 0:
        code = ctypes.get_errno()
        raise PerfError(code, f"{errno.errorcode.get(code, code)} ({os.strerror(code)})")
    return int(fd)


def perf_read(fd: int) -> tuple[int, bool]:
    """(count, complete). Incomplete when the kernel multiplexed the counter (it ran only part of
    the time); the count would then be an extrapolation, which a meter must not report."""
    value, enabled, running = struct.unpack("=QQQ", os.read(fd, 24))
    return value, running == enabled


def perf_counter_attach(event_type: int, config: int) -> Callable[[int], Callable[[], float | None]]:
    """An ``Instrument.attach`` that counts one perf event over the whole jail."""

    def attach(pid: int) -> Callable[[], float | None]:
        fd = perf_event_open(event_type=event_type, config=config, pid=pid, enable_on_exec=True)

        def read() -> float | None:
            try:
                count, complete = perf_read(fd)
            finally:
                os.close(fd)
            return float(count) if complete else None

        return read

    return attach


@lru_cache(maxsize=8)
def perf_unavailable_reason(event_type: int, config: int, what: str) -> str:
    try:
        os.close(perf_event_open(event_type=event_type, config=config, pid=0))
        return ""
    except PerfError as exc:
        if exc.errno in (errno.ENOENT, errno.EOPNOTSUPP, errno.ENODEV):
            return f"no hardware PMU on this host: perf_event_open({what}) fails with {exc.strerror}"
        if exc.errno in (errno.EACCES, errno.EPERM):
            try:
                paranoid = Path("/proc/sys/kernel/perf_event_paranoid").read_text().strip()
            except OSError:
                paranoid = "?"
            return (
                f"perf_event_open({what}) is not permitted (kernel.perf_event_paranoid={paranoid}); "
                "the worker needs CAP_PERFMON or paranoid <= 1"
            )
        return f"perf_event_open({what}) fails: {exc.strerror}"
