"""The cost-distribution chart: what plotly is given to draw, checked on the figure's JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest

from arena.models import Campaign, Participant, Problem, ReferenceCost, ReferenceSolution, Submission
from arena.selectors.plots import CostPool, LiveCost, cost_distribution, cost_pool, submission_cost_distribution

pytestmark = pytest.mark.django_db

HOST = "judge-1"
ENVIRONMENT = "valgrind/cachegrind:x86_64:abc123"
POOL = CostPool(host=HOST, meter="valgrind", environment=ENVIRONMENT)
# Accepted costs over three decades, as a quadratic solution next to a linear one would spread.
ACCEPTED_IR = [1.2e6, 1.5e6, 2e6, 2.1e6, 2.2e6, 9e6, 4.12e7, 4.3e7, 5e8, 9.9e8]
REFERENCES_IR = {"linear": 1.1e6, "sort": 4.12e7, "quadratic": 8e8}


@pytest.fixture
def problem(db: None) -> Problem:
    return Problem.objects.create(
        code="plot-me", title="Plot me", statement="x", difficulty="easy", points=1,
        signature={"style": "function", "name": "f", "params": []},
        published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def reference(problem: Problem, label: str, cost: float, **fields: Any) -> ReferenceCost:
    solution = ReferenceSolution.objects.create(problem=problem, label=label, source="")
    values = {"host": HOST, "meter": "valgrind", "unit": "Ir", "environment": ENVIRONMENT, **fields}
    return ReferenceCost.objects.create(reference=solution, cost=cost, **values)


def accepted(problem: Problem, participant: Participant, cost: float | None, **fields: Any) -> Submission:
    values = {
        "status": Submission.Status.DONE, "verdict": Submission.Verdict.AC, "judge_host": HOST,
        "cost_meter": "valgrind", "cost_unit": "Ir", "cost_environment": ENVIRONMENT, **fields,
    }  # fmt: skip
    values.setdefault("language", "PY3")
    return Submission.objects.create(participant=participant, problem=problem, source="", cost=cost, **values)


@pytest.fixture
def pool(problem: Problem, contestant: Participant) -> Problem:
    for label, cost in REFERENCES_IR.items():
        reference(problem, label, cost)
    for cost in ACCEPTED_IR:
        accepted(problem, contestant, cost)
    return problem


def figure(problem: Problem, *, pool: CostPool | None = POOL, highlight: float | None = None) -> dict[str, Any]:
    drawn = cost_distribution(problem=problem, pool=pool, highlight=highlight, highlight_unit="Ir")
    assert drawn is not None
    return dict(json.loads(drawn))


def trace(fig: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [t for t in fig["data"] if t.get("name", "").startswith(name)]
    return dict(found)


def test_accepted_costs_are_counted_in_bins_evenly_spaced_in_log_space(pool: Problem) -> None:
    fig = figure(pool)
    bars = trace(fig, "accepted solutions")
    assert bars["type"] == "bar" and bars["offset"] == 0
    lefts, widths, counts = bars["x"], bars["width"], bars["y"]
    rights = [left + width for left, width in zip(lefts, widths)]
    decades = {round(math.log10(r / left), 9) for left, r in zip(lefts, rights)}
    assert len(decades) == 1, "every bin spans the same ratio: even steps on the log axis"
    assert sum(counts) == len(ACCEPTED_IR) and all(n > 0 for n in counts)
    for cost in ACCEPTED_IR:
        (bin_,) = [i for i, (left, right) in enumerate(zip(lefts, rights)) if left <= cost < right]
        assert counts[bin_] >= 1
    # Clusters a decade apart land in bins of their own: 7 linear bins over the same range would
    # lump every cost below 1.4e8 into the first one and leave 3 bins in use.
    assert len(lefts) == 4


def test_the_axes_are_a_log_cost_axis_in_the_meters_unit_and_counts_from_zero(pool: Problem) -> None:
    fig = figure(pool, highlight=4.12e7)
    xaxis, yaxis = fig["layout"]["xaxis"], fig["layout"]["yaxis"]
    assert xaxis["type"] == "log" and xaxis["title"]["text"] == "instructions executed, log scale"
    assert xaxis["exponentformat"] == "SI"  # ticks read 10M, 100M, 1G like the page's "41.2 M"
    low, high = xaxis["range"]  # log10 units on a log axis
    every_cost = [*ACCEPTED_IR, *REFERENCES_IR.values()]
    assert 10**low < min(every_cost) and max(every_cost) < 10**high
    assert yaxis["rangemode"] == "tozero" and yaxis["range"][0] == 0 and yaxis["range"][1] > 0
    assert yaxis["tickformat"] == "d" and yaxis["dtick"] >= 1
    for t in fig["data"]:
        assert all(y is None or y >= 0 for y in t["y"]), t["name"]


def test_references_are_labelled_marks_at_their_costs(pool: Problem) -> None:
    fig = figure(pool)
    marks = trace(fig, "reference solutions")
    assert sorted(marks["x"]) == sorted(REFERENCES_IR.values())
    assert dict(zip(marks["text"], marks["x"])) == REFERENCES_IR
    assert "reference “sort”: 41.2 M instructions" in marks["hovertext"]
    lines = trace(fig, "reference lines")
    assert [x for x in lines["x"] if x is not None] == [c for c in sorted(REFERENCES_IR.values()) for _ in (0, 1)]


def test_this_submission_is_marked_at_its_own_cost_in_its_unit(pool: Problem) -> None:
    fig = figure(pool, highlight=4.12e7)
    mark = trace(fig, "this submission")
    assert mark["x"] == [4.12e7, 4.12e7] and mark["y"][0] == 0 and mark["y"][1] > 0
    assert mark["name"] == "this submission: 41.2 M instructions"
    # Shapes on a log axis take log10 coordinates: a vline at the raw cost is drawn at 10^cost.
    assert not fig["layout"].get("shapes")


def test_only_comparable_costs_are_put_together(
    pool: Problem, contestant: Participant, model_account: Participant
) -> None:
    reference(pool, "other host", 5e6, host="judge-2")
    reference(pool, "cpu", 12.0, meter="cpu", unit="ms")
    accepted(pool, contestant, 3e6, judge_host="judge-2")
    accepted(pool, contestant, 3e6, cost_meter="cpu", cost_unit="ms")
    accepted(pool, contestant, 3e6, cost_environment="valgrind/cachegrind:x86_64:older")
    accepted(pool, contestant, 3e6, verdict=Submission.Verdict.TLE)
    campaign = Campaign.objects.create(participant=model_account, name="sweep", k=1)
    accepted(pool, model_account, 3e6, campaign=campaign)
    fig = figure(pool)
    assert sum(trace(fig, "accepted solutions")["y"]) == len(ACCEPTED_IR)
    assert sorted(trace(fig, "reference solutions")["x"]) == sorted(REFERENCES_IR.values())


def test_cpu_costs_read_in_milliseconds(problem: Problem, contestant: Participant) -> None:
    reference(problem, "canonical", 12.34, meter="cpu", unit="ms", environment="cpu/min")
    accepted(problem, contestant, 15.0, cost_meter="cpu", cost_unit="ms", cost_environment="cpu/min")
    fig = figure(problem, pool=CostPool(host=HOST, meter="cpu", environment="cpu/min"), highlight=15.0)
    assert fig["layout"]["xaxis"]["title"]["text"] == "CPU time (ms), log scale"
    assert trace(fig, "this submission")["name"] == "this submission: 15.0 ms"
    assert "reference “canonical”: 12.3 ms" in trace(fig, "reference solutions")["hovertext"]


def test_a_cost_of_zero_is_left_off_the_log_axis_and_said_so(pool: Problem, contestant: Participant) -> None:
    accepted(pool, contestant, 0.0)
    fig = figure(pool)
    assert sum(trace(fig, "accepted solutions")["y"]) == len(ACCEPTED_IR)
    assert "1 cost(s) of 0" in fig["layout"]["annotations"][0]["text"]


def test_the_problem_page_uses_the_pool_of_the_latest_calibration(problem: Problem) -> None:
    assert cost_pool(problem=problem, host=HOST) is None
    assert cost_distribution(problem=problem, pool=None) is None
    reference(problem, "old", 10.0, meter="cpu", unit="ms", environment="cpu/min",
              measured_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    reference(problem, "new", 4e7)
    assert cost_pool(problem=problem, host=HOST) == POOL
    assert cost_pool(problem=problem, host="judge-2") is None


def test_a_submission_is_marked_at_its_stored_cost_or_while_grading_at_the_live_one(
    pool: Problem, contestant: Participant
) -> None:
    live = LiveCost(cost=2.5e6, unit="Ir", meter="valgrind")
    grading = accepted(pool, contestant, None, status=Submission.Status.GRADING, verdict="", cost_meter="")
    drawn = submission_cost_distribution(submission=grading, live=live)
    assert drawn is not None and trace(json.loads(drawn), "this submission")["x"] == [2.5e6, 2.5e6]
    assert submission_cost_distribution(submission=grading) is None

    failed = accepted(pool, contestant, None, verdict=Submission.Verdict.WA, cost_meter="")
    assert submission_cost_distribution(submission=failed, live=live) is None  # only while grading

    done = accepted(pool, contestant, 9e6)
    drawn = submission_cost_distribution(submission=done, live=live)  # the stored cost wins
    assert drawn is not None
    fig = json.loads(drawn)
    assert trace(fig, "this submission")["x"] == [9e6, 9e6]
    assert sum(trace(fig, "accepted solutions")["y"]) == len(ACCEPTED_IR) + 1  # itself among them


def test_equal_costs_sit_inside_a_bin_not_on_its_edge(problem: Problem, contestant: Participant) -> None:
    for _ in range(2):
        accepted(problem, contestant, 22e6)  # valgrind's whole quanta: identical programs tie exactly
    bars = trace(figure(problem, highlight=22e6), "accepted solutions")
    ((left, width, count),) = zip(bars["x"], bars["width"], bars["y"])
    assert count == 2
    assert math.log10(left) < math.log10(22e6) - 0.25 * math.log10(1 + width / left)
    assert math.log10(22e6) + 0.25 * math.log10(1 + width / left) < math.log10(left + width)


CPP_ENVIRONMENT = "valgrind/cachegrind:x86_64:CPP17-0123abcd"


def test_each_language_is_a_pool_of_its_own_and_the_chart_can_compare_them(
    pool: Problem, contestant: Participant
) -> None:
    cpp_reference = ReferenceSolution.objects.create(problem=pool, label="linear", source="", language="CPP17")
    ReferenceCost.objects.create(
        reference=cpp_reference, cost=2e5, host=HOST, meter="valgrind", unit="Ir", environment=CPP_ENVIRONMENT
    )
    for cost in (3e5, 4e5):
        accepted(pool, contestant, cost, language="CPP17", cost_environment=CPP_ENVIRONMENT)
    cpp_pool = cost_pool(problem=pool, host=HOST, language="CPP17")
    assert cpp_pool == CostPool(host=HOST, meter="valgrind", environment=CPP_ENVIRONMENT)
    assert cost_pool(problem=pool, host=HOST) == POOL  # Python's own pool is unchanged
    alone = json.loads(cost_distribution(problem=pool, pool=cpp_pool) or "{}")
    assert sum(trace(alone, "accepted solutions")["y"]) == 2
    compared = json.loads(cost_distribution(problem=pool, pool=cpp_pool, across_languages=True) or "{}")
    assert sum(trace(compared, "C++17")["y"]) == 2
    assert sum(trace(compared, "Python 3")["y"]) == len(ACCEPTED_IR)
    assert compared["layout"]["barmode"] == "stack"
    assert "C++17: linear" in " ".join(trace(compared, "reference solutions")["hovertext"])
