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


def test_a_calibration_that_lands_during_the_measurement_still_gives_the_scores(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """It announces the waiting submissions it can see; this one is stored only after it."""
    from arena import dispatch
    from arena.services import judging
    from arena.services.curation import problem_calibrate_and_announce
    from arena.services.judging import submission_judge

    settings.JUDGE_EAGER = False
    monkeypatch.setattr(dispatch, "calibrate_later", lambda problem_id: None)
    measure = judging.measure_cost

    def calibration_lands_meanwhile(*args: Any, **kwargs: Any) -> Any:
        assert problem_calibrate_and_announce(problem_id=two_sum.pk) == 0, "nothing stored to announce yet"
        return measure(*args, **kwargs)

    monkeypatch.setattr(judging, "measure_cost", calibration_lands_meanwhile)
    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    assert submission_judge(submission_id=submission.pk) == "AC"
    submission.refresh_from_db()
    assert "scores_pending" not in submission.cost_detail and submission.es is not None


def test_remeasure_measures_every_accepted_submission_again_and_keeps_verdicts(
    two_sum: Problem, contestant: Participant, settings: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from arena.services.submissions import submission_create
    from tests.sources import TWO_SUM_WRONG

    accepted = submission_create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    wrong = submission_create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_WRONG)
    Submission.objects.filter(id=accepted.pk).update(cost=123456.0, cost_meter="old-meter", es=0.5)
    out = StringIO()
    call_command("remeasure", stdout=out)
    accepted.refresh_from_db()
    wrong.refresh_from_db()
    assert accepted.verdict == "AC" and accepted.cost_meter == settings.JUDGE_METER and accepted.cost != 123456.0
    assert accepted.es is not None and wrong.verdict == "WA" and wrong.cost is None
    text = out.getvalue()
    assert "re-measure" in text and "two-sum" in text and "standings rebuilt" in text


def test_two_judge_hosts_share_one_calibration_and_give_the_same_numbers_with_a_deterministic_meter(
    two_sum: Problem, contestant: Participant, rival: Participant, settings: Any
) -> None:
    """Counts do not depend on the host: calibrations and pools are shared by fingerprint."""
    from arena.services.calibration import SHARED_HOST
    from arena.services.judging import submission_judge
    from judge.meters import judging_meter_check
    from judge.meters.registry import MeterRefused

    try:
        judging_meter_check("valgrind")
    except MeterRefused as refused:  # until the meter is tamper-proof for submissions
        pytest.skip(str(refused))
    settings.JUDGE_METER = "valgrind"
    judged = []
    for host, participant in (("judge-a", contestant), ("judge-b", rival)):
        settings.JUDGE_HOST = host
        submission = Submission.objects.create(
            participant=participant, problem=two_sum, language="PY3", source=TWO_SUM_OK
        )
        assert submission_judge(submission_id=submission.pk) == "AC"
        judged.append(submission)
    costs = ReferenceCost.objects.filter(reference__problem=two_sum)
    assert set(costs.values_list("host", flat=True)) == {SHARED_HOST}
    assert costs.count() == two_sum.references.count(), "calibrated once, for both hosts"
    first, second = (Submission.objects.get(id=s.pk) for s in judged)
    assert first.cost == second.cost and first.cost_meter == "valgrind"
    assert (first.beyond, first.dps, first.es) == (second.beyond, second.dps, second.es)


# Solves each input like the all-pairs reference, eight times over: correct, and far slower than
# every reference on the performance inputs.
TWO_SUM_EIGHT_TIMES_BRUTE = """
class Solution:
    def twoSum(self, nums, target):
        answer = []
        for _ in range(8):
            answer = self.once(nums, target)
        return answer

    def once(self, nums, target):
        n = len(nums)
        for i in range(n):
            for j in range(i + 1, n):
                if nums[i] + nums[j] == target:
                    return [i, j]
        return []
"""


def test_a_program_over_the_budget_is_stopped_and_scored_slower_than_every_reference(
    two_sum: Problem, contestant: Participant, settings: Any
) -> None:
    from arena.services.calibration import cost_budget
    from arena.services.curation import problem_calibrate
    from arena.services.submissions import submission_create
    from judge.meters import get_meter

    settings.JUDGE_METER = "valgrind"
    problem_calibrate(problem=two_sum)
    budget = cost_budget(two_sum, meter=get_meter("valgrind"))
    slowest = max(
        ReferenceCost.objects.filter(reference__problem=two_sum, meter="valgrind").values_list("cost", flat=True)
    )
    assert budget == 3 * slowest

    slow = submission_create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_EIGHT_TIMES_BRUTE)
    fast = submission_create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert slow.verdict == "AC", "over the budget is slow, not wrong"
    assert slow.cost_detail["over_budget"] is True and slow.cost_detail["budget"] == round(budget, 3)
    assert slow.cost is not None and slow.cost >= budget
    assert (slow.beyond, slow.dps, slow.dps_norm) == (0.0, 0.0, 0.0)
    assert fast.es is not None and slow.es is not None and slow.es < fast.es
    assert slow.es == 1 / 5, "only itself is at least as slow: 3 references, 2 submissions"
    assert "over_budget" not in fast.cost_detail


def test_a_calibration_request_that_fails_leaves_the_scores_pending(
    two_sum: Problem, contestant: Participant, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from arena.services import calibration
    from arena.services.judging import submission_judge

    settings.JUDGE_EAGER = False

    def cache_down(problem: Problem) -> bool:
        raise ConnectionError("cache unavailable")

    monkeypatch.setattr(calibration, "calibration_request", cache_down)
    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    assert submission_judge(submission_id=submission.pk) == "AC"
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DONE and submission.cost is not None
    assert submission.cost_detail.get("scores_pending") is True and submission.es is None
