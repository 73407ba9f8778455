from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.management.progress import table
from arena.services.open_data import FORMATS, open_data_export


class Command(BaseCommand):
    help = (
        "Export the open data (public problems, tests, references, accepted submissions with their costs; "
        "participants pseudonymous unless they opted in) as JSONL and/or Parquet, with a README describing each field."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out_dir", help="Directory to write (created if missing; files in it are replaced).")
        parser.add_argument("--format", default=",".join(FORMATS), help="Comma-separated: jsonl, parquet.")

    def handle(self, *args: Any, **options: Any) -> None:
        formats = tuple(f.strip() for f in options["format"].split(",") if f.strip())
        started = time.monotonic()
        try:
            counts = open_data_export(out_dir=Path(options["out_dir"]), formats=formats)
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(table(("table", "rows"), counts.items()))
        self.stdout.write(
            f"Wrote {', '.join(formats)} and README.md to {options['out_dir']} in {time.monotonic() - started:.1f}s"
        )
