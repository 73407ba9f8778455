"""What the language suites check on the host after a hostile run."""

from __future__ import annotations

import os
from pathlib import Path

from judge.sandbox.pool import WARM_POOL


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
                ppid = next(
                    line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("PPid")
                )
            except (OSError, StopIteration):
                break
            pid = int(ppid.split()[1])
            if pid == me:
                if not idle.intersection(chain):
                    found.append(int(entry))
                break
    return found
