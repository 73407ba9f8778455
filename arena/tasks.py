"""Periodic arena tasks (Celery beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="arena.tasks.snapshot_leaderboard")
def snapshot_leaderboard() -> int:
    from arena.services.snapshots import leaderboard_snapshot_take

    return len(leaderboard_snapshot_take())
