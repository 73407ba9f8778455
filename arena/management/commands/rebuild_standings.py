from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from arena.services.standings import standings_rebuild


class Command(BaseCommand):
    help = "Recompute every standing from the judged submissions (after an import or a bulk rejudge)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = standings_rebuild()
        self.stdout.write(f"{count} standings rebuilt in {time.monotonic() - started:.2f}s")
