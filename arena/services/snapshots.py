"""Frozen standings over time, for "points over time" plots."""

from __future__ import annotations

from dataclasses import asdict

from arena.models import LeaderboardSnapshot
from arena.selectors.leaderboard import LeaderboardFilters, leaderboard_rows


def leaderboard_snapshot_take() -> list[LeaderboardSnapshot]:
    """One snapshot per view (everyone, humans, models)."""
    taken = []
    for kind in ("all", "human", "model"):
        rows = [asdict(row) for row in leaderboard_rows(filters=LeaderboardFilters(kind=kind))]
        taken.append(LeaderboardSnapshot.objects.create(kind=kind, rows=rows))
    return taken
