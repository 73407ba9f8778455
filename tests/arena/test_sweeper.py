"""A crashed worker leaves nothing stuck: the sweeper re-queues or finishes every submission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from arena.models import Participant, Problem, Submission
from arena.services.judging import submissions_requeue_stuck
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


def stuck(problem: Problem, participant: Participant, *, attempts: int) -> Submission:
    long_ago = timezone.now() - dt.timedelta(hours=1)
    return Submission.objects.create(
        participant=participant,
        problem=problem,
        language="PY3",
        source=TWO_SUM_OK,
        status=Submission.Status.PROCESSING,
        judging_started_at=long_ago,
        created_at=long_ago,
        attempts=attempts,
    )


def test_a_submission_abandoned_by_a_dead_worker_is_judged_again(two_sum: Problem, contestant: Participant) -> None:
    submission = stuck(two_sum, contestant, attempts=1)
    assert submissions_requeue_stuck() == [submission.pk]
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE and submission.verdict == "AC"


def test_after_too_many_lost_attempts_it_ends_as_internal_error(two_sum: Problem, contestant: Participant) -> None:
    submission = stuck(two_sum, contestant, attempts=3)
    assert submissions_requeue_stuck() == []
    submission.refresh_from_db()
    assert submission.verdict == "IE" and submission.status == Submission.Status.DONE


def test_recent_work_is_left_alone(two_sum: Problem, contestant: Participant) -> None:
    submission = stuck(two_sum, contestant, attempts=1)
    Submission.objects.filter(id=submission.pk).update(judging_started_at=timezone.now())
    assert submissions_requeue_stuck() == []


def test_two_workers_cannot_judge_the_same_submission(two_sum: Problem, contestant: Participant) -> None:
    from arena.services.judging import submission_judge

    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    assert submission_judge(submission_id=submission.pk) == "AC"
    assert submission_judge(submission_id=submission.pk) is None


def test_a_broken_sandbox_is_retried_then_reported_as_internal_error(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from arena.services.submissions import submission_create

    monkeypatch.setenv("NSJAIL_BIN", "/nonexistent/nsjail")
    submission = submission_create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    submission.refresh_from_db()
    assert submission.verdict == "IE" and submission.status == Submission.Status.DONE
    assert submission.attempts == 3
    assert any(record.levelname == "CRITICAL" for record in caplog.records)
