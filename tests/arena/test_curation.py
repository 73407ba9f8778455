"""Curation commands: validate rejects bad problems, scale finds performance inputs, calibrate clusters."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

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


def test_validate_rejects_a_performance_input_an_offered_language_cannot_hold(two_sum: Problem) -> None:
    # Python and the 64-bit languages hold 2^60; JavaScript's numbers stop at 2^53. Two Sum has no
    # JavaScript references, so only this check stands between the input and a JS submission's IE.
    big = 2**60
    two_sum.cases.create(ordinal=900, kind="performance", input=[[big, 1, 2], big + 1], expected=[0, 1])
    report = problem_validate(problem=two_sum, seeds=0, measure=False)
    findings = [failure for failure in report.failures if "cannot hold" in failure]
    assert len(findings) == 1, report.failures
    assert findings[0].startswith(f"JavaScript (Node.js) cannot hold performance case 900: nums: {big} is beyond")


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


def test_scale_stops_at_the_size_budget_of_one_input(two_sum: Problem) -> None:
    bounds = ScaleBounds(canonical_s=600, slowest_s=600, case_bytes=4000)
    report = problem_scale(problem=two_sum, bounds=bounds, start=8, perf_count=1, store=False, draws=2)
    assert "MB" in report.stopped_because, report.stopped_because
    chosen = report.chosen()
    assert chosen is not None and 0 < chosen.case_bytes <= 4000
    assert report.steps[-1].case_bytes > 4000 and not report.steps[-1].costs, "a step past the size is not measured"


SOMETIMES_HEAVY = """
def generate(rng, scale):
    n = max(2, scale * (16 if rng.random() < {heavy_share} else 1))
    values = [2 * x for x in rng.sample(range(-(10**8), 10**8), n)]
    values[-2] += 1
    return [values, values[-2] + values[-1]]
"""


def _all_pairs_cost(two_sum: Problem, heavy_share: float, draws: int) -> tuple[float, list[float]]:
    two_sum.generator_source = SOMETIMES_HEAVY.format(heavy_share=heavy_share)
    two_sum.save(update_fields=["generator_source"])
    bounds = ScaleBounds(canonical_s=600, slowest_s=600)
    report = problem_scale(
        problem=two_sum, bounds=bounds, start=100, max_steps=0, draws=draws, seed=7, store=False, perf_count=1
    )
    chosen = report.chosen()
    assert chosen is not None and not chosen.failure, report.stopped_because
    return chosen.costs["O(n^2) all pairs"], chosen.draw_cpu_ms


@override_settings(JUDGE_PERF_SECRET="a" * 40)  # under which this deployment's own draw is a light one
def test_scale_measures_the_heaviest_of_several_draws(two_sum: Problem) -> None:
    """Each deployment draws its own inputs: the scale must hold for a heavy draw, not a lucky one."""
    assert two_sum.perf_generation == 1
    light, _ = _all_pairs_cost(two_sum, 0.0, draws=1)
    heavy, _ = _all_pairs_cost(two_sum, 1.0, draws=1)
    measured, weights = _all_pairs_cost(two_sum, 0.5, draws=8)
    assert heavy > 20 * light, "a 16x longer input costs the all-pairs reference about 256x more"
    assert len(weights) == 8 and weights[0] < max(weights) / 10, "this deployment's draw is light, another heavy"
    assert measured > heavy / 3, f"measured {measured} on the heaviest draw; heavy {heavy}, light {light}"


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
