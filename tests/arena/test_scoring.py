"""Scores of DESIGN §7–§8 against hand-computed vectors."""

from __future__ import annotations

import pytest

from arena.scoring.efficiency import SharePool, beyond, cluster_references, dps, efficiency_share
from arena.scoring.rules import dynamic_points, get_rule


def test_dynamic_points_reproduce_the_seed_table() -> None:
    solved = {
        "m1": {"p2": 0.4},
        "m2": {"p1": 0.8, "p2": 0.6, "p3": 0.5},
        "m3": {"p2": 0.3, "p3": 0.4},
    }
    points = {"p1": 5.0, "p2": 3.0, "p3": 5.0}
    dp = dynamic_points(solved, points, rule=get_rule("slide"), attempters={})
    assert dp["m1"] == pytest.approx(1.4)
    assert dp["m2"] == pytest.approx(10.4)
    assert dp["m3"] == pytest.approx(4.2)
    assert [round(dp[m], 1) for m in ("m1", "m2", "m3")] == [1.4, 10.4, 4.2]


def test_acceptance_rule_uses_one_minus_acceptance_rate() -> None:
    rule = get_rule("acceptance")
    assert rule.challenge_score(points=5, solvers=1, attempters=4) == pytest.approx(3.75)
    with pytest.raises(ValueError):
        get_rule("nope")


def test_beyond_positions_cost_in_the_reference_range() -> None:
    refs = [10.0, 20.0, 50.0]
    assert beyond(10, refs) == 1.0
    assert beyond(5, refs) == 1.0
    assert beyond(50, refs) == 0.0
    assert beyond(90, refs) == 0.0
    assert beyond(30, refs) == pytest.approx(0.5)
    assert beyond(7, [7.0, 7.0]) == 1.0
    assert beyond(8, [7.0, 7.0]) == 0.0


def test_references_cluster_by_relative_drop() -> None:
    # bias 0.2, weight 1: 1000 → 900 drops 10% (< 0.2 + sqrt(1/1000) ≈ 0.23) → same cluster;
    # 900 → 100 drops 89% → new cluster; 100 → 95 drops 5% (< 0.3) → same cluster; 95 → 10 new.
    clusters = cluster_references([100, 1000, 10, 900, 95])
    assert [c.representative for c in clusters] == [1000, 100, 10]
    assert [c.members for c in clusters] == [(1000, 900), (100, 95), (10,)]
    assert [c.cumulative_share for c in clusters] == pytest.approx([0.4, 0.8, 1.0])


def test_dps_scores_the_fastest_cluster_at_least_as_slow() -> None:
    clusters = cluster_references([100, 1000, 10, 900, 95])
    assert dps(5, clusters) == pytest.approx((1.0, 1.0))
    assert dps(10, clusters) == pytest.approx((1.0, 1.0))
    assert dps(50, clusters) == pytest.approx((0.8, 2 / 3))
    assert dps(950, clusters) == pytest.approx((0.4, 1 / 3))
    assert dps(1001, clusters) == (0.0, 0.0)


def test_efficiency_share_counts_solutions_at_least_as_slow() -> None:
    pool = [10.0, 20.0, 30.0, 40.0]
    assert efficiency_share(10, pool) == 1.0
    assert efficiency_share(30, pool) == 0.5
    assert efficiency_share(41, pool) == 0.0


def test_tie_share_treats_costs_within_the_meters_resolution_as_equal() -> None:
    clusters = cluster_references([100, 1000, 10, 900, 95])
    # 10.4 is 4% slower than the fastest representative (10): a tie at 5%, slower at 0%.
    assert dps(10.4, clusters) == pytest.approx((0.8, 2 / 3))
    assert dps(10.4, clusters, tie=0.05) == pytest.approx((1.0, 1.0))
    # 10.6 is 6% slower: 10 < 10.6 × 0.95 = 10.07, so not a tie even at 5%.
    assert dps(10.6, clusters, tie=0.05) == pytest.approx((0.8, 2 / 3))
    pool = [10.0, 20.0, 30.0, 40.0]
    # 31 × 0.95 = 29.45: 30 and 40 count; 32 × 0.95 = 30.4: only 40.
    assert efficiency_share(31, pool) == 0.25
    assert efficiency_share(31, pool, tie=0.05) == 0.5
    assert efficiency_share(32, pool, tie=0.05) == 0.25


def test_share_pool_matches_one_at_a_time() -> None:
    pool = [10.0, 20.0, 20.0, 30.0, 40.0, 41.0]
    costs = [5.0, 10.0, 19.5, 20.0, 21.0, 40.5, 50.0]
    for tie in (0.0, 0.05):
        shares = SharePool(pool, tie=tie)
        assert [shares.share(c) for c in costs] == pytest.approx([efficiency_share(c, pool, tie=tie) for c in costs])
        assert [shares.share(c, outside=True) for c in costs] == pytest.approx(
            [efficiency_share(c, [*pool, c], tie=tie) for c in costs]
        )
    shares = SharePool(pool, tie=0.05)
    # 20 × 0.95 = 19: five of six are at least as slow; 22 × 0.95 = 20.9: three.
    assert [shares.share(20.0), shares.share(22.0)] == pytest.approx([5 / 6, 3 / 6])
    assert SharePool([]).share(3.0) == 1.0
    assert SharePool([]).share(3.0, outside=True) == 1.0
