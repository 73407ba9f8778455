"""Per-host costs of reference solutions, and the glue from problems to judge jobs."""

from __future__ import annotations

import logging
import math
import socket
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from arena.models import Problem, ReferenceCost, TestCase
from judge.meters import CostMeter, CostResult, get_meter, measure_interleaved
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob

logger = logging.getLogger(__name__)


def judge_host() -> str:
    return settings.JUDGE_HOST or socket.gethostname()


def checker_spec(problem: Problem) -> CheckerSpec:
    return CheckerSpec(kind=problem.checker, float_tolerance=problem.float_tolerance, source=problem.checker_source)  # type: ignore[arg-type]


def case_specs(problem: Problem, *, kinds: tuple[str, ...]) -> list[CaseSpec]:
    return [
        CaseSpec(ordinal=c.ordinal, kind=c.kind, args=c.input, expected=c.expected)
        for c in problem.cases.filter(kind__in=kinds).order_by("ordinal")
    ]


def job_for(problem: Problem, source: str, cases: list[CaseSpec]) -> JudgeJob:
    return JudgeJob(
        source=source,
        signature=problem.signature,
        cases=cases,
        checker=checker_spec(problem),
        time_limit_ms=problem.time_limit_ms,
        memory_limit_kb=problem.memory_limit_kb,
        hidden_feedback="verdict" if problem.hidden_feedback == Problem.HiddenFeedback.VERDICT else "error-type",
    )


def reference_costs(problem: Problem, *, meter: CostMeter | None = None) -> list[float]:
    """Costs of the problem's references on this host, measuring (interleaved) those not yet
    calibrated here under the meter's current fingerprint."""
    meter = meter or get_meter(settings.JUDGE_METER)
    host = judge_host()
    fingerprint = meter.fingerprint()
    stored = {
        row.reference_id: row
        for row in ReferenceCost.objects.filter(reference__problem=problem, host=host, meter=meter.name)
    }
    references = list(problem.references.all())
    costs = [stored[r.pk].cost for r in references if r.pk in stored and stored[r.pk].environment == fingerprint]
    missing = [r for r in references if r.pk not in stored or stored[r.pk].environment != fingerprint]
    if not missing:
        return costs
    perf = case_specs(problem, kinds=(TestCase.Kind.PERFORMANCE,))
    results = measure_interleaved(
        [job_for(problem, reference.source, perf) for reference in missing],
        perf,
        repeats=settings.JUDGE_PERF_REPEATS,
        meter=meter,
    )
    for reference, result in zip(missing, results, strict=True):
        if not result.ok:
            continue
        try:
            with transaction.atomic():
                ReferenceCost.objects.update_or_create(
                    reference=reference,
                    host=host,
                    meter=meter.name,
                    defaults={"unit": result.unit, "cost": result.cost, "environment": fingerprint},
                )
        except IntegrityError:  # another worker calibrated it at the same moment; ours is as good
            pass
        costs.append(result.cost)
    return costs


@dataclass(frozen=True)
class Measured:
    """An accepted program's cost on this host, and how it was arrived at (``Submission.cost_detail``)."""

    cost: float
    detail: dict[str, object]


def cost_beside_reference(
    problem: Problem, job: JudgeJob, perf: list[CaseSpec], first: CostResult, *, meter: CostMeter
) -> Measured | CostResult:
    """Express a cost that lies close to a calibrated reference's in the calibration's terms.

    A drifting meter (``anchor_window``) compares costs measured minutes apart: a reference's
    calibrated cost and a submission's cost now. When ``first`` (the submission's own
    measurement) lies within the window of a reference's calibrated cost, the submission and that
    reference are measured again, run by run in turn, and the cost is their ratio times the
    reference's calibrated cost, provided both measurements settled; far from every reference,
    drift cannot change which side of a reference a cost falls on, and ``first`` stands. Returns
    the failed CostResult when the submission fails a performance run while measured again.
    """
    detail: dict[str, object] = {"measured": round(first.cost, 3), "samples": len(first.samples)}
    if not meter.anchor_window or first.cost <= 0:
        return Measured(first.cost, detail)
    calibrated = ReferenceCost.objects.filter(
        reference__problem=problem, host=judge_host(), meter=meter.name, environment=meter.fingerprint(), cost__gt=0
    ).select_related("reference")
    nearest = min(calibrated, key=lambda stored: abs(math.log(first.cost / stored.cost)), default=None)
    if nearest is None or abs(math.log(first.cost / nearest.cost)) > math.log1p(meter.anchor_window):
        return Measured(first.cost, detail)
    mine, theirs = measure_interleaved(
        [job, job_for(problem, nearest.reference.source, perf)], perf, repeats=settings.JUDGE_PERF_REPEATS, meter=meter
    )
    if not mine.ok:
        return mine
    if not theirs.ok or theirs.cost <= 0:
        # The judge's side failed (a reference that passed calibration): keep the plain cost.
        logger.warning("reference %s failed beside a submission: %s", nearest.reference_id, theirs.message)
        return Measured(first.cost, {**detail, "anchor_failed": theirs.message[:200]})
    if not (mine.settled and theirs.settled):
        # On a host whose speed jumps from run to run (not only drifts), a minimum that never
        # settled is off by up to tens of percent, and a ratio of two such minima carries both
        # errors: worse than the plain cost (docs/scoring.md). Keep the plain cost.
        return Measured(first.cost, {**detail, "anchor_unsettled": nearest.reference.label})
    ratio = mine.cost / theirs.cost
    detail.update(
        anchor=nearest.reference_id,
        anchor_label=nearest.reference.label,
        anchor_calibrated=round(nearest.cost, 3),
        anchor_now=round(theirs.cost, 3),
        beside=round(mine.cost, 3),
        ratio=round(ratio, 5),
    )
    return Measured(ratio * nearest.cost, detail)
