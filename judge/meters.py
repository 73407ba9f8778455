"""Cost meters: how the efficiency of an accepted program is measured, from outside the jail.

A meter is a plug-in (registry + base class). Every measurement records the meter's name and
unit; scores only ever compare measurements of one meter on one host. A meter the host cannot
run (no PMU, no valgrind) says why in ``unavailable_reason()``; ``get_meter`` then falls back to
``cpu`` with a logged warning, and /healthz shows the reason (``meter_status``).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import platform
import re
import statistics
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from judge.grading import outputs_match
from judge.protocol import CaseSpec, JudgeJob
from judge.runner import harness_job, limits_for
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.nsjail import JAIL_PYTHON, Instrument, JailRun, valgrind_install

logger = logging.getLogger(__name__)

METERS: dict[str, type[CostMeter]] = {}
DEFAULT_METER = "cpu"

# The fixed PYTHONHASHSEED of counting meters. With a fresh random seed per interpreter the
# dict and set probe sequences change from run to run: ~0.15% of a solution's instructions
# (up to 20% for module-level code), invisible under CPU-time noise, not under a counter.
MEASURE_HASH_SEED = 0
# cpu: the cost is the smallest sample, and it must be confirmed: measuring goes on (up to
# 2 x repeats + 1 runs) until the two smallest samples agree within this share.
CPU_CONFIRM_SHARE = 0.02


def register_meter(cls: type[CostMeter]) -> type[CostMeter]:
    METERS[cls.name] = cls
    return cls


class MeterError(RuntimeError):
    """The meter (not the program) failed on a run that otherwise finished: the judge's fault,
    handled like any judge failure (retried, then an internal error), never a verdict."""


@dataclass
class CostResult:
    ok: bool
    cost: float = 0.0
    unit: str = ""
    meter: str = ""
    samples: list[float] = field(default_factory=list)
    message: str = ""
    # The meter's statistic settled (cpu: its minimum was confirmed) rather than running out of runs.
    settled: bool = True


@dataclass(frozen=True)
class Sample:
    """One measurement run: its raw cost (baseline not yet subtracted), what the harness
    reported, and why the run does not count ('' when it does)."""

    cost: float
    records: list[dict[str, Any]]
    failure: str = ""


class CostMeter(ABC):
    name: ClassVar[str]
    unit: ClassVar[str]
    # How much slower than a plain run a measured run is: scales the limits of the run.
    slowdown: ClassVar[float] = 1.0
    # The same program always gets the same count: one run is enough, whatever the repeats.
    deterministic: ClassVar[bool] = False
    # The meter's resolution as a share of a cost: scores treat costs this close as equal
    # (arena/scoring/efficiency.py). 0 for a meter that gives the same program the same count.
    tie_share: ClassVar[float] = 0.0
    # Costs drift with the host over seconds to minutes: a submission whose cost lies within
    # this share of a calibrated reference's is measured again, interleaved with that reference,
    # and its cost is expressed in the calibration's terms (arena/services/calibration.py).
    # 0: never (a meter whose counts do not drift).
    anchor_window: ClassVar[float] = 0.0

    @abstractmethod
    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        """Run the harness on ``payload`` once and measure it."""

    def unavailable_reason(self) -> str:
        """Why this host cannot use the meter; '' when it can."""
        return ""

    def available(self) -> bool:
        return not self.unavailable_reason()

    def baseline(self) -> float:
        """Cost of the harness itself with no test: subtracted from every measurement."""
        return 0.0

    def enough(self, samples: list[float], *, repeats: int) -> bool:
        """Stop measuring? ``repeats`` is JUDGE_PERF_REPEATS (or the caller's)."""
        return len(samples) >= (1 if self.deterministic else max(1, repeats))

    def summarize(self, samples: list[float]) -> float:
        """The robust statistic of the samples (before the baseline is subtracted)."""
        return statistics.median(samples)

    def settled(self, samples: list[float], *, repeats: int) -> bool:
        """Did the statistic settle, or did measuring stop only because the runs ran out?"""
        return True

    def method(self) -> str:
        """What, besides the interpreter, decides the numbers: part of the fingerprint."""
        return ""

    def fingerprint(self) -> str:
        """Stored with every reference cost; a change (meter, its method, interpreter) forces re-calibration."""
        method = f"/{self.method()}" if self.method() else ""
        return f"{self.name}{method}:{platform.machine()}:{_interpreter_digest()}"[:64]

    def scaled_limits(self, payload: dict[str, Any], limits: JailLimits) -> tuple[dict[str, Any], JailLimits]:
        """A slower meter gets proportionally more time, inside the jail (per case) and outside."""
        if self.slowdown == 1.0:
            return payload, limits
        cpu_s = limits.cpu_time_s * self.slowdown
        scaled = JailLimits.for_cpu(cpu_s, memory_kb=limits.memory_kb)
        return {**payload, "time_limit_ms": int(payload["time_limit_ms"] * self.slowdown)}, scaled


@lru_cache(maxsize=1)
def _interpreter_digest() -> str:
    """The jailed interpreter's identity: a Debian point release replaces the binary at the same path."""
    try:
        stat = os.stat(JAIL_PYTHON)
        identity = f"{os.path.realpath(JAIL_PYTHON)}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        identity = JAIL_PYTHON
    return f"{os.path.basename(os.path.realpath(JAIL_PYTHON))}-{hashlib.sha1(identity.encode()).hexdigest()[:8]}"


def _failure(run: JailRun) -> str:
    if run.wall_timeout or run.cpu_timeout or run.signal is not None or run.output_exceeded:
        return "did not finish the performance inputs within the limits"
    return ""


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
        return Sample(cost, run.records, _failure(run))

    def baseline(self) -> float:
        return _cpu_baseline_ms(type(self))

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


EMPTY_JOB: dict[str, Any] = {
    "source": "def noop():\n    return None\n",
    "signature": {"style": "function", "name": "noop", "params": []},
    "cases": [],
    "time_limit_ms": 1000,
}


@lru_cache(maxsize=4)
def _cpu_baseline_ms(meter_class: type[CpuMeter]) -> float:
    """The empty run, measured with the meter's own statistic (the smallest of a confirmed set).

    Measured once per worker process and subtracted from every cost it measures, so it gets more
    runs than a submission (7 to 15, ~30 ms each): a baseline caught in a burst of load would
    shift every cost of the process.
    """
    meter = meter_class()
    limits = JailLimits.for_cpu(2, memory_kb=256 * 1024)
    samples: list[float] = []
    while not samples or not meter.enough(samples, repeats=7):
        samples.append(meter.measure_once(EMPTY_JOB, limits).cost)
    return meter.summarize(samples)


# --- perf_event_open(2) through ctypes ------------------------------------------------------
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
        failure = _failure(run)
        if not failure and run.counter is None:
            raise MeterError("the instruction counter was multiplexed (another perf user on this host)")
        return Sample(run.counter or 0.0, run.records, failure)

    def baseline(self) -> float:
        return _counter_baseline(self)

    def method(self) -> str:
        return f"perf{self.event_type}.{self.event_config}-s{MEASURE_HASH_SEED}"


def _counter_baseline(meter: CostMeter) -> float:
    key = (type(meter), meter.fingerprint())
    if key not in _BASELINES:
        limits = JailLimits.for_cpu(2 * meter.slowdown, memory_kb=256 * 1024)
        payload = {**EMPTY_JOB, "time_limit_ms": int(EMPTY_JOB["time_limit_ms"] * meter.slowdown)}
        samples: list[float] = []
        while not samples or not meter.enough(samples, repeats=5):
            samples.append(meter.measure_once(payload, limits).cost)
        _BASELINES[key] = meter.summarize(samples)
    return _BASELINES[key]


_BASELINES: dict[tuple[type[CostMeter], str], float] = {}

VALGRIND_SUMMARY = re.compile(r"^==1== I\s+refs:\s+([\d,]+)\s*$", re.MULTILINE)


@register_meter
class ValgrindMeter(CostMeter):
    """Instructions the jailed interpreter executes, counted by valgrind (cachegrind, no cache
    or branch simulation: Ir only), with a fixed hash seed: the same program gives the same
    count on every run and every host with the same interpreter build.

    About 20-40x slower than a plain run: for curation (calibrating references) and small
    performance inputs, not for judging a queue of submissions. Not tamper-proof either: code
    running under valgrind can issue valgrind client requests (through ctypes) and can write to
    valgrind's log pipe, so only trusted code (references) should be measured with it.
    """

    name = "valgrind"
    unit = "Ir"
    slowdown = 60.0
    deterministic = True
    # Counts jitter by a few hundred instructions (the harness formats its own timings), so
    # costs are whole quanta: identical programs tie, as the scores' ">=" rules expect.
    quantum_ir: ClassVar[int] = 1_000_000
    tool_args: ClassVar[tuple[str, ...]] = (
        "--tool=cachegrind",
        "--cache-sim=no",
        "--branch-sim=no",
        "--cachegrind-out-file=/tmp/.cachegrind.out",
    )

    def unavailable_reason(self) -> str:
        if valgrind_install() is None:
            return "valgrind is not installed (deploy/system-packages.sh installs it)"
        return ""

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        run = run_harness(
            payload, limits, instrument=Instrument(hash_seed=MEASURE_HASH_SEED, valgrind_args=self.tool_args)
        )
        failure = _failure(run)
        # pid 1 of the jail's pid namespace is the interpreter; its summary is the last thing
        # valgrind writes before the namespace (and anything the program forked) dies.
        totals = VALGRIND_SUMMARY.findall(run.instrument_log)
        if not failure and not totals:
            raise MeterError(f"valgrind reported no instruction count: {run.instrument_log[-300:]!r}")
        return Sample(float(totals[-1].replace(",", "")) if totals else 0.0, run.records, failure)

    def baseline(self) -> float:
        return self.summarize([_counter_baseline(self)])

    def summarize(self, samples: list[float]) -> float:
        return round(statistics.median(samples) / self.quantum_ir) * float(self.quantum_ir)

    def method(self) -> str:
        return f"cachegrind-{_valgrind_version()}-s{MEASURE_HASH_SEED}-q{self.quantum_ir:g}"


@lru_cache(maxsize=1)
def _valgrind_version() -> str:
    install = valgrind_install()
    if install is None:
        return "none"
    try:
        stat = os.stat(install[0])
    except OSError:
        return "none"
    return hashlib.sha1(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:6]


@dataclass(frozen=True)
class MeterStatus:
    configured: str
    active: str
    unit: str
    fallback_reason: str = ""


_STATUS: dict[str, MeterStatus] = {}


def tie_share(name: str) -> float:
    """The resolution of the meter that measured a stored cost (0 for one no longer registered)."""
    meter = METERS.get(name)
    return meter.tie_share if meter is not None else 0.0


def get_meter(name: str = DEFAULT_METER) -> CostMeter:
    """The meter called ``name``, or ``cpu`` (logged) when this host cannot run it."""
    try:
        meter = METERS[name]()
    except KeyError:
        raise ValueError(f"unknown cost meter {name!r}; known: {', '.join(sorted(METERS))}") from None
    reason = meter.unavailable_reason()
    if reason and name != DEFAULT_METER:
        if name not in _STATUS or not _STATUS[name].fallback_reason:
            logger.warning("cost meter %r is unavailable (%s); measuring with %r instead", name, reason, DEFAULT_METER)
        meter = METERS[DEFAULT_METER]()
    _STATUS[name] = MeterStatus(configured=name, active=meter.name, unit=meter.unit, fallback_reason=reason)
    return meter


def meter_status(name: str = DEFAULT_METER) -> MeterStatus:
    """Which meter ``name`` resolves to on this host, and why if it is not the one configured."""
    get_meter(name)
    return _STATUS[name]


def measure_cost(job: JudgeJob, perf_cases: list[CaseSpec], *, repeats: int, meter: CostMeter) -> CostResult:
    """Run the performance inputs until the meter has enough samples (``repeats`` runs, more
    for ``cpu`` on a disturbed host, one for a deterministic meter); the cost is the meter's
    robust statistic of the samples minus the empty-run baseline.

    Outputs are checked on every run, so a program cannot be fast only when it is measured.
    """
    return measure_interleaved([job], perf_cases, repeats=repeats, meter=meter)[0]


def measure_interleaved(
    jobs: list[JudgeJob], perf_cases: list[CaseSpec], *, repeats: int, meter: CostMeter
) -> list[CostResult]:
    """Measure several programs on the same performance inputs, one run of each in turn, so
    that a slow stretch of the host falls on all of them alike; each is measured until the
    meter has enough of its samples. A program whose run fails gets its failure and is not
    run again; the others go on.
    """
    if not perf_cases:
        return [CostResult(ok=False, message="the problem has no performance inputs") for _ in jobs]
    prepared = [meter.scaled_limits(harness_job(job, perf_cases), limits_for(job, len(perf_cases))) for job in jobs]
    samples: list[list[float]] = [[] for _ in jobs]
    failures: list[str] = ["" for _ in jobs]

    def measuring(index: int) -> bool:
        own = samples[index]
        return not failures[index] and (not own or not meter.enough(own, repeats=repeats))

    while any(measuring(index) for index in range(len(jobs))):
        for index, job in enumerate(jobs):
            if not measuring(index):
                continue
            payload, limits = prepared[index]
            sample = meter.measure_once(payload, limits)
            failures[index] = check_sample(job, perf_cases, sample)
            if not failures[index]:
                samples[index].append(sample.cost)
    baseline = meter.baseline() if any(not failure for failure in failures) else 0.0
    return [
        CostResult(ok=False, message=failure)
        if failure
        else CostResult(
            ok=True,
            cost=max(0.0, meter.summarize(own) - baseline),
            unit=meter.unit,
            meter=meter.name,
            samples=own,
            settled=meter.settled(own, repeats=repeats),
        )
        for own, failure in zip(samples, failures, strict=True)
    ]


PERF_FAILURES = {
    "tle": "time limit exceeded",
    "mle": "memory limit exceeded",
    "error": "runtime error",
    "unserializable": "unserializable result",
}


def check_sample(job: JudgeJob, perf_cases: list[CaseSpec], sample: Sample) -> str:
    """'' when the run finished every performance input with the right answer."""
    if sample.failure:
        return f"Performance run: {sample.failure}."
    by_ordinal = {r.get("ordinal"): r for r in sample.records if r.get("event") == "case"}
    for case in perf_cases:
        record = by_ordinal.get(case.ordinal)
        if record is None:
            return f"Performance run: stopped before performance input {case.ordinal}."
        if record.get("status") != "ok":
            what = PERF_FAILURES.get(str(record.get("status")), "failed")
            detail = f": {str(record['message'])[:200]}" if record.get("message") else ""
            return f"Performance run: {what} on performance input {case.ordinal}{detail}."
        if not outputs_match(job.checker, case.args, record.get("output"), case.expected):
            return "Wrong answer on a performance input."
    return ""
