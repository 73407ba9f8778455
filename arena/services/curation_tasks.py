"""Curators' long jobs (validate, scale, calibrate, validate-then-publish) as background tasks.

An admin action only records a ``CurationTask`` and hands its id to the judge side (a Celery task
on the judge queue in production, the calibration thread in embedded mode, inline in eager
tests); the task reports its progress on the row as it goes and ends with its result, which the
admin lists. Nothing slow runs inside a web request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from arena.models import CurationTask, Problem
from arena.services.curation import (
    Progress,
    pending_scores_announce,
    problem_calibrate,
    problem_publish,
    problem_scale,
    problem_validate,
)

logger = logging.getLogger(__name__)

RESULT_CHARS = 20_000


def curation_task_request(*, problem: Problem, kind: str, user: Any = None) -> CurationTask:
    """Record the job and send it once the row is committed."""
    from arena import dispatch

    requested_by = user if user is not None and user.is_authenticated else None
    task = CurationTask.objects.create(problem=problem, kind=kind, requested_by=requested_by)
    transaction.on_commit(lambda: dispatch.curation_later(task.pk))
    return task


def curation_task_run(*, task_id: int) -> str:
    """Run a queued task once (a second delivery finds it taken and does nothing); returns its status."""
    claimed = CurationTask.objects.filter(pk=task_id, status=CurationTask.Status.QUEUED).update(
        status=CurationTask.Status.RUNNING, started_at=timezone.now(), progress_text="started"
    )
    task = CurationTask.objects.select_related("problem").filter(pk=task_id).first()
    if not claimed or task is None:
        return task.status if task is not None else "missing"

    def progress(share: float, text: str) -> None:
        CurationTask.objects.filter(pk=task_id).update(progress=max(0.0, min(1.0, share)), progress_text=text[:200])

    try:
        ok, result = RUNNERS[task.kind](task.problem, progress)
    except Exception as exc:  # curator code (generators, references) or the judge: shown, not lost
        logger.exception("curation task %s (%s %s) failed", task_id, task.kind, task.problem.code)
        ok, result = False, f"{type(exc).__name__}: {exc}"
    status = CurationTask.Status.DONE if ok else CurationTask.Status.FAILED
    CurationTask.objects.filter(pk=task_id).update(
        status=status, result=result[:RESULT_CHARS], progress=1.0, progress_text="finished", finished_at=timezone.now()
    )
    return str(status)


def _validate(problem: Problem, progress: Progress) -> tuple[bool, str]:
    report = problem_validate(problem=problem, seeds=2, on_progress=progress)
    if report.failures:
        problem_publish(problem=problem, public=False)
        return False, "Rejected and unpublished:\n" + "\n".join(f"- {failure}" for failure in report.failures)
    return True, (
        f"ok: {report.cases} cases, {report.references} references, slowest/fastest {report.ratio:.1f}x"
        if report.ratio
        else f"ok: {report.cases} cases, {report.references} references"
    )


def _scale(problem: Problem, progress: Progress) -> tuple[bool, str]:
    report = problem_scale(problem=problem, on_progress=progress)
    lines = [f"scale {report.scale or '—'} ({report.stopped_because})"]
    if report.separation is not None:
        lines.append(f"smallest ratio between neighbouring references: {report.separation:.2f}x")
    for step in report.steps:
        costs = ", ".join(f"{label} {cost:.4g}" for label, cost in step.costs.items())
        lines.append(f"- scale {step.scale}: {step.failure or costs or 'not measured'}")
    return bool(report.scale), "\n".join(lines)


def _calibrate(problem: Problem, progress: Progress) -> tuple[bool, str]:
    report = problem_calibrate(problem=problem, on_progress=progress)
    waited = pending_scores_announce(problem)
    lines = [f"on {report.host}:"]
    lines += [
        f"- {row['reference']}: {row['cost']:.4g} {row['unit']} (cluster {row['cluster']})" for row in report.rows
    ]
    lines += [f"- failed: {failure}" for failure in report.failures]
    if waited:
        lines.append(f"{waited} submission(s) waiting for it got their scores")
    return not report.failures, "\n".join(lines)


def _publish(problem: Problem, progress: Progress) -> tuple[bool, str]:
    outcome = problem_publish(problem=problem, public=True, on_progress=progress)
    if outcome.failures:
        return False, "Not published, validation failed:\n" + "\n".join(f"- {f}" for f in outcome.failures)
    return True, "published" if outcome.changed else "already published"


RUNNERS: dict[str, Callable[[Problem, Progress], tuple[bool, str]]] = {
    CurationTask.Kind.VALIDATE: _validate,
    CurationTask.Kind.SCALE: _scale,
    CurationTask.Kind.CALIBRATE: _calibrate,
    CurationTask.Kind.PUBLISH: _publish,
}
