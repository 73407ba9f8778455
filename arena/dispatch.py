"""Hand a submission id to the judge: Celery in production, a thread pool in embedded mode.

The services call `enqueue`; the in-process path calls back into the services, so those imports
happen at call time (`arena.services.judging` imports this module too).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def enqueue(submission_id: int) -> None:
    if settings.JUDGE_BACKEND == "celery":
        from arena.tasks import judge_submission

        judge_submission.apply_async(args=(submission_id,), queue="judge")
        return
    if settings.JUDGE_EAGER:
        # The caller's thread and database connection: not ours to close.
        _judge_in_process(submission_id, own_connection=False)
        return
    _embedded_pool().submit(_judge_in_process, submission_id)


def _embedded_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.JUDGE_THREADS, thread_name_prefix="judge")
        return _pool


def _judge_in_process(submission_id: int, *, own_connection: bool = True) -> None:
    from arena.services.judging import submission_fail, submission_judge

    if own_connection:
        close_old_connections()
    try:
        for _ in range(3):
            try:
                submission_judge(submission_id=submission_id)
                return
            except Exception as exc:  # the judge's fault: retry, then IE
                logger.exception("in-process judge failed on submission %s", submission_id)
                submission_fail(submission_id=submission_id, error=repr(exc), retry=True)
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


def start_embedded_sweeper(interval_s: float = 60.0) -> None:
    """Embedded mode has no Celery beat: this thread re-queues work a previous process left.

    At start, anything not finished was owned by a process that no longer exists, so it is
    re-queued at once; afterwards the usual stuck-submission timeout applies.
    """
    global _sweeper_started
    if settings.JUDGE_BACKEND != "inprocess" or settings.JUDGE_EAGER:
        return
    with _pool_lock:
        if _sweeper_started:
            return
        _sweeper_started = True

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
            except Exception:
                logger.exception("sweeper failed")
            finally:
                close_old_connections()
            first = False
            time.sleep(interval_s)

    threading.Thread(target=loop, name="judge-sweeper", daemon=True).start()
