"""What one run may use: CPU, wall clock, memory, output, processes, files."""

from __future__ import annotations

from dataclasses import dataclass


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
