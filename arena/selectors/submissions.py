from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from arena.models import Participant, Submission


def submission_state(submission: Submission) -> dict[str, Any]:
    """The full current state of a submission, as the live page and the API show it."""
    cases = [case.as_event() for case in submission.cases.all()]
    return {
        "type": "state",
        "submission": submission.pk,
        "problem": submission.problem.code,
        "status": submission.status,
        "verdict": submission.verdict,
        "message": submission.message,
        "done": submission.cases_done,
        "total": submission.cases_total,
        "time_ms": submission.time_ms,
        "memory_kb": submission.memory_kb,
        "cost": submission.cost,
        "cost_unit": submission.cost_unit,
        # Measured, but the references' calibration is still running: the scores follow live.
        "scores_pending": bool((submission.cost_detail or {}).get("scores_pending")),
        "scores": {
            "beyond": submission.beyond,
            "dps": submission.dps,
            "dps_norm": submission.dps_norm,
            "es": submission.es,
        },
        "passed": sum(1 for case in cases if case.get("verdict") == "AC"),
        "cases": cases,
    }


def submission_list(*, participant: Participant | None = None, problem_code: str = "") -> QuerySet[Submission]:
    submissions = Submission.objects.select_related("problem", "participant").defer("source")
    if participant is not None:
        submissions = submissions.filter(participant=participant)
    if problem_code:
        submissions = submissions.filter(problem__code=problem_code)
    return submissions.order_by("-id")


def access_submission(user: AbstractBaseUser | AnonymousUser, submission_id: int) -> Submission | None:
    """A submission's source and case details are visible to its author and to staff only."""
    submission = Submission.objects.select_related("problem", "participant__user").filter(id=submission_id).first()
    if submission is None:
        return None
    if getattr(user, "is_staff", False) or (user.is_authenticated and submission.participant.user_id == user.pk):
        return submission
    return None
