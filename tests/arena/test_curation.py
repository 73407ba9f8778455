"""Curation commands: validate rejects bad problems, scale finds performance inputs, calibrate clusters."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Participant, Problem, ReferenceCost, ReferenceSolution, Submission
from arena.services.curation import ScaleBounds, problem_scale, problem_validate
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


def test_validate_passes_a_good_problem_and_prints_the_table(two_sum: Problem) -> None:
    out = StringIO()
    call_command("validate", "two-sum", "--seeds", "1", stdout=out)
    text = out.getvalue()
    assert "two-sum" in text and "slow/fast" in text and "ok" in text
    assert "REJECTED" not in text


def test_validate_rejects_a_problem_whose_reference_disagrees(two_sum: Problem) -> None:
    ReferenceSolution.objects.create(
        problem=two_sum,
        label="off by one",
        source="class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]\n",
    )
    report = problem_validate(problem=two_sum, seeds=1, measure=False)
    assert any(failure.startswith("off by one: WA") for failure in report.failures)
    with pytest.raises(CommandError, match="two-sum"):
        call_command("validate", "two-sum", "--seeds", "1", "--no-measure", stdout=StringIO())
    two_sum.refresh_from_db()
    assert two_sum.is_public is False


def test_validate_catches_a_sample_that_disagrees_with_the_canonical(two_sum: Problem) -> None:
    sample = two_sum.sample_cases().first()
    assert sample is not None
    sample.expected = [9, 9]
    sample.save()
    report = problem_validate(problem=two_sum, seeds=0, measure=False)
    assert any("sample" in failure for failure in report.failures)


def test_scale_doubles_until_a_bound_and_stores_performance_inputs(two_sum: Problem) -> None:
    report = problem_scale(problem=two_sum, bounds=ScaleBounds(slowest_s=0.3), start=1, perf_count=1)
    scales = [step.scale for step in report.steps]
    assert scales[:3] == [1, 2, 4]
    assert report.scale == scales[-2]
    assert "slowest measurement" in report.stopped_because
    chosen = report.chosen()
    assert chosen is not None and set(chosen.costs) == {r.label for r in two_sum.references.all()}
    assert report.separation is not None and report.separation > 1.3, "all pairs, a hash map and a scan differ"
    two_sum.refresh_from_db()
    assert two_sum.perf_scale == report.scale
    perf = two_sum.cases.filter(kind="performance")
    assert perf.count() == 1
    assert len(perf.get().input[0]) == 2 * report.scale


def test_calibrate_stores_costs_and_clusters_for_this_host(two_sum: Problem) -> None:
    out = StringIO()
    call_command("calibrate", "two-sum", "--repeats", "1", stdout=out)
    costs = list(ReferenceCost.objects.filter(reference__problem=two_sum).order_by("-cost"))
    assert len(costs) == 3
    assert costs[0].cluster == 0 and costs[-1].cumulative_share == 1.0
    assert "cum. share" in out.getvalue()


def test_publish_unpublish_and_rejudge(two_sum: Problem, contestant: Participant) -> None:
    call_command("unpublish", "two-sum", stdout=StringIO())
    assert Problem.objects.get(code="two-sum").is_public is False
    call_command("publish", "two-sum", stdout=StringIO())
    assert Problem.objects.get(code="two-sum").is_public is True
    submission = Submission.objects.create(
        participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK, status="D", verdict="WA"
    )
    out = StringIO()
    call_command("rejudge", "--problem", "two-sum", stdout=out)
    assert "1 submission" in out.getvalue()
    submission.refresh_from_db()
    assert submission.verdict == "AC"
    with pytest.raises(CommandError):
        call_command("rejudge", stdout=StringIO())
