"""One run of the harness on a list of cases: load the program, hand it the cases one at a
time, stop when told to or when the jail dies. The session (judge/sandbox/session.py)
measures and cleans up; this is the loop every caller shares: judging, measuring, references.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from judge.boundary import MAX_RECORD_BYTES, CaseRecord, Compiled, CompileError
from judge.languages.base import Program, get_language
from judge.sandbox.build import build_program
from judge.sandbox.command import Instrument
from judge.sandbox.limits import JailLimits
from judge.sandbox.session import JailEnd, JailSession, Step, Stop

# Loading the program (compiling it, running its module-level code) may take this long, or the
# per-test limit when that is larger.
LOAD_CPU_MS = 2000.0


@dataclass
class JailRun:
    """A whole run: the load step, the case steps in order (by ordinal), and the end."""

    limits: JailLimits
    load: Step | None = None
    steps: list[tuple[int, Step]] = field(default_factory=list)
    end: JailEnd = field(default_factory=JailEnd)
    # The job's CPU budget ("cpu_budget_ms") ran out: the last step was stopped by it, not by
    # the per-case limit, or no CPU was left for the next case.
    over_budget: bool = False

    @property
    def loaded(self) -> bool:
        return self.load is not None and isinstance(self.load.record, Compiled)

    @property
    def cpu_ms(self) -> float:
        return self.end.cpu_ms

    @property
    def job_cpu_ms(self) -> float | None:
        return self.end.job_cpu_ms

    @property
    def counter(self) -> float | None:
        return self.end.counter

    @property
    def instrument_log(self) -> str:
        return self.end.instrument_log

    @property
    def max_rss_kb(self) -> int:
        return self.end.max_rss_kb

    def answered(self) -> dict[int, CaseRecord]:
        """The record of every step that produced one (answers and the program's own errors)."""
        return {ordinal: step.record for ordinal, step in self.steps if step.stop is None and step.record is not None}  # type: ignore[misc]


def step_wall_s(cpu_limit_ms: float) -> float:
    """CMS/isolate practice: the wall limit is 2 x CPU + 1 s, so sleeping cannot hold a slot forever."""
    return 2 * cpu_limit_ms / 1000.0 + 1.0


def run_harness(
    job: dict[str, Any],
    limits: JailLimits,
    *,
    on_step: Callable[[int, Step], bool] | None = None,
    warm: bool = False,
    instrument: Instrument | None = None,
) -> JailRun:
    """Run ``job`` ({"source", "signature", "cases": [{"ordinal", "args", "record_bytes"?}],
    "time_limit_ms", "cpu_budget_ms"?, "language"?}) in one jail. A language other than Python is
    built first (judge/sandbox/build.py; a compile error is the load step's record) and its
    program runs in a jail of its own. ``on_step`` sees each answered step and says
    whether to go on; a step that stopped the jail always ends the run. An instrumented run always
    gets a jail of its own, started for it (never a warm one).

    ``cpu_budget_ms`` (measurement runs with a budget) is the CPU time all the cases together may
    use: each case gets the smaller of its own limit and what is left, and a case stopped by
    what was left marks the run ``over_budget`` (not a time limit of the program's).
    """
    run = JailRun(limits)
    case_ms = float(job["time_limit_ms"])
    budget_ms = job.get("cpu_budget_ms")
    left_ms = float(budget_ms) if budget_ms is not None else None
    language = get_language(job.get("language") or "PY3")
    program: Program | None = None
    if not language.harness:
        started = time.monotonic()
        built = build_program(language, job["signature"], job["source"])
        if not built.ok:
            wall_ms = (time.monotonic() - started) * 1000.0
            run.load = Step(record=CompileError("Compilation error", None, built.message), cpu_ms=0.0, wall_ms=wall_ms)
            return run
        memory_kb = job.get("memory_limit_kb")
        program = language.program(built.box, memory_mb=int(memory_kb) // 1024 if memory_kb else None)
        if program.max_pids is not None:
            limits = replace(limits, max_pids=max(limits.max_pids, program.max_pids))
            run.limits = limits
    # Every case is encoded before a jail starts: a value the language cannot hold fails fast
    # (CaseEncodingError), never halfway through a run.
    wires = [language.encode_case(job["signature"], case["args"]) if program is not None else None
             for case in job["cases"]]  # fmt: skip
    with JailSession(limits, warm=warm and instrument is None, instrument=instrument, program=program) as session:
        load_ms = max(LOAD_CPU_MS, case_ms) + language.load_allowance_ms
        run.load = session.load(
            source=job["source"], signature=job["signature"], cpu_limit_ms=load_ms, wall_limit_s=step_wall_s(load_ms)
        )
        if run.loaded:
            for case, wire in zip(job["cases"], wires, strict=True):
                limit_ms = case_ms if left_ms is None else min(case_ms, left_ms)
                if limit_ms <= 0:
                    run.over_budget = True
                    break
                step = session.case(
                    case["args"],
                    cpu_limit_ms=limit_ms,
                    wall_limit_s=step_wall_s(limit_ms),
                    record_bytes=int(case.get("record_bytes", MAX_RECORD_BYTES)),
                    wire=wire,
                )
                run.steps.append((case["ordinal"], step))
                if left_ms is not None:
                    left_ms -= step.cpu_ms
                    run.over_budget = step.stop in (Stop.CPU, Stop.WALL) and limit_ms < case_ms
                if step.stop is not None or (on_step is not None and not on_step(case["ordinal"], step)):
                    break
    run.end = session.close()
    return run
