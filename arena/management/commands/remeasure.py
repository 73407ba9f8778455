"""Measure every accepted submission again with the configured meter, then rebuild the scores
and the standings (after the default meter or its fingerprint changed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.management.progress import progress, table
from arena.models import Problem, Submission
from arena.services.curation import problem_remeasure
from arena.services.standings import standings_rebuild


class Command(BaseCommand):
    help = (
        "Re-measure every accepted submission (of the given problems, or all) with JUDGE_METER on "
        "this host, calibrating the references first where needed; then re-score and rebuild the "
        "standings. Verdicts never change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problem", action="append", default=[], help="Only this problem code (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = Problem.objects.filter(
            submissions__status=Submission.Status.DONE, submissions__verdict=Submission.Verdict.AC
        ).distinct()
        if options["problem"]:
            problems = problems.filter(code__in=options["problem"])
            missing = set(options["problem"]) - set(problems.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no accepted submissions for: {', '.join(sorted(missing))}")
        problems = problems.order_by("code")
        total = Submission.objects.filter(
            problem__in=problems, status=Submission.Status.DONE, verdict=Submission.Verdict.AC
        ).count()
        self.stdout.write(f"re-measuring {total} accepted submissions of {problems.count()} problems "
                          f"with the {settings.JUDGE_METER} meter")  # fmt: skip
        ticks = iter(progress(range(total), label="re-measure", out=self.stdout, name=lambda _: ""))
        reports = []
        for problem in problems:
            reports.append(problem_remeasure(problem=problem, on_submission=lambda _: next(ticks, None)))
        next(ticks, None)  # closes the bar
        standings = standings_rebuild()
        rows = [(r.problem, r.measured, len(r.failed), "; ".join(r.failed)[:80]) for r in reports]
        self.stdout.write(table(["problem", "measured", "failed", "failures"], rows))
        self.stdout.write(f"{standings} standings rebuilt")
