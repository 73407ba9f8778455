from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.ingest.mercury import mercury_problem_import, mercury_records_read
from arena.ingest.spec import ImportOutcome, outcomes_summary
from arena.management.progress import progress


class Command(BaseCommand):
    help = (
        "Import Mercury-schema records (.json list or .jsonl) as class-style problems. Every solution runs in the "
        "sandbox; the fastest reported one that reproduces the stated outputs becomes canonical. Re-running updates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Mercury records: a .json list or a .jsonl file.")
        parser.add_argument("--only", nargs="*", default=[], help="Only these slug_names.")
        parser.add_argument("--force", action="store_true", help="Re-import records that have not changed.")
        parser.add_argument(
            "--trust-code",
            action="store_true",
            help="Keep the records' generators on the problems (curation then runs them outside the jail).",
        )
        parser.add_argument(
            "--published-at",
            type=dt.date.fromisoformat,
            default=None,
            help="Release date for new problems (default: Mercury's release, 2024-02-12).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            records = mercury_records_read(path=path)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}")
        if options["only"]:
            records = [r for r in records if r.get("slug_name") in set(options["only"])]
        published = options["published_at"]
        published_at = dt.datetime.combine(published, dt.time(), tzinfo=dt.UTC) if published else None
        started = time.monotonic()
        outcomes: list[ImportOutcome] = []
        for record in progress(records, label="mercury", out=self.stdout, name=lambda r: r.get("slug_name", "?")):
            outcomes.append(
                mercury_problem_import(
                    record=record, force=options["force"], trust_code=options["trust_code"], published_at=published_at
                )
            )
        self.stdout.write(outcomes_summary(outcomes) + f" in {time.monotonic() - started:.1f}s")
        for outcome in outcomes:
            for note in outcome.notes:
                self.stdout.write(f"  {outcome.key}: {note}")
