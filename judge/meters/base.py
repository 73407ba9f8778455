"""What every cost meter shares: the base class, the registry, the empty job and baselines."""

from __future__ import annotations

import copy
import hashlib
import os
import platform
import re
import statistics
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

from judge.boundary import Verdict
from judge.languages import get_language
from judge.sandbox import JailLimits, JailRun
from judge.sandbox.command import JAIL_PYTHON

METERS: dict[str, type[CostMeter]] = {}

# The fixed PYTHONHASHSEED of counting meters. With a fresh random seed per interpreter the
# dict and set probe sequences change from run to run: ~0.15% of a solution's instructions
# (up to 20% for module-level code), invisible under CPU-time noise, not under a counter.
MEASURE_HASH_SEED = 0


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
    # Why the program's performance run failed (a program's verdict, never the judge's).
    verdict: Verdict | None = None
    # The meter's statistic settled (cpu: its minimum was confirmed) rather than running out of runs.
    settled: bool = True
    # Measured with a budget and found over it: the cost exceeds the budget (then ``cost`` is the
    # count), or the run was stopped before it finished (then ``cost`` is the budget, a lower
    # bound). Either way it is to be scored as slower than every reference.
    over_budget: bool = False


@dataclass(frozen=True)
class Sample:
    """One measurement run: its raw cost (baseline not yet subtracted) and the run itself, whose
    steps measure_interleaved grades like any judged run."""

    cost: float
    run: JailRun
    # The meter could not count this run because of something the program did (a valgrind run
    # that ended without valgrind's own count): the program's verdict and message.
    failure: tuple[Verdict, str] | None = None


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
    # Why a program could change its own measurement under this meter ('' when it cannot). A
    # meter with a reason is refused for judging at start-up; it may still measure references.
    tamper_reason: ClassVar[str] = ""
    # The language of the programs this instance measures (``for_language``): its costs form
    # pools of their own, so the fingerprint names it.
    language: str = "PY3"

    def for_language(self, key: str) -> CostMeter:
        """This meter, measuring programs in the language ``key``."""
        meter = copy.copy(self)
        meter.language = key
        return meter

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

    def budget_cpu_ms(self, budget: float) -> float | None:
        """CPU time after which a run is certainly over ``budget`` (a cost in the meter's unit),
        so it can be stopped; None when the meter cannot tell, and only the finished count is
        compared with the budget."""
        return None

    def cpu_ms_of(self, cost: float) -> float | None:
        """Worker CPU time a measured ``cost`` (net of the baseline) took, in ms; None when the meter
        cannot tell. Sizing performance inputs for the meter (curation's scale) reads it."""
        return cost if self.unit == "ms" else None

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
        if self.language != "PY3":
            return f"{self.name}{method}:{platform.machine()}:{language_digest(self.language)}"[-64:]
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


def language_digest(key: str) -> str:
    """A language's identity in fingerprints: its key and its toolchain's (or runtime's) binaries.
    Kept at the end of the fingerprint, whole (the fingerprint keeps its last 64 characters)."""
    language = get_language(key)
    identity = [key]
    for path in language.identity():
        try:
            stat = os.stat(path)
            identity.append(f"{os.path.realpath(path)}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            identity.append(path)
    return f"{key}-{hashlib.sha1('|'.join(identity).encode()).hexdigest()[:8]}"


def fingerprint_language(fingerprint: str) -> str:
    """The language whose pool a fingerprint names (``PY3`` for Python's, which names its interpreter)."""
    match = re.search(r":([A-Z][A-Z0-9]*)-[0-9a-f]{8}$", fingerprint or "")
    return match.group(1) if match else "PY3"


def empty_job(language: str) -> dict[str, Any] | None:
    """The program that does nothing, in ``language`` (None when the language has none)."""
    if language == "PY3":
        return EMPTY_JOB
    source = get_language(language).noop_source()
    if source is None:
        return None
    return {**EMPTY_JOB, "source": source, "language": language,
            "signature": {"style": "function", "name": "noop", "params": [], "returns": "int"}}  # fmt: skip


def finished(run: JailRun, payload: dict[str, Any]) -> bool:
    """Did the run answer every performance input (rightly or not: grading decides)?"""
    return run.loaded and len(run.answered()) == len(payload["cases"])


EMPTY_JOB: dict[str, Any] = {
    "source": "def noop():\n    return None\n",
    "signature": {"style": "function", "name": "noop", "params": []},
    "cases": [],
    "time_limit_ms": 1000,
}


def _counter_baseline(meter: CostMeter) -> float:
    key = (type(meter), meter.fingerprint())
    job = empty_job(meter.language)
    if job is None:
        return 0.0
    if key not in _BASELINES:
        limits = JailLimits.for_cpu(2 * meter.slowdown, memory_kb=256 * 1024)
        payload = {**job, "time_limit_ms": int(job["time_limit_ms"] * meter.slowdown)}
        samples: list[float] = []
        while not samples or not meter.enough(samples, repeats=5):
            sample = meter.measure_once(payload, limits)
            if sample.failure is not None or not sample.run.loaded:
                # The empty job is the judge's own program: a meter that cannot count it is broken.
                reason = sample.failure[1] if sample.failure is not None else "the empty job did not load"
                raise MeterError(f"{meter.name} could not measure the empty job: {reason}")
            samples.append(sample.cost)
        _BASELINES[key] = meter.summarize(samples)
    return _BASELINES[key]


_BASELINES: dict[tuple[type[CostMeter], str], float] = {}
