from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from arena.services.snapshots import leaderboard_snapshot_take


class Command(BaseCommand):
    help = "Freeze the current standings (everyone, humans, models) as snapshots for plots over time."

    def handle(self, *args: Any, **options: Any) -> None:
        for snapshot in leaderboard_snapshot_take():
            self.stdout.write(f"{snapshot.kind}: {len(snapshot.rows)} rows at {snapshot.taken_at:%Y-%m-%d %H:%M}")
