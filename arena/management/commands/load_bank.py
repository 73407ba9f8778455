from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.ingest.bank import BANK_DIR, bank_folders, problem_load, read_folder
from arena.ingest.spec import IngestError
from arena.outages import outage_of
from arena.services.calibration import calibrations_request_missing


class Command(BaseCommand):
    help = "Load (or refresh) the problem bank from fixtures/problems/. Unchanged folders are skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="Only these problem codes.")
        parser.add_argument("--dir", default=str(BANK_DIR), help="Bank directory.")
        parser.add_argument("--force", action="store_true", help="Reload even when unchanged.")

    def handle(self, *args: Any, **options: Any) -> None:
        folders = bank_folders(Path(options["dir"]))
        if options["codes"]:
            wanted = set(options["codes"])
            folders = [f for f in folders if f.name in wanted]
            missing = wanted - {f.name for f in folders}
            if missing:
                raise CommandError(f"no such problem folder: {', '.join(sorted(missing))}")
        loaded = skipped = 0
        errors: list[str] = []
        started = time.monotonic()
        for index, path in enumerate(folders, start=1):
            self.stdout.write(f"[{index:>3}/{len(folders)}] {path.name:<32}", ending="")
            self.stdout.flush()
            try:
                problem, changed = problem_load(folder=read_folder(path), force=options["force"])
            except IngestError as exc:
                errors.append(str(exc))
                self.stdout.write(self.style.ERROR("error"))
                continue
            if changed:
                loaded += 1
                self.stdout.write(self.style.SUCCESS(f"loaded ({problem.cases.count()} cases)"))
            else:
                skipped += 1
                self.stdout.write("unchanged")
        elapsed = time.monotonic() - started
        self.stdout.write(f"{loaded} loaded, {skipped} unchanged, {len(errors)} failed in {elapsed:.1f}s")
        if settings.JUDGE_BACKEND == "celery":
            # The judge workers measure the references in the background (the embedded server
            # does it itself when it starts); contestants never wait for a calibration.
            try:
                requested = calibrations_request_missing()
            except Exception as exc:  # the bank is loaded; a submission asks again when it needs one
                outage = outage_of(exc)
                if outage is None:
                    raise
                self.stderr.write(f"calibrations not requested ({outage.service} unavailable): the judges "
                                  "measure the references when the first accepted submission needs them")  # fmt: skip
            else:
                self.stdout.write(f"{len(requested)} problems sent to the judges for calibration")
        if errors:
            raise CommandError("\n".join(errors))
