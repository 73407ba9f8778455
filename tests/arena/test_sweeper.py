"""A crashed worker leaves nothing stuck: the sweeper re-queues or finishes every submission, a
judge presumed dead can no longer write, and a queued submission without a message is sent again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F
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


def test_a_long_judging_with_a_live_heartbeat_is_left_alone(two_sum: Problem, contestant: Participant) -> None:
    submission = stuck(two_sum, contestant, attempts=1)  # started an hour ago...
    Submission.objects.filter(id=submission.pk).update(heartbeat_at=timezone.now())  # ...and still beating
    assert submissions_requeue_stuck() == []


def test_a_stopped_heartbeat_is_noticed_within_the_stale_bound(
    two_sum: Problem, contestant: Participant, settings: Any
) -> None:
    submission = stuck(two_sum, contestant, attempts=1)
    beat = timezone.now() - dt.timedelta(seconds=settings.JUDGE_HEARTBEAT_STALE_S - 5)
    Submission.objects.filter(id=submission.pk).update(heartbeat_at=beat)
    assert submissions_requeue_stuck() == []
    Submission.objects.filter(id=submission.pk).update(heartbeat_at=beat - dt.timedelta(seconds=10))
    assert submissions_requeue_stuck() == [submission.pk]
    submission.refresh_from_db()
    assert submission.verdict == "AC" and submission.attempts == 2


def test_a_judge_that_was_replaced_writes_nothing(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweeper gave the submission to another judge while this one was still running (its
    heartbeat could not reach the database): none of its writes land, and it reports no failure."""
    from arena.services import judging

    real_judge_job = judging.judge_job

    def replaced_midway(job: Any, *, on_case: Any) -> Any:
        def takeover_then_report(outcome: Any) -> None:
            Submission.objects.filter(id=submission.pk).update(attempts=F("attempts") + 1)  # another claim
            on_case(outcome)

        return real_judge_job(job, on_case=takeover_then_report)

    monkeypatch.setattr(judging, "judge_job", replaced_midway)
    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    assert judging.submission_judge(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSING and submission.verdict == ""
    assert not submission.cases.exists()


def test_a_failure_reported_by_a_replaced_judge_leaves_the_new_claim_alone(
    two_sum: Problem, contestant: Participant
) -> None:
    from arena.services.judging import submission_fail

    submission = stuck(two_sum, contestant, attempts=2)
    submission_fail(submission_id=submission.pk, error="old judge", retry=True, attempt=1)
    submission_fail(submission_id=submission.pk, error="old judge", retry=False, attempt=1)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSING and submission.verdict == ""


def test_a_queued_submission_without_a_message_in_the_broker_is_sent_again(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """With an inspectable broker the grace period, not the 10-minute fallback, applies; one that
    has its message waits its turn."""
    from arena import dispatch

    sent: list[int] = []
    a_while_ago = timezone.now() - dt.timedelta(seconds=settings.JUDGE_DISPATCH_GRACE_S + 1)
    waiting, lost, fresh = (
        Submission.objects.create(
            participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK, created_at=created
        )
        for created in (a_while_ago, a_while_ago, timezone.now())
    )
    monkeypatch.setattr(dispatch, "broker_pending_ids", lambda: {waiting.pk})
    monkeypatch.setattr(dispatch, "enqueue", sent.append)
    assert submissions_requeue_stuck() == [lost.pk]
    assert sent == [lost.pk] and fresh.pk not in sent


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


def test_the_public_feed_never_names_an_unpublished_problem(
    two_sum: Problem, contestant: Participant, model_account: Participant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arena import events
    from arena.models import Campaign
    from arena.services.judging import submission_judge

    published: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(events, "_publish", lambda group, payload: published.append((group, payload)))

    def judged(participant: Participant, **extra: Any) -> None:
        submission = Submission.objects.create(
            participant=participant, problem=two_sum, language="PY3", source=TWO_SUM_OK, **extra
        )
        assert submission_judge(submission_id=submission.pk) == "AC"

    judged(contestant)
    assert [p["problem"] for group, p in published if group == events.LEADERBOARD_GROUP] == ["two-sum"]

    published.clear()
    Problem.objects.filter(id=two_sum.pk).update(published_at=timezone.now() + dt.timedelta(days=7))
    judged(contestant)
    Problem.objects.filter(id=two_sum.pk).update(published_at=timezone.now(), is_public=False)
    judged(contestant)
    Problem.objects.filter(id=two_sum.pk).update(is_public=True)
    judged(model_account, campaign=Campaign.objects.create(participant=model_account, name="c", k=5))
    assert [group for group, _ in published if group == events.LEADERBOARD_GROUP] == []
    assert published, "the submitter's own stream still gets its events"
