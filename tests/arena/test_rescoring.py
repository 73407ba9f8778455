"""Efficiency scores stay live: a new accepted solution, a re-judge or a calibration re-scores the
problem, and the standings follow. Only costs of one host, meter and fingerprint are compared."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.test import Client
from django.test.utils import override_settings

from arena.models import Campaign, Participant, Problem, ReferenceCost, ReferenceSolution, Standing, Submission
from arena.services.curation import problem_calibrate
from arena.services.judging import submission_judge
from arena.services.participants import participant_create
from arena.services.rescoring import Pool, pool_references, problem_rescore
from arena.services.standings import standing_update
from arena.services.submissions import submission_rejudge
from judge.meters import METERS, CpuMeter, Sample
from judge.sandbox import JailLimits

pytestmark = pytest.mark.django_db
POOL = Pool("judge-1", "cpu", "cpu/min-confirm0.02:x86_64:python3.11-test")


def measured(
    participant: Participant, problem: Problem, cost: float, *, pool: Pool = POOL, **extra: object
) -> Submission:
    submission = Submission.objects.create(
        participant=participant, problem=problem, language="PY3", source="x", status="D", verdict="AC", cost=cost,
        judge_host=pool.host, cost_meter=pool.meter, cost_environment=pool.environment, **extra,
    )  # fmt: skip
    standing_update(participant_id=participant.pk, problem_id=problem.pk)
    return submission


def calibrated(problem: Problem, costs: list[float], *, pool: Pool = POOL) -> None:
    for reference, cost in zip(problem.references.order_by("label"), costs, strict=True):
        ReferenceCost.objects.update_or_create(
            reference=reference, host=pool.host, meter=pool.meter,
            defaults={"unit": "ms", "cost": cost, "environment": pool.environment},
        )  # fmt: skip


def scores(submission: Submission) -> tuple[float | None, ...]:
    submission.refresh_from_db()
    return submission.beyond, submission.dps, submission.dps_norm, submission.es


def test_a_new_accepted_solution_moves_everyones_es_and_standing(two_sum: Problem) -> None:
    calibrated(two_sum, [10.0, 100.0, 1000.0])
    alice, bob = participant_create(username="alice"), participant_create(username="bob")
    fast = measured(alice, two_sum, 50.0)
    assert problem_rescore(problem_id=two_sum.pk, pool=POOL) == 1
    # Pool 10, 50, 100, 1000: at least as slow as 50 → 50, 100, 1000 = 3/4. Beyond (1000-50)/990.
    # Clusters (bias 0.2, weight 1): 1000 | 100 | 10, shares 1/3, 2/3, 1; 100 ≥ 50 → 2/3.
    assert scores(fast) == pytest.approx((0.9596, 0.6667, 0.6667, 0.75))
    assert Standing.objects.get(participant=alice).es == pytest.approx(0.75)

    measured(bob, two_sum, 500.0)
    assert problem_rescore(problem_id=two_sum.pk, pool=POOL) == 2
    # Pool 10, 50, 100, 500, 1000: 50 → 4/5; 500 → 2/5.
    assert scores(fast)[3] == pytest.approx(0.8)
    assert Standing.objects.get(participant=alice).es == pytest.approx(0.8)
    assert Standing.objects.get(participant=bob).es == pytest.approx(0.4)
    assert problem_rescore(problem_id=two_sum.pk, pool=POOL) == 0  # nothing moved


def test_ties_within_the_meters_resolution_are_equal(two_sum: Problem) -> None:
    calibrated(two_sum, [10.0, 100.0, 1000.0])
    # 4% slower than the fastest reference: a tie for cpu (10%), so the top cluster and ES
    # counts the reference; an exactly counted meter (valgrind, tie 0) says it is slower.
    copy = measured(participant_create(username="alice"), two_sum, 10.4)
    problem_rescore(problem_id=two_sum.pk, pool=POOL)
    assert scores(copy)[1:] == pytest.approx((1.0, 1.0, 1.0))
    exact = Pool("judge-1", "valgrind", "valgrind/x")
    calibrated(two_sum, [10.0, 100.0, 1000.0], pool=exact)
    counted = measured(participant_create(username="bob"), two_sum, 10.4, pool=exact)
    problem_rescore(problem_id=two_sum.pk, pool=exact)
    assert scores(counted)[1:] == pytest.approx((0.6667, 0.6667, 0.75))


def test_other_fingerprints_and_campaign_samples_stay_out_of_the_pool(two_sum: Problem) -> None:
    calibrated(two_sum, [10.0, 100.0, 1000.0])
    alice = participant_create(username="alice", kind="model")
    old = measured(participant_create(username="old"), two_sum, 5.0, pool=POOL._replace(environment="old"), es=0.123)
    campaign = Campaign.objects.create(participant=alice, k=2)
    sample = measured(alice, two_sum, 10.0, campaign=campaign)
    counted = measured(participant_create(username="carl"), two_sum, 20.0)
    problem_rescore(problem_id=two_sum.pk, pool=POOL)
    assert scores(old)[3] == 0.123  # another fingerprint: not comparable, left as judged
    # The pool is the references and carl's 20: 10, 20, 100, 1000. The sample (10) is scored
    # as one more member: 5 of 5 are at least as slow. Carl: 20, 100, 1000 of 4.
    assert scores(sample)[3] == pytest.approx(1.0)
    assert scores(counted)[3] == pytest.approx(0.75)


def judge(participant: Participant, problem: Problem, source: str) -> Submission:
    submission = Submission.objects.create(participant=participant, problem=problem, language="PY3", source=source)
    assert submission_judge(submission_id=submission.pk) == "AC"
    submission.refresh_from_db()
    return submission


def test_judging_rejudging_and_calibrating_rescore(
    two_sum: Problem, contestant: Participant, rival: Participant
) -> None:
    """Through the real judge: each accepted solution, each re-judge and each calibration
    re-scores the problem, and the standing follows its counted submission."""
    fast = judge(contestant, two_sum, two_sum.references.get(label="O(n) one pass with a hash map").source)
    assert fast.cost is not None and fast.cost_environment and fast.es is not None
    # The references were calibrated before the first measurement; the pool is them + fast.
    pool = Pool(fast.judge_host, fast.cost_meter, fast.cost_environment)
    reference_costs = pool_references(problem_id=two_sum.pk, pool=pool)
    assert len(reference_costs) == 3

    def expected_es(cost: float, pool_costs: list[float]) -> float:
        return round(sum(1 for c in pool_costs if c >= cost * (1 - CpuMeter.tie_share)) / len(pool_costs), 4)

    assert fast.es == expected_es(fast.cost, [*reference_costs, fast.cost])
    slow = judge(rival, two_sum, two_sum.references.get(label="O(n^2) all pairs").source)
    assert slow.cost is not None and slow.cost > fast.cost
    fast.refresh_from_db()
    assert fast.es == expected_es(fast.cost, [*reference_costs, fast.cost, slow.cost])
    assert Standing.objects.get(participant=contestant, problem=two_sum).es == fast.es

    # A re-judge takes the slow cost out of the pool until it is measured again.
    assert submission_rejudge(submission=slow)
    fast.refresh_from_db()
    assert fast.es == expected_es(fast.cost, [*reference_costs, fast.cost])
    assert submission_judge(submission_id=slow.pk) == "AC"
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert fast.es == expected_es(fast.cost, [*reference_costs, fast.cost, slow.cost])

    # A calibration moves the references' costs, and with them everyone's Beyond.
    problem_calibrate(problem=two_sum, repeats=1)
    reference_costs = pool_references(problem_id=two_sum.pk, pool=pool)
    fast.refresh_from_db()
    low, high = min(reference_costs), max(reference_costs)
    assert fast.beyond == round((high - min(max(fast.cost, low), high)) / (high - low), 4)
    assert Standing.objects.get(participant=contestant, problem=two_sum).beyond == fast.beyond


class DriftingMeter(CpuMeter):
    """The cpu meter on a host that drifts: every run is really made (outputs are checked), but
    its cost is the program's fixed work times the host's current speed factor."""

    name = "cpu-drift-test"
    drift: ClassVar[float] = 1.0
    work: ClassVar[dict[str, float]] = {}

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        sample = super().measure_once(payload, limits)
        return Sample(self.work.get(payload["source"], 50.0) * self.drift, sample.run)

    def baseline(self) -> float:
        return 0.0


class DriftingUnanchoredMeter(DriftingMeter):
    name = "cpu-drift-unanchored-test"
    anchor_window: ClassVar[float] = 0.0


@pytest.fixture
def drifting(two_sum: Problem, monkeypatch: pytest.MonkeyPatch) -> dict[str, ReferenceSolution]:
    references = {r.label: r for r in two_sum.references.all()}
    monkeypatch.setattr(DriftingMeter, "work", {r.source: cost for r, cost in zip(
        references.values(), (10.0, 100.0, 1000.0), strict=True)})  # fmt: skip
    monkeypatch.setattr(DriftingMeter, "drift", 1.0)
    for meter in (DriftingMeter, DriftingUnanchoredMeter):
        monkeypatch.setitem(METERS, meter.name, meter)
    return references


def test_a_cost_close_to_a_reference_is_measured_beside_it_so_host_drift_does_not_count(
    two_sum: Problem, drifting: dict[str, ReferenceSolution], contestant: Participant, rival: Participant,
    client: Client,
) -> None:  # fmt: skip
    fastest = next(r for r in drifting.values() if DriftingMeter.work[r.source] == 10.0)
    with override_settings(JUDGE_METER=DriftingMeter.name):
        problem_calibrate(problem=two_sum)
        DriftingMeter.drift = 1.15  # the host is 15% slower than when it was calibrated
        copy = judge(contestant, two_sum, fastest.source)
        far = judge(rival, two_sum, "# not a reference\n" + fastest.source)
    # Measured 11.5 (beyond the 10% tie with the reference's 10); measured again beside that
    # reference (11.5 against 11.5), the cost is 1.0 x its calibrated 10.
    assert copy.cost == 10.0
    assert copy.cost_detail == {
        "measured": 11.5, "samples": 1, "anchor": fastest.pk, "anchor_label": fastest.label,
        "anchor_calibrated": 10.0, "anchor_now": 11.5, "beside": 11.5, "ratio": 1.0,
    }  # fmt: skip
    assert (copy.dps, copy.es) == (1.0, 1.0)
    # 57.5 is more than 30% away from every reference (10, 100, 1000): drift cannot carry it
    # across one, and its plain cost stands.
    assert far.cost == 57.5 and far.cost_detail == {"measured": 57.5, "samples": 1}

    # The page and the API say how the cost was arrived at.
    client.force_login(contestant.user)
    page = client.get(f"/submission/{copy.pk}/").content.decode()
    assert "cost-anchor" in page and fastest.label in page
    assert client.get(f"/api/submissions/{copy.pk}/").json()["cost_detail"]["anchor"] == fastest.pk

    # A re-calibration on the slower host moves the reference to 11.5; the copy follows it.
    with override_settings(JUDGE_METER=DriftingMeter.name):
        problem_calibrate(problem=two_sum)
    copy.refresh_from_db()
    far.refresh_from_db()
    assert copy.cost == 11.5 and copy.cost_detail["anchor_calibrated"] == 11.5
    assert far.cost == 57.5
    assert (copy.dps, copy.es) == (1.0, 1.0)


def test_without_the_anchor_the_same_drift_costs_a_copy_its_cluster(
    two_sum: Problem, drifting: dict[str, ReferenceSolution], contestant: Participant
) -> None:
    """The counterfactual of the test above: what the anchor prevents."""
    fastest = next(r for r in drifting.values() if DriftingMeter.work[r.source] == 10.0)
    with override_settings(JUDGE_METER=DriftingUnanchoredMeter.name):
        problem_calibrate(problem=two_sum)
        DriftingMeter.drift = 1.15
        copy = judge(contestant, two_sum, fastest.source)
    assert copy.cost == 11.5 and "anchor" not in copy.cost_detail
    assert copy.dps is not None and copy.dps < 1.0 and copy.es is not None and copy.es < 1.0


def test_a_ratio_of_minima_that_never_settled_is_not_used(
    two_sum: Problem, drifting: dict[str, ReferenceSolution], contestant: Participant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a host whose speed jumps from run to run, the runs can end before a minimum is
    confirmed; such a ratio would carry two errors, so the plain cost stands."""
    import dataclasses

    import arena.services.calibration as calibration

    fastest = next(r for r in drifting.values() if DriftingMeter.work[r.source] == 10.0)
    interleaved = calibration.measure_interleaved

    def unsettled(*args: Any, **kwargs: Any) -> list[Any]:
        return [dataclasses.replace(result, settled=False) for result in interleaved(*args, **kwargs)]

    monkeypatch.setattr(calibration, "measure_interleaved", unsettled)
    with override_settings(JUDGE_METER=DriftingMeter.name):
        problem_calibrate(problem=two_sum)
        DriftingMeter.drift = 1.15
        copy = judge(contestant, two_sum, fastest.source)
    assert copy.cost == 11.5
    assert copy.cost_detail == {"measured": 11.5, "samples": 1, "anchor_unsettled": fastest.label}
