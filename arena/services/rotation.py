"""Rotate a problem's secret performance inputs: draw a new generation of them.

Once performance inputs may have leaked (an operator's mistake, a side channel, a contestant who
reconstructed them), rotating makes any table of their answers worthless: the generation goes
up by one, so every seed changes (arena/services/performance.py). The new inputs are drawn at
the problem's current scale, their expected outputs come from the canonical reference run in
the sandbox, and the references' stored costs are dropped because they were measured on the old
inputs — calibrate again afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from arena.ingest.bank import BankError
from arena.models import Problem, ReferenceCost, TestCase
from arena.services.curation import problem_set_performance_inputs


@dataclass
class RotationReport:
    problem: str
    old_generation: int
    generation: int  # the one in use afterwards (unchanged when skipped or failed)
    scale: int
    inputs: int = 0
    costs_dropped: int = 0  # reference costs deleted; the references need calibrating again
    skipped: str = ""
    failure: str = ""

    @property
    def rotated(self) -> bool:
        return not (self.skipped or self.failure)


def performance_inputs_rotate(*, problem: Problem) -> RotationReport:
    """Replace the performance inputs with those of the next generation, at the same scale and count."""
    problem.refresh_from_db(fields=["perf_generation", "perf_scale", "generator_source"])
    report = RotationReport(problem.code, problem.perf_generation, problem.perf_generation, problem.perf_scale)
    count = problem.cases.filter(kind=TestCase.Kind.PERFORMANCE).count()
    if not problem.generator_source:
        report.skipped = "no generator: its performance inputs cannot be re-drawn"
        return report
    if not count:
        report.skipped = "no performance inputs (run scale)"
        return report
    costs = ReferenceCost.objects.filter(reference__problem=problem).count()
    try:
        problem_set_performance_inputs(
            problem=problem, scale=problem.perf_scale, count=count, generation=problem.perf_generation + 1
        )
    except BankError as exc:
        report.failure = str(exc)
        return report
    except Exception as exc:  # the generator is curator code; its crash is a finding about this problem
        report.failure = f"{type(exc).__name__}: {exc}"
        return report
    problem.refresh_from_db(fields=["perf_generation"])
    report.generation = problem.perf_generation
    report.inputs = count
    report.costs_dropped = costs
    return report
