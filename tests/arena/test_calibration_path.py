"""Calibration is never on a contestant's path: a submission that meets a missing calibration
gets its verdict and cost at once, the references are measured in the background (requested
once), and its scores follow live when the calibration lands."""

from __future__ import annotations

from typing import Any

import pytest

from arena.models import Participant, Problem, ReferenceCost, Submission
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_missing_calibration_delays_only_the_scores(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from arena import dispatch, events
    from arena.services.curation import problem_calibrate_and_announce
    from arena.services.judging import submission_judge

    settings.JUDGE_EAGER = False  # judged as a worker would: calibration goes to the background
    requested: list[int] = []
    published: list[dict[str, Any]] = []
    monkeypatch.setattr(dispatch, "calibrate_later", requested.append)
    monkeypatch.setattr(events, "_publish", lambda group, payload: published.append(payload))
    assert not ReferenceCost.objects.filter(reference__problem=two_sum).exists()

    first, second = (
        Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
        for _ in range(2)
    )
    assert submission_judge(submission_id=first.pk) == "AC"
    assert submission_judge(submission_id=second.pk) == "AC"
    assert requested == [two_sum.pk], "requested once, not once per submission"
    assert not ReferenceCost.objects.filter(reference__problem=two_sum).exists(), "nobody waited for it"

    first.refresh_from_db()
    assert first.status == Submission.Status.DONE and first.verdict == "AC" and first.cost is not None
    assert first.es is None and first.cost_detail.get("scores_pending") is True
    begin = next(p for p in published if p["type"] == "efficiency-begin" and p["submission"] == first.pk)
    assert begin["verdict"] == "AC", "the verdict is shown before the measurement"
    pending = next(p for p in published if p["type"] == "efficiency" and p["submission"] == first.pk)
    assert pending["scores_pending"] is True

    published.clear()
    assert problem_calibrate_and_announce(problem_id=two_sum.pk) == 2
    first.refresh_from_db()
    assert first.es is not None and first.beyond is not None and "scores_pending" not in first.cost_detail
    live = [p for p in published if p["type"] == "efficiency" and p["submission"] == first.pk]
    assert live and live[-1]["scores_pending"] is False and live[-1]["scores"]["es"] == first.es
