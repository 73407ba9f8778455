"""The ``valgrind`` meter, the default: instructions the jailed interpreter executes, counted by
cachegrind. The same program gets the same count on every run and every host with the same
interpreter build, whatever the host's load or speed."""

from __future__ import annotations

import hashlib
import os
import re
import statistics
from functools import lru_cache
from typing import Any, ClassVar

from judge.boundary import Verdict
from judge.meters.base import (
    EMPTY_JOB,
    MEASURE_HASH_SEED,
    CostMeter,
    MeterError,
    Sample,
    _counter_baseline,
    finished,
    register_meter,
)
from judge.sandbox import JailLimits, JailRun, run_harness
from judge.sandbox.command import VALGRIND_OUT_FILE, Instrument, valgrind_install

# Valgrind's own summary, as the very last line of its log: pid 1 of the jail's pid namespace is
# the interpreter, and nothing of the program runs any more once valgrind writes it.
VALGRIND_SUMMARY = re.compile(r"\n==1== I\s+refs:\s+([\d,]+)\n\Z")
UNCOUNTED = "The performance run ended without the cost meter's own count."
# A budget's CPU time is this many times what the calibration's instruction rate predicts, plus
# an allowance: a run stopped by the CPU time must certainly be over the budget. The rate varies
# with the kind of work and the host's load (on the bank's references, 500-750 M Ir per CPU
# second for heavy work), and code run for the first time costs valgrind its translation
# (start-up runs at ~55 M Ir/s): the allowance covers, say, imports inside a case. A run that
# finishes is compared with the budget by its count.
BUDGET_CPU_MARGIN = 4.0
BUDGET_CPU_ALLOWANCE_MS = 2000.0
# The calibration of the instruction rate: plain interpreter work, ~0.2 s of CPU under valgrind.
RATE_JOB: dict[str, Any] = {
    "source": "def work(n):\n    d = {}\n    for i in range(n):\n        d[i % 977] = d.get(i % 977, 0) + i * i\n"
    "    return len(d)\n",
    "signature": {"style": "function", "name": "work", "params": [{"name": "n", "type": "int"}]},
    "cases": [{"ordinal": 1, "args": [100_000]}],
    "time_limit_ms": 1000,
}


@register_meter
class ValgrindMeter(CostMeter):
    """Instructions the jailed interpreter executes, counted by valgrind (cachegrind, no cache
    or branch simulation: Ir only), with a fixed hash seed, minus the empty job's count.

    What a program cannot do to its count (docs/scoring.md, "Meters"; tests in
    tests/judge/test_valgrind_integrity.py): run code valgrind does not see (an exec makes
    valgrind die without a count, no launcher being in the jail; no new process can start;
    the extension modules that reach native code are not in the jail, so no client request
    can be issued), write valgrind's memory (/proc is read-only), or forge the count (only a
    summary that is the last line valgrind wrote, in a jail that ended by itself, counts:
    anything the program writes to the log comes before it). About 25-50x slower than a
    plain run, so performance inputs are sized for it, and a budget stops a run early.
    """

    name = "valgrind"
    unit = "Ir"
    slowdown = 60.0
    deterministic = True
    # With the fixed hash seed, one worker counts the same program identically on every run; the
    # count moves by ~100 instructions with the numbers of the worker's own descriptors (the
    # harness parses the result pipe's number). Costs are whole quanta, so identical programs
    # tie (docs/scoring.md, "Meters").
    quantum_ir: ClassVar[int] = 100_000
    tool_args: ClassVar[tuple[str, ...]] = (
        "--tool=cachegrind",
        "--cache-sim=no",
        "--branch-sim=no",
        # Superblocks end at every jump: 20% less CPU for start-up (valgrind's translation of the
        # interpreter dominates it) and ~10% less for heavy work on this bank; counts are as exact.
        "--vex-guest-chase=no",
        f"--cachegrind-out-file={VALGRIND_OUT_FILE}",
    )

    def unavailable_reason(self) -> str:
        if valgrind_install() is None:
            return "valgrind is not installed (deploy/system-packages.sh installs it)"
        return ""

    def instrument(self) -> Instrument:
        return Instrument(hash_seed=MEASURE_HASH_SEED, valgrind_args=self.tool_args)

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        run = run_harness(payload, limits, instrument=self.instrument())
        count = counted_instructions(run)
        if count is None:
            return Sample(0.0, run, failure=(Verdict.RTE, UNCOUNTED))
        return Sample(count, run)

    def baseline(self) -> float:
        return self.summarize([_counter_baseline(self)])

    def summarize(self, samples: list[float]) -> float:
        return round(statistics.median(samples) / self.quantum_ir) * float(self.quantum_ir)

    def budget_cpu_ms(self, budget: float) -> float | None:
        return budget / _instructions_per_cpu_ms(type(self)) * BUDGET_CPU_MARGIN + BUDGET_CPU_ALLOWANCE_MS

    def cpu_ms_of(self, cost: float) -> float | None:
        return cost / _instructions_per_cpu_ms(type(self))

    def method(self) -> str:
        return f"cg-{_valgrind_version()}-s{MEASURE_HASH_SEED}-q{self.quantum_ir:g}-tc-nc"


def counted_instructions(run: JailRun) -> float | None:
    """Valgrind's count of the run, or None when the run did not end with one of valgrind's own.

    The program can write to valgrind's log (a descriptor of its own process, which it can
    duplicate whatever valgrind does to hide it), so only the summary valgrind writes as it
    exits counts: the last line of the log, of a jail the worker did not have to kill.
    """
    log = run.instrument_log
    # Cachegrind sums the count while writing its output file; without the file it reports 0.
    if run.end.killed_by_worker or "can't open cache simulation output file" in log:
        return None
    match = VALGRIND_SUMMARY.search(log)
    count = float(match.group(1).replace(",", "")) if match else 0.0
    return count if count > 0 else None


@lru_cache(maxsize=2)
def _instructions_per_cpu_ms(meter_class: type[ValgrindMeter]) -> float:
    """Instructions valgrind counts per ms of the jail's CPU time on this host, from plain
    interpreter work (measured once per process, only when a budget is used)."""
    meter = meter_class()
    limits = JailLimits.for_cpu(2 * meter.slowdown, memory_kb=256 * 1024)
    empty = meter.measure_once({**EMPTY_JOB, "time_limit_ms": 60_000}, limits)
    work = meter.measure_once({**RATE_JOB, "time_limit_ms": 60_000}, limits)
    steps = dict(work.run.steps)
    if empty.failure or work.failure or not finished(work.run, RATE_JOB) or 1 not in steps:
        raise MeterError("valgrind could not calibrate its instruction rate")
    return max(1.0, (work.cost - empty.cost) / max(1.0, steps[1].cpu_ms))


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
