"""Creating submissions and handing them to the judge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from arena.errors import AppError
from arena.models import Campaign, Participant, Problem, Submission, SubmissionCase
from arena.services.languages import language_resolve, problem_language_check


@dataclass(frozen=True)
class SubmissionDraft:
    """One submission of a batch, before it is validated and stored."""

    problem: Problem
    language: str
    source: str


def submission_create(
    *, participant: Participant, problem: Problem, language: str, source: str, campaign: Campaign | None = None
) -> Submission:
    """Validate and store a submission, then queue it for judging once the row is committed."""
    (submission,) = submissions_create(
        participant=participant, drafts=[SubmissionDraft(problem, language, source)], campaign=campaign
    )
    return submission


@transaction.atomic
def submissions_create(
    *, participant: Participant, drafts: Sequence[SubmissionDraft], campaign: Campaign | None = None
) -> list[Submission]:
    """Store a batch all or nothing: every draft must be valid and the queue cap must have room
    for all of them. Each is queued for judging once the rows are committed."""
    languages = []
    for index, draft in enumerate(drafts):
        try:
            languages.append(draft_language_check(draft))
        except AppError as exc:
            raise exc.for_item(index) if len(drafts) > 1 or campaign is not None else exc from None
    _queue_room_check(participant=participant, wanted=len(drafts))
    cases_total: dict[int, int] = {}
    created = []
    for draft, language_key in zip(drafts, languages, strict=True):
        if draft.problem.pk not in cases_total:
            cases_total[draft.problem.pk] = draft.problem.cases.exclude(kind="performance").count()
        submission = Submission.objects.create(
            participant=participant,
            problem=draft.problem,
            language=language_key,
            source=draft.source,
            cases_total=cases_total[draft.problem.pk],
            campaign=campaign,
        )
        submission_enqueue(submission_id=submission.pk)
        created.append(submission)
    return created


def draft_language_check(draft: SubmissionDraft) -> str:
    """The draft's language key, once the problem is known to offer it and its source passes the
    size and content rules."""
    language_key = language_resolve(draft.language)
    problem_language_check(draft.problem, language_key)
    source = draft.source
    if not isinstance(source, str) or not source.strip():
        raise AppError("empty_source", "The source code is empty.")
    size = len(source.encode("utf-8", errors="replace"))
    if size > settings.SUBMISSION_MAX_BYTES:
        raise AppError(
            "source_too_large",
            f"The source is {size} bytes; the limit is {settings.SUBMISSION_MAX_BYTES} bytes.",
            status=413,
        )
    if "\x00" in source:
        raise AppError("invalid_source", "The source contains a NUL byte.")
    return language_key


def _queue_room_check(*, participant: Participant, wanted: int) -> None:
    """Refuse ``wanted`` more submissions if they would put the participant over the queue cap.

    Campaign samples count like any other: they wait for the same judges.
    """
    # Counting and then inserting races: two requests can both count 19 waiting and both insert.
    # Locking the participant's row makes its submits take turns until the caller's transaction
    # commits (on PostgreSQL; SQLite's IMMEDIATE transactions already let one writer in at a time).
    Participant.objects.select_for_update().only("pk").get(pk=participant.pk)
    waiting = Submission.objects.filter(
        participant=participant,
        status__in=[Submission.Status.QUEUED, Submission.Status.PROCESSING, Submission.Status.GRADING],
    ).count()
    cap = settings.JUDGE_MAX_QUEUED_PER_PARTICIPANT
    room = max(0, cap - waiting)
    if wanted > room:
        raise AppError(
            "queue_full",
            f"You have {waiting} submissions waiting for a verdict and the limit is {cap}, so {room} more "
            f"may be sent now; this request has {wanted}. Send again when some have been judged.",
            status=429,
        )


def submission_enqueue(*, submission_id: int) -> None:
    from arena.dispatch import enqueue
    from arena.events import submission_event

    submission_event(submission_id, "queued")
    transaction.on_commit(lambda: enqueue(submission_id))


@transaction.atomic
def submission_rejudge(*, submission: Submission) -> bool:
    """Put a finished submission back in the queue. Returns False if it is being judged now."""
    measured = Submission.objects.filter(id=submission.pk, cost__isnull=False).values_list(
        "judge_host", "cost_meter", "cost_environment"
    )
    pool = next(iter(measured), None)
    updated = Submission.objects.filter(id=submission.pk, status=Submission.Status.DONE).update(
        status=Submission.Status.QUEUED,
        verdict="",
        message="",
        cases_done=0,
        time_ms=None,
        memory_kb=None,
        cost=None,
        beyond=None,
        dps=None,
        dps_norm=None,
        es=None,
        attempts=0,
    )
    if not updated:
        return False
    SubmissionCase.objects.filter(submission_id=submission.pk).delete()
    from arena.services.rescoring import Pool, problem_rescore
    from arena.services.standings import standing_update

    if pool is not None:  # its cost leaves the problem's pool until it is measured again
        problem_rescore(problem_id=submission.problem_id, pool=Pool(*pool))

    standing_update(participant_id=submission.participant_id, problem_id=submission.problem_id)
    submission_enqueue(submission_id=submission.pk)
    return True
