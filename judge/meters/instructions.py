"""The ``instructions`` meter: retired user-space instructions of the whole jail, from the PMU."""

from __future__ import annotations

from typing import Any, ClassVar

from judge.meters.base import (
    MEASURE_HASH_SEED,
    CostMeter,
    MeterError,
    Sample,
    _counter_baseline,
    finished,
    register_meter,
)
from judge.meters.perf import (
    PERF_COUNT_HW_INSTRUCTIONS,
    PERF_TYPE_HARDWARE,
    perf_counter_attach,
    perf_unavailable_reason,
)
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.command import Instrument


@register_meter
class InstructionsMeter(CostMeter):
    """Retired user-space instructions of every thread and process of the jail (perf_event_open
    with inherit=1, exclude_kernel=1), minus the empty run's count. EvalPerf's choice: near-zero
    noise where the host has a PMU. The counter is opened on the nsjail process between fork
    and exec (``Instrument.attach``), so nothing the jail starts escapes it."""

    name = "instructions"
    unit = "instructions"
    event_type: ClassVar[int] = PERF_TYPE_HARDWARE
    event_config: ClassVar[int] = PERF_COUNT_HW_INSTRUCTIONS
    event_name: ClassVar[str] = "PERF_COUNT_HW_INSTRUCTIONS"
    # Retired-instruction counts of one program differ by well under 0.1% with a fixed hash seed.
    tie_share: ClassVar[float] = 0.002

    def unavailable_reason(self) -> str:
        return perf_unavailable_reason(self.event_type, self.event_config, self.event_name)

    def instrument(self) -> Instrument:
        return Instrument(hash_seed=MEASURE_HASH_SEED, attach=perf_counter_attach(self.event_type, self.event_config))

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        run = run_harness(payload, limits, instrument=self.instrument())
        if finished(run, payload) and run.counter is None:
            raise MeterError("the instruction counter was multiplexed (another perf user on this host)")
        return Sample(run.counter or 0.0, run)

    def baseline(self) -> float:
        return _counter_baseline(self)

    def method(self) -> str:
        return f"perf{self.event_type}.{self.event_config}-s{MEASURE_HASH_SEED}"
