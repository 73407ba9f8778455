from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from arena.management.progress import progress, table
from arena.models import Problem
from arena.services.curation import problem_scale


class Command(BaseCommand):
    help = (
        "Find performance inputs: double the generator's scale until the slowest reference hits the CPU or "
        "memory wall, and store inputs at the largest scale every reference finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*")
        parser.add_argument("--cpu-s", type=float, default=2.0, help="CPU wall per reference (seconds).")
        parser.add_argument("--memory-mb", type=int, default=512, help="Memory wall per reference (MB).")
        parser.add_argument("--count", type=int, default=2, help="Performance inputs to store.")
        parser.add_argument("--dry-run", action="store_true", help="Report the scale without storing inputs.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(Problem.objects.order_by("code"))
        if options["codes"]:
            problems = [p for p in problems if p.code in set(options["codes"])]
        rows = []
        for problem in progress(problems, label="scale", out=self.stdout, name=lambda p: p.code):
            report = problem_scale(
                problem=problem,
                wall_cpu_s=options["cpu_s"],
                wall_memory_mb=options["memory_mb"],
                perf_count=options["count"],
                store=not options["dry_run"],
            )
            last = report.steps[-1] if report.steps else (0, 0.0, 0)
            rows.append((problem.code, report.scale, len(report.steps), f"{last[1]:.0f}", report.stopped_because))
        self.stdout.write(table(("problem", "chosen scale", "doublings", "last slowest ms", "stopped because"), rows))
