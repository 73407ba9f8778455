"""Hand a submission id to the judge: Celery in production, a thread pool in embedded mode.

The services call `enqueue`; the in-process path calls back into the services, so those imports
happen at call time (`arena.services.judging` imports this module too).
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


# Judging messages carry the submission id in their task id, so the sweeper can tell which
# queued submissions have a message in the broker (broker_pending_ids).
TASK_ID_PREFIX = "judge-submission-"
_ID_IN_MESSAGE = re.compile(rb"judge-submission-(\d+)-")
# Where kombu's Redis transport keeps messages: one list per queue and priority step, and the
# hash of delivered, unacknowledged ones (restored to the queue after the visibility timeout).
_PRIORITY_STEPS = (0, 3, 6, 9)
_PRIORITY_SEPARATOR = "\x06\x16"
_UNACKED_KEY = "unacked"


def enqueue(submission_id: int) -> None:
    """Hand a committed submission to the judge. Never raises for a broker outage: the row is
    stored, and the sweeper sends what has no message once the broker is back."""
    if settings.JUDGE_BACKEND == "celery":
        from arena.tasks import judge_submission

        try:
            judge_submission.apply_async(
                args=(submission_id,), queue="judge", task_id=f"{TASK_ID_PREFIX}{submission_id}-{uuid.uuid4().hex}"
            )
        except Exception:  # kombu/redis errors; the submission is safe in the database
            logger.exception("could not send submission %s to the broker; the sweeper will", submission_id)
        return
    if settings.JUDGE_EAGER:
        # The caller's thread and database connection: not ours to close.
        _judge_in_process(submission_id, own_connection=False)
        return
    _embedded_pool().submit(_judge_in_process, submission_id)


def calibrate_later(problem_id: int) -> None:
    """Measure a problem's references in the background: a Celery task on the judge queue (the
    judge hosts measure), or the embedded mode's calibration thread."""
    if settings.JUDGE_BACKEND == "celery":
        from arena.tasks import calibrate_problem

        try:
            calibrate_problem.apply_async(args=(problem_id,), queue="judge")
        except Exception:  # the next submission that meets the missing calibration asks again
            logger.exception("could not send the calibration of problem %s to the broker", problem_id)
        return
    _calibration_pool().submit(_calibrate_in_process, problem_id)


class TrialUnavailable(Exception):
    """No judge answered a run in time (busy, or down): the caller may simply try again."""


_trial_slots: threading.BoundedSemaphore | None = None
TRIAL_REPLY_PREFIX = "trial-reply:"


def trial(payload: dict[str, Any], *, timeout_s: float) -> list[dict[str, Any]]:
    """Run a trial (judge/trial.py) where judging runs and wait for its result: on a judge host
    through the broker (the answer comes back on a Redis list of its own), or in this process,
    at most JUDGE_THREADS at a time, in embedded mode."""
    if settings.JUDGE_BACKEND == "celery":
        import redis

        from arena.tasks import run_trial

        reply = f"{TRIAL_REPLY_PREFIX}{uuid.uuid4().hex}"
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=timeout_s + 5)
        try:
            # expires: a run nobody waits for any more is dropped, not run late.
            run_trial.apply_async(args=(payload, reply), queue="judge", expires=timeout_s)
            answer = client.blpop([reply], timeout=max(1, math.ceil(timeout_s)))
        finally:
            client.close()
        if answer is None:
            raise TrialUnavailable(f"no judge answered within {timeout_s:.0f} s")
        body = json.loads(answer[1])
        if "error" in body:
            raise TrialUnavailable(f"the judge failed: {body['error']}")
        results: list[dict[str, Any]] = body["results"]
        return results
    from judge.trial import trial_run

    global _trial_slots
    with _pool_lock:
        if _trial_slots is None:
            _trial_slots = threading.BoundedSemaphore(max(1, settings.JUDGE_THREADS))
        slots = _trial_slots
    if not slots.acquire(timeout=timeout_s):
        raise TrialUnavailable(f"every judge thread was busy for {timeout_s:.0f} s")
    try:
        return trial_run(payload)
    finally:
        slots.release()


def trial_reply(reply: str, body: dict[str, Any]) -> None:
    """A judge host's answer to ``trial``: pushed where the waiting request pops it."""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=10)
    try:
        pipe = client.pipeline()
        pipe.rpush(reply, json.dumps(body))
        pipe.expire(reply, 120)  # nobody waiting any more: gone soon
        pipe.execute()
    finally:
        client.close()


