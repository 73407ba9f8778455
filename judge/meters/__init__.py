"""Cost meters: how the efficiency of an accepted program is measured, from outside the jail.

A meter is a plug-in (registry + base class), one per module: ``valgrind`` (the default, a
deterministic count), ``cpu``, ``instructions``; importing this package registers them all.
Every measurement records the meter's name and unit; scores only ever compare measurements of
one meter on one host. A meter the host cannot run (no PMU, no valgrind) says why in
``unavailable_reason()``; ``get_meter`` then falls back to ``cpu`` with a logged warning, and
/healthz shows the reason (``meter_status``).
"""

from judge.meters.base import (
    EMPTY_JOB,
    MEASURE_HASH_SEED,
    METERS,
    CostMeter,
    CostResult,
    MeterError,
    Sample,
    register_meter,
)
from judge.meters.cpu import CPU_CONFIRM_SHARE, CpuMeter
from judge.meters.instructions import InstructionsMeter
from judge.meters.measure import check_sample, measure_cost, measure_interleaved
from judge.meters.perf import (
    ATTR_DISABLED,
    ATTR_ENABLE_ON_EXEC,
    ATTR_EXCLUDE_HV,
    ATTR_EXCLUDE_KERNEL,
    ATTR_INHERIT,
    PERF_ATTR_SIZE,
    PERF_COUNT_HW_INSTRUCTIONS,
    PERF_COUNT_SW_TASK_CLOCK,
    PERF_FLAG_FD_CLOEXEC,
    PERF_FORMAT_TOTAL_TIME_ENABLED,
    PERF_FORMAT_TOTAL_TIME_RUNNING,
    PERF_SYSCALL,
    PERF_TYPE_HARDWARE,
    PERF_TYPE_SOFTWARE,
    PerfError,
    perf_counter_attach,
    perf_event_open,
    perf_read,
    perf_unavailable_reason,
)
from judge.meters.registry import (
    DEFAULT_METER,
    FALLBACK_METER,
    MeterRefused,
    MeterStatus,
    get_meter,
    judging_meter_check,
    meter_status,
    tie_share,
)
from judge.meters.valgrind import VALGRIND_SUMMARY, ValgrindMeter, counted_instructions

__all__ = [
    "ATTR_DISABLED",
    "ATTR_ENABLE_ON_EXEC",
    "ATTR_EXCLUDE_HV",
    "ATTR_EXCLUDE_KERNEL",
    "ATTR_INHERIT",
    "CPU_CONFIRM_SHARE",
    "DEFAULT_METER",
    "EMPTY_JOB",
    "FALLBACK_METER",
    "MEASURE_HASH_SEED",
    "METERS",
    "PERF_ATTR_SIZE",
    "PERF_COUNT_HW_INSTRUCTIONS",
    "PERF_COUNT_SW_TASK_CLOCK",
    "PERF_FLAG_FD_CLOEXEC",
    "PERF_FORMAT_TOTAL_TIME_ENABLED",
    "PERF_FORMAT_TOTAL_TIME_RUNNING",
    "PERF_SYSCALL",
    "PERF_TYPE_HARDWARE",
    "PERF_TYPE_SOFTWARE",
    "VALGRIND_SUMMARY",
    "CostMeter",
    "CostResult",
    "CpuMeter",
    "InstructionsMeter",
    "MeterError",
    "MeterRefused",
    "MeterStatus",
    "PerfError",
    "Sample",
    "ValgrindMeter",
    "check_sample",
    "counted_instructions",
    "get_meter",
    "judging_meter_check",
    "measure_cost",
    "measure_interleaved",
    "meter_status",
    "perf_counter_attach",
    "perf_event_open",
    "perf_read",
    "perf_unavailable_reason",
    "register_meter",
    "tie_share",
]
