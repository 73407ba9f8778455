"""Per-host costs of reference solutions, and the glue from problems to judge jobs.

References are measured in the background (problem_calibrate, through calibration_request),
never while a contestant waits: a submission that meets a missing calibration is measured and
gets its verdict, and its scores follow when the calibration lands."""

from __future__ import annotations

import logging
import math
import socket
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from arena.models import Problem, ReferenceCost
from judge.languages import get_language
from judge.meters import CostMeter, CostResult, get_meter, measure_interleaved
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob

logger = logging.getLogger(__name__)
# A requested calibration is not requested again for this long (it runs in the background, on
# a busy judge possibly behind a backlog); after it, a problem still uncalibrated is retried.
CALIBRATION_REQUEST_TTL_S = 15 * 60


def judge_host() -> str:
    return settings.JUDGE_HOST or socket.gethostname()


# The host of a cost pool whose meter is deterministic: its counts do not depend on the host, so
# every judge host with the same fingerprint (meter, tool version, interpreter build) shares
# one calibration and one pool.
SHARED_HOST = "*"


def measurement_host(meter: CostMeter | None = None) -> str:
    """Where a cost measured here belongs: this host for a time-based meter, every host with
    the same fingerprint for a deterministic one (``Submission.judge_host`` and
    ``ReferenceCost.host`` of measured costs hold it)."""
    meter = meter or get_meter(settings.JUDGE_METER)
    return SHARED_HOST if meter.deterministic else judge_host()


def checker_spec(problem: Problem) -> CheckerSpec:
    return CheckerSpec(kind=problem.checker, float_tolerance=problem.float_tolerance, source=problem.checker_source)  # type: ignore[arg-type]


def case_specs(problem: Problem, *, kinds: tuple[str, ...]) -> list[CaseSpec]:
    return [
        CaseSpec(ordinal=c.ordinal, kind=c.kind, args=c.input, expected=c.expected)
        for c in problem.cases.filter(kind__in=kinds).order_by("ordinal")
    ]


def job_for(problem: Problem, source: str, cases: list[CaseSpec], *, language: str = "PY3") -> JudgeJob:
    return JudgeJob(
        language=language,
        source=source,
        signature=problem.signature,
        cases=cases,
        checker=checker_spec(problem),
        time_limit_ms=problem.time_limit_ms,
        memory_limit_kb=problem.memory_limit_kb,
        hidden_feedback="verdict" if problem.hidden_feedback == Problem.HiddenFeedback.VERDICT else "error-type",
    )


def meter_for(language: str) -> CostMeter:
    """The meter of a language's pools: the first of the language's ``meters`` this host can run
    (the last one if none can, so the reason shows where it is used). "valgrind" stands for the
    deployment's meter (JUDGE_METER): Python's. Native languages prefer the PMU's count and fall
    back to ``cpu``; the JIT runtimes use ``cpu`` (docs/languages.md). A language's costs are
    compared only with its own (the fingerprint)."""
    lang = get_language(language)
    candidates = [get_meter(settings.JUDGE_METER if name == "valgrind" else name) for name in lang.meters]
    meter = next((candidate for candidate in candidates if candidate.available()), candidates[-1])
    return meter if language == "PY3" else meter.for_language(language)


def calibration_missing(problem: Problem, *, meter: CostMeter) -> bool:
    """Whether a reference of the problem (in the meter's language) has no cost on this host
    under the meter's current fingerprint (scores need every reference's)."""
    fingerprint = meter.fingerprint()
    calibrated = set(
        ReferenceCost.objects.filter(
            reference__problem=problem, host=measurement_host(meter), meter=meter.name, environment=fingerprint
        ).values_list("reference_id", flat=True)
    )
    references = problem.references.filter(language=meter.language).values_list("id", flat=True)
    return any(reference_id not in calibrated for reference_id in references)


def calibration_request(problem: Problem) -> bool:
    """Have the problem's references measured in the background, once: a contestant never waits
    for it. Returns whether a calibration was started (False: one is already on its way).

    Eager judging (the test suite) calibrates in place instead, as the judging itself runs there.
    """
    from arena.dispatch import calibrate_later
    from arena.services.curation import problem_calibrate

    if settings.JUDGE_EAGER:
        problem_calibrate(problem=problem)
        return True
    meter = get_meter(settings.JUDGE_METER)
    key = f"calibration-requested:{problem.pk}:{measurement_host(meter)}:{meter.name}:{meter.fingerprint()}"
    if not cache.add(key, 1, timeout=CALIBRATION_REQUEST_TTL_S):
        return False
    calibrate_later(problem.pk)
    return True


def calibrations_request_missing() -> list[str]:
    """Request the calibration of every published problem that lacks one on this host under the
    current meter (the embedded server at start, `load_bank` in production). Returns their codes."""
    from arena.selectors.problems import problems_published

    meter = get_meter(settings.JUDGE_METER)
    requested = []
    for problem in problems_published().prefetch_related("references"):
        if calibration_missing(problem, meter=meter) and calibration_request(problem):
            requested.append(problem.code)
    return requested


def cost_budget(problem: Problem, *, meter: CostMeter) -> float | None:
    """The most an accepted program's measurement may cost: JUDGE_COST_BUDGET_FACTOR times the
    slowest reference's calibrated cost. A program over it is stopped there and scored as slower
    than every reference (Beyond 0, no DPS cluster, ES below every reference). None without a
    complete calibration: the time limits alone then bound the run."""
    if calibration_missing(problem, meter=meter):
        return None
    pool = ReferenceCost.objects.filter(
        reference__problem=problem, host=measurement_host(meter), meter=meter.name, environment=meter.fingerprint()
    )
    slowest = pool.order_by("-cost").values_list("cost", flat=True).first()
    return None if not slowest else float(slowest) * settings.JUDGE_COST_BUDGET_FACTOR


def calibration_request_safely(problem: Problem) -> None:
    """calibration_request, on a judge's path: a cache or broker outage must not fail the
    submission being judged (its scores stay pending; the next submission or the start-up of a
    server asks again)."""
    try:
        calibration_request(problem)
    except Exception:
        logger.exception("calibration of %s not requested; its scores stay pending", problem.code)


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
        reference__problem=problem,
        host=measurement_host(meter),
        meter=meter.name,
        environment=meter.fingerprint(),
        cost__gt=0,
    ).select_related("reference")
    nearest = min(calibrated, key=lambda stored: abs(math.log(first.cost / stored.cost)), default=None)
    if nearest is None or abs(math.log(first.cost / nearest.cost)) > math.log1p(meter.anchor_window):
        return Measured(first.cost, detail)
    mine, theirs = measure_interleaved(
        [job, job_for(problem, nearest.reference.source, perf, language=nearest.reference.language)],
        perf,
        repeats=settings.JUDGE_PERF_REPEATS,
        meter=meter,
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