def curation_later(task_id: int) -> None:
    """Run a curator's task (arena/services/curation_tasks.py) in the background, where the
    judging happens: a Celery task on the judge queue, the embedded calibration thread, or inline
    in eager mode (tests)."""
    if settings.JUDGE_BACKEND == "celery":
        from arena.tasks import run_curation_task

        try:
            run_curation_task.apply_async(args=(task_id,), queue="judge")
        except Exception:  # the row stays queued; sending it again from the admin is safe
            logger.exception("could not send curation task %s to the broker", task_id)
        return
    if settings.JUDGE_EAGER:
        _curate_in_process(task_id, own_connection=False)
        return
    _calibration_pool().submit(_curate_in_process, task_id)


def _curate_in_process(task_id: int, *, own_connection: bool = True) -> None:
    from arena.services.curation_tasks import curation_task_run

    if own_connection:
        close_old_connections()
    try:
        curation_task_run(task_id=task_id)
    except Exception:
        logger.exception("curation task %s failed", task_id)
    finally:
        if own_connection:
            close_old_connections()


_calibrations: ThreadPoolExecutor | None = None


def _calibration_pool() -> ThreadPoolExecutor:
    """One thread: calibrations queue behind each other, never ahead of contestants' judging."""
    global _calibrations
    with _pool_lock:
        if _calibrations is None:
            _calibrations = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibrate")
        return _calibrations


def _calibrate_in_process(problem_id: int) -> None:
    from arena.services.curation import problem_calibrate_and_announce

    close_old_connections()
    try:
        problem_calibrate_and_announce(problem_id=problem_id)
    except Exception:
        logger.exception("calibration of problem %s failed", problem_id)
    finally:
        close_old_connections()


def broker_pending_ids(queue: str = "judge") -> set[int] | None:
    """Submission ids with a judging message in the broker: waiting in ``queue`` or delivered and
    not yet acknowledged. None when there is no broker or it is not Redis (nothing to inspect)."""
    url = settings.CELERY_BROKER_URL
    if settings.JUDGE_BACKEND != "celery" or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    keys = [queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]
    client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    try:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.lrange(key, 0, -1)
        pipe.hvals(_UNACKED_KEY)
        chunks = pipe.execute()
    finally:
        client.close()
    return {int(found) for chunk in chunks for raw in chunk for found in _ID_IN_MESSAGE.findall(raw)}


def _embedded_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.JUDGE_THREADS, thread_name_prefix="judge")
        return _pool


def _judge_in_process(submission_id: int, *, own_connection: bool = True) -> None:
    from arena.services.judging import JudgeFailure, submission_fail, submission_judge

    if own_connection:
        close_old_connections()
    try:
        for _ in range(3):
            try:
                submission_judge(submission_id=submission_id)
                return
            except Exception as exc:  # the judge's fault: retry, then IE
                logger.exception("in-process judge failed on submission %s", submission_id)
                attempt = exc.attempt if isinstance(exc, JudgeFailure) else None
                submission_fail(submission_id=submission_id, error=repr(exc.__cause__ or exc), retry=True,
                                attempt=attempt)  # fmt: skip
        submission_fail(submission_id=submission_id, error="retries exhausted", retry=False)
    finally:
        if own_connection:
            close_old_connections()


def wait_idle(timeout_s: float = 60.0) -> None:
    """Block until queued in-process work has finished (tests, shutdown)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


_sweeper_started = False


def start_embedded_sweeper(interval_s: float | None = None) -> None:
    """Embedded mode has no Celery beat: this thread re-queues work a previous process left.

    At start, anything not finished was owned by a process that no longer exists, so it is
    re-queued at once; afterwards the usual stuck-submission timeout applies. At start it also
    has the references of published problems that lack a calibration measured in the
    background (JUDGE_CALIBRATE_AT_START), so contestants rarely meet a missing one.
    """
    global _sweeper_started
    if settings.JUDGE_BACKEND != "inprocess" or settings.JUDGE_EAGER:
        return
    with _pool_lock:
        if _sweeper_started:
            return
        _sweeper_started = True

    every_s = settings.JUDGE_SWEEP_EVERY_S if interval_s is None else interval_s

    def loop() -> None:
        import time

        from arena.services.judging import submissions_requeue_stuck

        first = True
        while True:
            close_old_connections()
            try:
                requeued = submissions_requeue_stuck(older_than_s=0 if first else None)
                if requeued:
                    logger.warning("re-queued unfinished submissions: %s", requeued)
                if first and settings.JUDGE_CALIBRATE_AT_START:
                    from arena.services.calibration import calibrations_request_missing

                    waiting = calibrations_request_missing()
                    if waiting:
                        logger.info("calibrating %s problems in the background: %s", len(waiting), waiting)
            except Exception:
                logger.exception("sweeper failed")
            finally:
                close_old_connections()
            first = False
            time.sleep(every_s)

    threading.Thread(target=loop, name="judge-sweeper", daemon=True).start()
