"""Judge one submission: the service behind the Celery task and the in-process judge.

Status moves QU → P → G → D only through conditional UPDATEs. A claim is fenced by its attempt
number: every write a judge makes after claiming (case rows, P → G, the final verdict) names
the attempt it claimed, so a judge that was presumed dead and replaced (its heartbeat stopped,
the sweeper re-queued the submission, another judge claimed it) can no longer write anything.
Two judges that receive the same id (a redelivered message, a sweeper re-queue) therefore never
both record a verdict.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from arena.events import CaseEventThrottle, leaderboard_event, submission_event
from arena.models import Problem, Submission, SubmissionCase, TestCase
from arena.services.calibration import (
    calibration_missing,
    calibration_request_safely,
    case_specs,
    cost_beside_reference,
    cost_budget,
    job_for,
    judge_host,
    measurement_host,
    meter_for,
)
from arena.services.rescoring import Pool, problem_rescore
from arena.services.standings import standing_update
from judge.meters import CostResult, get_meter, judging_meter_check, measure_cost
from judge.protocol import CaseOutcome, JudgeOutcome
from judge.runner import judge_job

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
ACTIVE = (Submission.Status.PROCESSING, Submission.Status.GRADING)


class JudgeFailure(RuntimeError):
    """The judge (not the program) failed while holding attempt ``attempt``; the caller re-queues
    the submission or ends it as IE, fenced by that attempt."""

    def __init__(self, submission_id: int, attempt: int) -> None:
        super().__init__(f"judging submission {submission_id} (attempt {attempt}) failed")
        self.submission_id = submission_id
        self.attempt = attempt


class ClaimLost(RuntimeError):
    """Another judge holds the submission now: this one stops and writes nothing more."""


@dataclass(frozen=True)
class Claim:
    submission: Submission
    attempt: int

    def held(self) -> QuerySet[Submission]:
        """The submission's row, only while this claim still holds it."""
        return Submission.objects.filter(id=self.submission.pk, attempts=self.attempt, status__in=ACTIVE)


def submission_judge(*, submission_id: int) -> str | None:
    """Judge if still queued. Returns the verdict, or None when another judge has it.

    1. claim: QU → P, or nothing (another judge has it);
    2. run cases: one jail, the cases one at a time, each graded and streamed as it ends;
    3. measure: an accepted program is measured on the performance inputs (P → G);
    4. finish: G/P → D with the verdict, then scores, standings and events.

    While it holds the claim a heartbeat thread marks the row alive; the sweeper re-queues
    claims whose heartbeat stopped (a killed worker). Any failure after the claim is raised as
    JudgeFailure carrying the attempt, so the caller's re-queue is fenced too.
    """
    claim = _claim(submission_id)
    if claim is None:
        return None
    try:
        with _Heartbeat(claim):
            return _judge(claim)
    except ClaimLost:
        logger.warning("submission %s: attempt %s was taken over by another judge", submission_id, claim.attempt)
        return None
    except Exception as exc:
        raise JudgeFailure(submission_id, claim.attempt) from exc


def _judge(claim: Claim) -> str | None:
    outcome, done = _run_cases(claim)
    fields: dict[str, object] = {
        "verdict": outcome.verdict,
        "message": outcome.message,
        "time_ms": round(outcome.time_ms, 3),
        "memory_kb": outcome.memory_kb,
        "cases_total": done.total,
    }
    if outcome.verdict == Submission.Verdict.AC:
        fields.update(_measure(claim, done=done.count, total=done.total))
    return _finish(claim, fields, done=done.count, total=done.total)


