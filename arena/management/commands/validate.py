from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.management.progress import progress, table
from arena.models import Problem
from arena.services.curation import ValidationReport, problem_publish, problem_validate


class Command(BaseCommand):
    help = (
        "Validate problems: every reference on every stored case and on fresh generator cases, samples against "
        "the canonical reference, statement and limits. Failing problems are unpublished (rejected)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*")
        parser.add_argument("--seeds", type=int, default=3, help="Fresh generator seeds per problem (x3 scales).")
        parser.add_argument("--no-measure", action="store_true", help="Skip the cost measurement.")
        parser.add_argument("--keep-published", action="store_true", help="Report failures without unpublishing.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(Problem.objects.order_by("difficulty", "code"))
        if options["codes"]:
            problems = [p for p in problems if p.code in set(options["codes"])]
        started = time.monotonic()
        reports: list[ValidationReport] = []
        for problem in progress(problems, label="validate", out=self.stdout, name=lambda p: p.code):
            reports.append(problem_validate(problem=problem, seeds=options["seeds"], measure=not options["no_measure"]))
        rows = [
            (r.problem, r.difficulty, r.cases, r.references, f"{r.ratio:.1f}x", f"{r.neighbour_ratio:.1f}x",
             "ok" if not r.failures else "REJECTED")
            for r in reports
        ]  # fmt: skip
        self.stdout.write(table(("problem", "difficulty", "cases", "refs", "slow/fast", "min step", "result"), rows))
        gaps: dict[str, list[str]] = {}
        for report in reports:
            for language in report.gaps:
                gaps.setdefault(language, []).append(report.problem)
        for language, codes in sorted(gaps.items()):
            self.stdout.write(
                self.style.WARNING(f"{language}: {len(codes)} of {len(reports)} problems have no references yet")
            )
        failed = [r for r in reports if r.failures]
        for report in failed:
            self.stdout.write(self.style.ERROR(f"{report.problem}:"))
            for failure in report.failures:
                self.stdout.write(f"    {failure}")
            if not options["keep_published"]:
                problem_publish(problem=Problem.objects.get(code=report.problem), public=False)
        ratios = sorted(r.ratio for r in reports if r.ratio)
        if ratios:
            median = ratios[len(ratios) // 2]
            self.stdout.write(
                f"{len(reports)} problems in {time.monotonic() - started:.1f}s; fastest/slowest reference cost "
                f"ratio: median {median:.1f}x, min {ratios[0]:.1f}x"
            )
        if failed:
            raise CommandError(f"validation failed for: {', '.join(r.problem for r in failed)}")
