from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from arena.management.progress import progress, table
from arena.models import Problem
from arena.services.calibration import judge_host
from arena.services.curation import problem_calibrate


class Command(BaseCommand):
    help = "Measure every reference solution on this judge host, cluster them, and store the costs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*")
        parser.add_argument(
            "--repeats", type=int, default=None, help="Runs per reference (default JUDGE_PERF_REPEATS)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(Problem.objects.order_by("code"))
        if options["codes"]:
            problems = [p for p in problems if p.code in set(options["codes"])]
        started = time.monotonic()
        rows = []
        for problem in progress(problems, label="calibrate", out=self.stdout, name=lambda p: p.code):
            report = problem_calibrate(problem=problem, repeats=options["repeats"])
            for row in report.rows:
                rows.append((problem.code, row["reference"][:40], f"{row['cost']:.1f} {row['unit']}", row["cluster"],
                             f"{row['share']:.2f}"))  # fmt: skip
            for failure in report.failures:
                rows.append((problem.code, failure[:60], "failed", "-", "-"))
        self.stdout.write(table(("problem", "reference", "cost", "cluster", "cum. share"), rows))
        self.stdout.write(f"calibrated {len(problems)} problems on {judge_host()} in {time.monotonic() - started:.1f}s")
