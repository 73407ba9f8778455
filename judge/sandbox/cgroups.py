"""cgroups of our own around each run: what it really cost, and its hard memory limit.

The pids cgroup nsjail creates itself (``build_command``); the cpuacct and memory cgroups here
are the worker's, created per run and entered between fork and exec.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

CGROUP_V1_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "NSJAIL"
PIDS_SUPERVISOR_ALLOWANCE = 1


class RunCgroups:
    """cpuacct and memory cgroups of our own around one nsjail process and everything it starts.

    rusage only counts processes that were waited for (a program could hide work in children
    nobody reaps), and its ru_maxrss includes the forking worker's pages from before exec. The
    cgroups count every task of the run, reaped or not, from its first instruction. The memory
    cgroup also enforces the hard memory limit (tmpfs pages included).
    """

    def __init__(self, *, memory_limit_bytes: int, max_pids: int = 0) -> None:
        self.paths: dict[str, Path] = {}
        self._peak_kb: int | None = None
        if not cpuacct_available():
            return
        name = f"run-{uuid.uuid4().hex}"
        # The pids cgroup is ours too (not nsjail's --cgroup_pids_*): nsjail removes its own only
        # when it exits cleanly, so every run the worker killed left one behind.
        controllers = ("cpuacct", "memory", "pids") if max_pids else ("cpuacct", "memory")
        for controller in controllers:
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
        if "pids" in self.paths:
            try:
                # nsjail's supervisor is a task of the run too (the worker puts it in, before exec).
                (self.paths["pids"] / "pids.max").write_text(str(max_pids + PIDS_SUPERVISOR_ALLOWANCE))
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

    def reset_peak(self) -> None:
        """Start a new peak (cgroup v1: writing to max_usage_in_bytes resets it), remembering the old one."""
        self._peak_kb = self.max_peak_kb()
        path = self.paths.get("memory")
        if path is not None:
            try:
                (path / "memory.max_usage_in_bytes").write_text("0")
            except OSError:
                pass

    def max_peak_kb(self) -> int | None:
        """The largest peak of the whole run, across every reset."""
        current = self.peak_kb()
        if current is None:
            return None
        return max(current, self._peak_kb or 0)

    def oom_kills(self) -> int:
        """Processes of the run the kernel killed for memory (the cgroup's limit, or the host's)."""
        path = self.paths.get("memory")
        if path is None:
            return 0
        try:
            for line in (path / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

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
