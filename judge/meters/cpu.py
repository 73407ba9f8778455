"""The ``cpu`` meter: CPU time of every process of the jail, counted from the hand-over of the job."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar

from judge.meters.base import CostMeter, Sample, empty_job, register_meter
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.command import Instrument

# cpu: the cost is the smallest sample, and it must be confirmed: measuring goes on (up to
# 2 x repeats + 1 runs) until the two smallest samples agree within this share.
CPU_CONFIRM_SHARE = 0.02


@register_meter
class CpuMeter(CostMeter):
    """CPU time (user + system) of every process of the jail, from its cpuacct cgroup (rusage of
    the reaped nsjail where cgroups are unavailable), minus the harness's empty-run baseline.

    Noise control, chosen by measurement (docs/scoring.md, bench/stability.py): a shared host
    only ever adds CPU time to a run (cache and memory-bandwidth contention, steal, frequency),
    so the cost is the smallest sample, and it must be confirmed. Runs go on past ``repeats``
    (up to 2 x repeats + 1) until the two smallest agree within CPU_CONFIRM_SHARE; a disturbed
    run can only be a large sample, which the minimum ignores.
    """

    name = "cpu"
    unit = "ms"
    confirm_share: ClassVar[float] = CPU_CONFIRM_SHARE
    # One program's confirmed minimum, measured minutes apart on a shared 2-vCPU VM, has a
    # relative sd of ~2-3.5% (bench/stability.py); the difference of two such costs (a
    # submission against a calibrated reference) ~4.2%. 10% is ~2.4 sd of that difference.
    tie_share: ClassVar[float] = 0.10
    # The host drifts by up to ~10% between a calibration and a re-judge minutes later, which
    # is what flipped re-submitted copies of a reference across the tie share; 30% covers that
    # drift with room to spare, so every cost that could land on the wrong side of a reference
    # is compared with it in the same stretch of time.
    anchor_window: ClassVar[float] = 0.30

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        # Counted from the hand-over of the job: the interpreter's start-up (~35 ms here) is
        # the same for every program but varies by several ms from run to run, which swamped
        # fast solutions' costs (docs/scoring.md).
        run = run_harness(payload, limits, instrument=Instrument(settle=True))
        cost = run.job_cpu_ms if run.job_cpu_ms is not None else run.cpu_ms
        return Sample(cost, run)

    def baseline(self) -> float:
        return _cpu_baseline_ms(type(self), self.language)

    def enough(self, samples: list[float], *, repeats: int) -> bool:
        if len(samples) < repeats:
            return False
        return len(samples) >= 2 * repeats + 1 or self.settled(samples, repeats=repeats)

    def settled(self, samples: list[float], *, repeats: int) -> bool:
        if repeats <= 1:
            return bool(samples)
        if len(samples) < 2:
            return False
        lowest, second = sorted(samples)[:2]
        return second - lowest <= self.confirm_share * lowest

    def summarize(self, samples: list[float]) -> float:
        return min(samples)

    def method(self) -> str:
        return f"handover-min-confirm{self.confirm_share:g}"


@lru_cache(maxsize=16)
def _cpu_baseline_ms(meter_class: type[CpuMeter], language: str = "PY3") -> float:
    """The empty run, measured with the meter's own statistic (the smallest of a confirmed set).

    Measured once per worker process and subtracted from every cost it measures, so it gets more
    runs than a submission (7 to 15, ~30 ms each): a baseline caught in a burst of load would
    shift every cost of the process.
    """
    meter = meter_class().for_language(language)
    job = empty_job(language)
    if job is None:
        return 0.0
    limits = JailLimits.for_cpu(2, memory_kb=256 * 1024)
    samples: list[float] = []
    while not samples or not meter.enough(samples, repeats=7):
        samples.append(meter.measure_once(job, limits).cost)
    return meter.summarize(samples)
