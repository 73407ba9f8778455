"""Prepare what the judge's languages build once per host (C++'s precompiled header), so the
first submission in a language does not wait for it. ``make run`` and ``make test`` run it;
a worker that starts without it has it made in the background."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from judge.languages import all_languages


class Command(BaseCommand):
    help = "Prepare the languages' one-time build assets (C++'s precompiled header)."

    def handle(self, *args: Any, **options: Any) -> None:
        for language in all_languages():
            started = time.monotonic()
            language.prepare()
            elapsed = time.monotonic() - started
            if elapsed > 0.5:
                self.stdout.write(f"{language.name}: prepared in {elapsed:.1f} s")