def _claim(submission_id: int) -> Claim | None:
    """Step 1: QU → P by a conditional UPDATE; the row count says whether this judge won."""
    now = timezone.now()
    claimed = Submission.objects.filter(id=submission_id, status=Submission.Status.QUEUED).update(
        status=Submission.Status.PROCESSING,
        judge_host=judge_host(),
        judging_started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    submission = Submission.objects.select_related("problem", "participant").get(id=submission_id)
    return Claim(submission, submission.attempts)


class _Heartbeat:
    """Marks the claimed row alive every JUDGE_HEARTBEAT_S from a thread of its own (a single
    case or the efficiency runs can take longer than the sweeper's patience). It stops when the
    claim ends or is lost. Not used when judging eagerly inside the caller's transaction."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if not settings.JUDGE_EAGER:
            self._thread = threading.Thread(
                target=self._beat, name=f"heartbeat-{self.claim.submission.pk}", daemon=True
            )
            self._thread.start()
        return self

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.JUDGE_HEARTBEAT_S):
                try:
                    if not self.claim.held().update(heartbeat_at=timezone.now()):
                        return  # finished, or taken over: the judging thread finds out at its next write
                except DatabaseError:
                    logger.warning("heartbeat of submission %s failed; retrying", self.claim.submission.pk)
        finally:
            connection.close()  # this thread's own connection

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


class _Progress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0


def _run_cases(claim: Claim) -> tuple[JudgeOutcome, _Progress]:
    """Step 2: the samples and hidden tests, each case stored and streamed as soon as it is graded."""
    submission = claim.submission
    problem = submission.problem
    cases = case_specs(problem, kinds=(TestCase.Kind.SAMPLE, TestCase.Kind.HIDDEN))
    SubmissionCase.objects.filter(submission=submission).delete()
    submission_event(submission.pk, "grading-begin", total=len(cases), host=submission.judge_host)
    throttle = CaseEventThrottle(submission.pk)
    progress = _Progress(len(cases))

    def on_case(outcome: CaseOutcome) -> None:
        progress.count += 1
        # The fenced UPDATE locks the row until the case is stored, so a judge that takes over
        # cannot clear the cases between the check and the insert.
        with transaction.atomic():
            if not claim.held().update(cases_done=progress.count):
                raise ClaimLost(submission.pk)
            row = SubmissionCase.objects.create(
                submission=submission,
                ordinal=outcome.ordinal,
                kind=outcome.kind,
                verdict=outcome.verdict,
                time_ms=outcome.time_ms,
                memory_kb=outcome.memory_kb,
                message=outcome.message,
            )
        throttle.add(row.as_event(), done=progress.count, total=progress.total)

    outcome = judge_job(job_for(problem, submission.source, cases, language=submission.language), on_case=on_case)
    throttle.flush(done=progress.count, total=progress.total)
    return outcome, progress


def _measure(claim: Claim, *, done: int, total: int) -> dict[str, object]:
    """Step 3: P → G with the verdict shown at once, then the efficiency measurement (or the
    performance run's own verdict, which replaces it)."""
    submission = claim.submission
    if (
        not claim.held()
        .filter(status=Submission.Status.PROCESSING)
        .update(status=Submission.Status.GRADING, verdict=Submission.Verdict.AC)
    ):
        raise ClaimLost(submission.pk)
    submission_event(submission.pk, "efficiency-begin", verdict=Submission.Verdict.AC, done=done, total=total)
    fields = efficiency_fields(submission)
    if fields.get("verdict") not in (None, Submission.Verdict.AC):
        logger.info("submission %s accepted on tests but failed its performance run", submission.pk)
    return fields


def _finish(claim: Claim, fields: dict[str, object], *, done: int, total: int) -> str | None:
    """Step 4: → D with the verdict; the problem's scores, the standings and the events follow."""
    submission = claim.submission
    problem = submission.problem
    with transaction.atomic():
        if not claim.held().update(status=Submission.Status.DONE, judged_at=timezone.now(), **fields):
            raise ClaimLost(submission.pk)
        logger.info("judged submission %s (attempt %s): %s", submission.pk, claim.attempt, fields["verdict"])
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
        # The public feed is anonymous: it never names a problem contestants cannot see, and
        # campaign samples never touch the leaderboard.
        if submission.campaign_id is None and problem.is_published:
            leaderboard_event(
                problem=problem.code, participant=submission.participant.display_name, verdict=submission.verdict
            )
    if (submission.cost_detail or {}).get("scores_pending"):
        _pending_scores_recheck(problem)
    return submission.verdict


def _pending_scores_recheck(problem: Problem) -> None:
    """A calibration that landed while this submission was measured announced the submissions it
    could see then, not this one (stored just now): now that it is stored, whichever of the two
    commits came last gives it its scores."""
    from arena.services.curation import pending_scores_announce

    if not calibration_missing(problem, meter=get_meter(settings.JUDGE_METER)):
        pending_scores_announce(problem)


def efficiency_fields(submission: Submission) -> dict[str, object]:
    """Measure the accepted program on the performance inputs (its scores come from problem_rescore)."""
    problem = submission.problem
    judging_meter_check(settings.JUDGE_METER)  # settings may change after start-up (tests, admin)
    meter = meter_for(submission.language)
    perf = case_specs(problem, kinds=(TestCase.Kind.PERFORMANCE,))
    if not perf:
        return {}
    if calibration_missing(problem, meter=meter):
        calibration_request_safely(problem)  # in the background: the scores follow when it lands
    scores_pending = calibration_missing(problem, meter=meter)
    job = job_for(problem, submission.source, perf, language=submission.language)
    budget = cost_budget(problem, meter=meter)
    result = measure_cost(job, perf, repeats=settings.JUDGE_PERF_REPEATS, meter=meter, budget=budget)
    measured = cost_beside_reference(problem, job, perf, result, meter=meter) if result.ok else result
    if isinstance(measured, CostResult):
        # Performance runs check outputs too: a program cannot be fast only when measured.
        # The verdict is the run's own (RTE, MLE, WA, TLE...), never read from a message.
        return {"verdict": measured.verdict or Submission.Verdict.RTE, "message": measured.message}
    detail = dict(measured.detail)
    if result.over_budget and budget is not None:
        # Scored as slower than every reference; stopped early, the cost is the budget (a lower bound).
        detail.update(over_budget=True, budget=round(budget, 3))
    if scores_pending:
        detail["scores_pending"] = True
    submission_event(
        submission.pk, "efficiency", cost=measured.cost, unit=result.unit, meter=result.meter,
        scores_pending=scores_pending, over_budget=bool(detail.get("over_budget")),
    )  # fmt: skip
    # The scores come from problem_rescore once the verdict is stored: ES moves with every
    # accepted solution of the problem, so this submission and the others are scored together.
    return {
        "judge_host": measurement_host(meter),  # the cost's pool: shared by every host if deterministic
        "cost": round(measured.cost, 3),
        "cost_unit": result.unit,
        "cost_meter": result.meter,
        "cost_environment": meter.fingerprint(),
        "cost_detail": detail,
    }


def submission_fail(*, submission_id: int, error: str, retry: bool, attempt: int | None = None) -> None:
    """The judge failed. Re-queue (retry) or finish as IE; either way nothing stays stuck.

    ``attempt`` fences it like every other write of a claim: a judge that failed after being
    replaced leaves the submission to the judge that holds it now.
    """
    logger.error("judge failure on submission %s: %s", submission_id, error)
    mine = Q(id=submission_id) if attempt is None else Q(id=submission_id, attempts=attempt)
    if retry and Submission.objects.filter(mine, attempts__lt=MAX_ATTEMPTS).exists():
        Submission.objects.filter(mine, status__in=ACTIVE).update(status=Submission.Status.QUEUED)
        return
    with transaction.atomic():
        ended = Submission.objects.filter(mine, status__in=[*ACTIVE, Submission.Status.QUEUED]).update(
            status=Submission.Status.DONE,
            verdict=Submission.Verdict.IE,
            message="The judge failed on this submission; the operators have been alerted.",
            judged_at=timezone.now(),
        )
        if not ended:
            return
        logger.critical("submission %s ends as internal error after retries: %s", submission_id, error)
        ids = Submission.objects.filter(id=submission_id).values_list("participant_id", "problem_id").first()
        if ids is not None:
            standing_update(participant_id=ids[0], problem_id=ids[1])
        submission_event(submission_id, "internal-error", message="The judge failed on this submission.")


def submissions_requeue_stuck(*, older_than_s: int | None = None) -> list[int]:
    """Sweeper (every JUDGE_SWEEP_EVERY_S): nothing waits long for a part that failed.

    1. Claimed by a judge whose heartbeat stopped for JUDGE_HEARTBEAT_STALE_S (a killed worker
       or jail host): back to the queue, or IE after MAX_ATTEMPTS.
    2. Queued without a message in the broker for JUDGE_DISPATCH_GRACE_S (a web process killed
       between its commit and the publish, a publish during a broker outage, a broker that lost
       its data): sent again. A broker that cannot be inspected, and the in-process judge, fall
       back to re-sending what has waited JUDGE_STUCK_AFTER_S.

    ``older_than_s`` replaces every threshold (0 at start-up of the embedded mode: whatever is
    unfinished belonged to a process that no longer exists). A message sent twice is harmless:
    only one judge can claim the submission.
    """
    from arena.dispatch import broker_pending_ids, enqueue

    now = timezone.now()

    def ago(seconds: int) -> dt.datetime:
        return now - dt.timedelta(seconds=seconds if older_than_s is None else older_than_s)

    stale = Q(status__in=ACTIVE) & (
        Q(heartbeat_at__lte=ago(settings.JUDGE_HEARTBEAT_STALE_S))
        | Q(heartbeat_at__isnull=True, judging_started_at__lte=ago(settings.JUDGE_HEARTBEAT_STALE_S))
    )
    requeued: list[int] = []
    for submission_id, attempts in Submission.objects.filter(stale).values_list("id", "attempts"):
        if attempts >= MAX_ATTEMPTS:
            submission_fail(submission_id=submission_id, error="judge lost on every attempt", retry=False)
            continue
        if Submission.objects.filter(stale, id=submission_id, attempts=attempts).update(
            status=Submission.Status.QUEUED
        ):
            logger.warning("submission %s: judge stopped beating (attempt %s); re-queued", submission_id, attempts)
            requeued.append(submission_id)

    queued = Submission.objects.filter(status=Submission.Status.QUEUED).exclude(id__in=requeued)
    unsent: list[int] = []
    # The broker is read only when something has waited past the grace period, and before the
    # rows are read again: a message consumed in between is then still counted as present.
    if older_than_s is None and queued.filter(created_at__lte=ago(settings.JUDGE_DISPATCH_GRACE_S)).exists():
        pending = broker_pending_ids()
        waited = settings.JUDGE_DISPATCH_GRACE_S if pending is not None else settings.JUDGE_STUCK_AFTER_S
        candidates = queued.filter(created_at__lte=ago(waited)).values_list("id", flat=True)
        unsent = [sid for sid in candidates if pending is None or sid not in pending]
    elif older_than_s is not None:
        unsent = list(queued.filter(created_at__lte=ago(0)).values_list("id", flat=True))
    if unsent:
        logger.warning("submissions without a message in the broker, sent again: %s", unsent)
    for submission_id in requeued + unsent:
        enqueue(submission_id)
    return requeued + unsent
