"""Celery tasks. They take ids and call services; retries and failure handling live here.

The judging tasks keep the names they had when they lived in `judge.tasks`: a name is what a
queued message and the beat schedule refer to, so messages sent before an upgrade are still
understood after it, and `CELERY_TASK_ROUTES` sends `judge.tasks.*` to the "judge" queue.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=2, default_retry_delay=2, name="judge.tasks.judge_submission")
def judge_submission(self, submission_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """A kill of the jail from outside, a lost database connection...: never a verdict against the
    program. The submission goes back to the queue (fenced by the attempt that failed) and is
    judged again; after MAX_ATTEMPTS it ends as IE."""
    from arena.services.judging import JudgeFailure, submission_fail, submission_judge

    try:
        return submission_judge(submission_id=submission_id)
    except Exception as exc:
        last = self.request.retries >= self.max_retries
        attempt = exc.attempt if isinstance(exc, JudgeFailure) else None
        submission_fail(submission_id=submission_id, error=repr(exc.__cause__ or exc), retry=not last, attempt=attempt)
        if last:
            return "IE"
        raise self.retry(exc=exc) from exc


@shared_task(name="arena.tasks.calibrate_problem", acks_late=True)
def calibrate_problem(problem_id: int) -> int:
    """Measure a problem's references on this judge host (requested when a submission met a
    missing calibration, or when the problem was loaded or published); the scores of submissions
    waiting for it follow. Returns how many waited."""
    from arena.services.curation import problem_calibrate_and_announce

    return problem_calibrate_and_announce(problem_id=problem_id)


@shared_task(name="judge.tasks.run_trial", acks_late=False)
def run_trial(payload: dict[str, Any], reply: str) -> int:
    """A contestant's run (samples or custom input), answered on the Redis list ``reply``. Not
    acknowledged late: a run lost with its worker is simply run again by its author."""
    from arena.dispatch import trial_reply
    from judge.trial import trial_run

    try:
        results = trial_run(payload)
    except Exception as exc:  # the judge's fault (no sandbox...): the waiting request says so now
        logger.exception("run failed")
        trial_reply(reply, {"error": type(exc).__name__})
        return 0
    trial_reply(reply, {"results": results})
    return len(results)


@shared_task(name="arena.tasks.run_curation_task", acks_late=True)
def run_curation_task(task_id: int) -> str:
    """A curator's validate / scale / calibrate / publish job, with its progress on the row."""
    from arena.services.curation_tasks import curation_task_run

    return curation_task_run(task_id=task_id)


@shared_task(name="judge.tasks.sweep_stuck")
def sweep_stuck() -> list[int]:
    from arena.services.judging import submissions_requeue_stuck

    requeued = submissions_requeue_stuck()
    if requeued:
        logger.warning("re-queued stuck submissions: %s", requeued)
    return requeued


@shared_task(name="arena.tasks.snapshot_leaderboard")
def snapshot_leaderboard() -> int:
    from arena.services.snapshots import leaderboard_snapshot_take

    return len(leaderboard_snapshot_take())
