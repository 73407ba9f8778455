"""The ``valgrind`` meter: instructions the jailed interpreter executes, counted by cachegrind."""

from __future__ import annotations

import hashlib
import os
import re
import statistics
from functools import lru_cache
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
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.command import Instrument, valgrind_install

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
    tamper_reason = (
        "a program measured by valgrind can exec a fresh interpreter that valgrind does not follow, "
        "issue valgrind client requests and write forged summary lines to valgrind's log"
    )
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
        # pid 1 of the jail's pid namespace is the interpreter; its summary is the last thing
        # valgrind writes before the namespace (and anything the program forked) dies.
        totals = VALGRIND_SUMMARY.findall(run.instrument_log)
        if finished(run, payload) and not totals:
            raise MeterError(f"valgrind reported no instruction count: {run.instrument_log[-300:]!r}")
        return Sample(float(totals[-1].replace(",", "")) if totals else 0.0, run)

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
