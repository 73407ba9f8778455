"""Judge one submission: the service behind the Celery task and the in-process judge.

Status moves QU → P → G → D only through conditional UPDATEs, so two workers that receive
the same id (a redelivered message, a sweeper re-queue) can never both judge it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from arena.events import CaseEventThrottle, leaderboard_event, submission_event
from arena.models import Submission, SubmissionCase, TestCase
from arena.services.calibration import case_specs, cost_beside_reference, job_for, judge_host, reference_costs
from arena.services.rescoring import Pool, problem_rescore
from arena.services.standings import standing_update
from judge.meters import CostResult, get_meter, judging_meter_check, measure_cost
from judge.protocol import CaseOutcome, JudgeOutcome
from judge.runner import judge_job

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


class JudgeFailure(RuntimeError):
    """The judge (not the program) failed; the submission goes back to the queue or ends IE."""


def submission_judge(*, submission_id: int) -> str | None:
    """Judge if still queued. Returns the verdict, or None when another worker has it.

    1. claim: QU → P, or nothing (another worker has it);
    2. run cases: one jail, the cases one at a time, each graded and streamed as it ends;
    3. measure: an accepted program is measured on the performance inputs (P → G);
    4. finish: G/P → D with the verdict, then scores, standings and events.
    """
    submission = _claim(submission_id)
    if submission is None:
        return None
    outcome, done = _run_cases(submission)
    fields: dict[str, object] = {
        "verdict": outcome.verdict,
        "message": outcome.message,
        "time_ms": round(outcome.time_ms, 3),
        "memory_kb": outcome.memory_kb,
        "cases_total": done.total,
    }
    if outcome.verdict == Submission.Verdict.AC:
        fields.update(_measure(submission, done=done.count, total=done.total))
    return _finish(submission, fields, done=done.count, total=done.total)


def _claim(submission_id: int) -> Submission | None:
    """Step 1: QU → P by a conditional UPDATE; the row count says whether this worker won."""
    claimed = Submission.objects.filter(id=submission_id, status=Submission.Status.QUEUED).update(
        status=Submission.Status.PROCESSING,
        judge_host=judge_host(),
        judging_started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return Submission.objects.select_related("problem", "participant").get(id=submission_id)


class _Progress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0


def _run_cases(submission: Submission) -> tuple[JudgeOutcome, _Progress]:
    """Step 2: the samples and hidden tests, each case stored and streamed as soon as it is graded."""
    problem = submission.problem
    cases = case_specs(problem, kinds=(TestCase.Kind.SAMPLE, TestCase.Kind.HIDDEN))
    SubmissionCase.objects.filter(submission=submission).delete()
    submission_event(submission.pk, "grading-begin", total=len(cases), host=submission.judge_host)
    throttle = CaseEventThrottle(submission.pk)
    progress = _Progress(len(cases))

    def on_case(outcome: CaseOutcome) -> None:
        progress.count += 1
        row = SubmissionCase.objects.create(
            submission=submission,
            ordinal=outcome.ordinal,
            kind=outcome.kind,
            verdict=outcome.verdict,
            time_ms=outcome.time_ms,
            memory_kb=outcome.memory_kb,
            message=outcome.message,
        )
        Submission.objects.filter(id=submission.pk).update(cases_done=progress.count)
        throttle.add(row.as_event(), done=progress.count, total=progress.total)

    outcome = judge_job(job_for(problem, submission.source, cases), on_case=on_case)
    throttle.flush(done=progress.count, total=progress.total)
    return outcome, progress


def _measure(submission: Submission, *, done: int, total: int) -> dict[str, object]:
    """Step 3: P → G, then the efficiency measurement (or the performance run's own verdict)."""
    Submission.objects.filter(id=submission.pk, status=Submission.Status.PROCESSING).update(
        status=Submission.Status.GRADING
    )
    submission_event(submission.pk, "efficiency-begin", done=done, total=total)
    fields = _efficiency(submission)
    if fields.get("verdict") not in (None, Submission.Verdict.AC):
        logger.info("submission %s accepted on tests but failed its performance run", submission.pk)
    return fields


def _finish(submission: Submission, fields: dict[str, object], *, done: int, total: int) -> str | None:
    """Step 4: → D with the verdict; the problem's scores, the standings and the events follow."""
    problem = submission.problem
    with transaction.atomic():
        finished = Submission.objects.filter(
            id=submission.pk, status__in=[Submission.Status.PROCESSING, Submission.Status.GRADING]
        ).update(status=Submission.Status.DONE, judged_at=timezone.now(), **fields)
        if not finished:
            return None
        submission.refresh_from_db()
        if submission.cost is not None:
            problem_rescore(problem_id=problem.pk, pool=Pool(submission.judge_host, submission.cost_meter,
                                                             submission.cost_environment))  # fmt: skip
            submission.refresh_from_db()
        if submission.campaign_id is None:  # campaign samples never touch the leaderboard
            standing_update(participant_id=submission.participant_id, problem_id=problem.pk)
        submission_event(
            submission.pk,
            "grading-end",
            verdict=submission.verdict,
            message=submission.message,
            time_ms=submission.time_ms,
            memory_kb=submission.memory_kb,
            cost=submission.cost,
            cost_unit=submission.cost_unit,
            scores={
                "beyond": submission.beyond,
                "dps": submission.dps,
                "dps_norm": submission.dps_norm,
                "es": submission.es,
            },
            done=done,
            total=total,
        )
        leaderboard_event(
            problem=problem.code, participant=submission.participant.display_name, verdict=submission.verdict
        )
    return submission.verdict


def _efficiency(submission: Submission) -> dict[str, object]:
    """Measure the accepted program on the performance inputs (its scores come from problem_rescore)."""
    problem = submission.problem
    judging_meter_check(settings.JUDGE_METER)  # settings may change after start-up (tests, admin)
    meter = get_meter(settings.JUDGE_METER)
    perf = case_specs(problem, kinds=(TestCase.Kind.PERFORMANCE,))
    if not perf:
        return {}
    reference_costs(problem, meter=meter)  # calibrates this host first if it never has
    job = job_for(problem, submission.source, perf)
    result = measure_cost(job, perf, repeats=settings.JUDGE_PERF_REPEATS, meter=meter)
    measured = cost_beside_reference(problem, job, perf, result, meter=meter) if result.ok else result
    if isinstance(measured, CostResult):
        # Performance runs check outputs too: a program cannot be fast only when measured.
        # The verdict is the run's own (RTE, MLE, WA, TLE...), never read from a message.
        return {"verdict": measured.verdict or Submission.Verdict.RTE, "message": measured.message}
    submission_event(submission.pk, "efficiency", cost=measured.cost, unit=result.unit, meter=result.meter)
    # The scores come from problem_rescore once the verdict is stored: ES moves with every
    # accepted solution of the problem, so this submission and the others are scored together.
    return {
        "cost": round(measured.cost, 3),
        "cost_unit": result.unit,
        "cost_meter": result.meter,
        "cost_environment": meter.fingerprint(),
        "cost_detail": measured.detail,
    }


def submission_fail(*, submission_id: int, error: str, retry: bool) -> None:
    """The judge failed. Re-queue (retry) or finish as IE; either way nothing stays stuck."""
    logger.error("judge failure on submission %s: %s", submission_id, error)
    active = [Submission.Status.PROCESSING, Submission.Status.GRADING]
    if retry and Submission.objects.filter(id=submission_id, attempts__lt=MAX_ATTEMPTS).exists():
        Submission.objects.filter(id=submission_id, status__in=active).update(status=Submission.Status.QUEUED)
        return
    logger.critical("submission %s ends as internal error after retries: %s", submission_id, error)
    with transaction.atomic():
        Submission.objects.filter(id=submission_id, status__in=active + [Submission.Status.QUEUED]).update(
            status=Submission.Status.DONE,
            verdict=Submission.Verdict.IE,
            message="The judge failed on this submission; the operators have been alerted.",
            judged_at=timezone.now(),
        )
        ids = Submission.objects.filter(id=submission_id).values_list("participant_id", "problem_id").first()
        if ids is not None:
            standing_update(participant_id=ids[0], problem_id=ids[1])
        submission_event(submission_id, "internal-error", message="The judge failed on this submission.")


def submissions_requeue_stuck(*, older_than_s: int | None = None) -> list[int]:
    """Sweeper: submissions claimed by a worker that died go back to the queue (or end IE after
    MAX_ATTEMPTS), and queued ones whose message was lost are sent again."""
    from arena.dispatch import enqueue

    age_s = settings.JUDGE_STUCK_AFTER_S if older_than_s is None else older_than_s
    cutoff = timezone.now() - dt.timedelta(seconds=age_s)
    active = [Submission.Status.PROCESSING, Submission.Status.GRADING]
    requeued: list[int] = []
    for submission_id, attempts in Submission.objects.filter(
        status__in=active, judging_started_at__lte=cutoff
    ).values_list("id", "attempts"):
        if attempts >= MAX_ATTEMPTS:
            submission_fail(submission_id=submission_id, error="worker lost on every attempt", retry=False)
            continue
        if Submission.objects.filter(id=submission_id, status__in=active, judging_started_at__lte=cutoff).update(
            status=Submission.Status.QUEUED
        ):
            requeued.append(submission_id)
    requeued += (
        Submission.objects.filter(status=Submission.Status.QUEUED, created_at__lte=cutoff)
        .exclude(id__in=requeued)
        .values_list("id", flat=True)
    )
    for submission_id in requeued:
        enqueue(submission_id)
    return requeued
