from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.ingest.open_data import open_data_import
from arena.ingest.spec import outcomes_summary


class Command(BaseCommand):
    help = (
        "Import the problems, tests and references of an open-data export (origin 'open-data'). Each canonical "
        "reference is re-run in the sandbox and must reproduce the exported expected outputs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="A directory written by export_open_data.")
        parser.add_argument("--no-verify", action="store_true", help="Trust the exported expected outputs.")
        parser.add_argument(
            "--trust-code",
            action="store_true",
            help="Keep generators and accept custom checkers (both run outside the jail).",
        )
        parser.add_argument("--force", action="store_true", help="Re-import problems that have not changed.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write(f"Importing {options['directory']} …")
        try:
            outcomes = open_data_import(
                directory=Path(options["directory"]),
                verify=not options["no_verify"],
                trust_code=options["trust_code"],
                force=options["force"],
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the export: {exc}")
        self.stdout.write(outcomes_summary(outcomes) + f" in {time.monotonic() - started:.1f}s")
        for outcome in outcomes:
            for note in outcome.notes:
                self.stdout.write(f"  {outcome.key}: {note}")
