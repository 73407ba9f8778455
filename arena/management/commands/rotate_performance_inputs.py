from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.management.progress import progress, table
from arena.models import Problem
from arena.services.curation import problem_calibrate
from arena.services.rotation import RotationReport, performance_inputs_rotate


class Command(BaseCommand):
    help = (
        "Rotate the secret performance inputs: draw the next generation at each problem's current scale, with "
        "expected outputs from the canonical reference, drop the reference costs and calibrate the references "
        "again on this host."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--problem",
            action="append",
            default=[],
            dest="codes",
            metavar="CODE",
            help="Rotate this problem (repeatable). Default: every published problem.",
        )
        parser.add_argument(
            "--no-calibrate", action="store_true", help="Leave the calibration to `calibrate` (e.g. another host)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["codes"]:
            problems = list(Problem.objects.filter(code__in=options["codes"]).order_by("code"))
            missing = set(options["codes"]) - {p.code for p in problems}
            if missing:
                raise CommandError(f"no problem {', '.join(sorted(missing))}")
        else:
            problems = list(Problem.objects.filter(is_public=True).order_by("code"))
        started = time.monotonic()
        reports: list[RotationReport] = []
        for problem in progress(problems, label="rotate", out=self.stdout, name=lambda p: p.code):
            reports.append(performance_inputs_rotate(problem=problem))
        rows = [
            (r.problem, f"{r.old_generation} -> {r.generation}" if r.rotated else r.generation, r.scale,
             r.inputs or "", r.costs_dropped or "", _result(r))
            for r in reports
        ]  # fmt: skip
        self.stdout.write(table(("problem", "generation", "scale", "inputs", "costs dropped", "result"), rows))
        rotated = [r.problem for r in reports if r.rotated]
        failed = [r for r in reports if r.failure]
        skipped = len(reports) - len(rotated) - len(failed)
        self.stdout.write(
            f"{len(rotated)} rotated, {skipped} skipped, {len(failed)} failed in {time.monotonic() - started:.1f}s"
        )
        if rotated and not options["no_calibrate"]:
            # A contestant must never wait for a calibration: the references are measured now.
            by_code = {p.code: p for p in problems}
            for code in progress(rotated, label="calibrate", out=self.stdout, name=str):
                problem_calibrate(problem=by_code[code])
        if rotated:
            self.stdout.write(
                f"Other judge hosts calibrate the rotated problems with: manage.py calibrate {' '.join(rotated)}"
            )
        if failed:
            raise CommandError("\n".join(f"{r.problem}: {r.failure}" for r in failed))


def _result(report: RotationReport) -> str:
    if report.failure:
        return f"FAILED: {report.failure[:80]}"
    return report.skipped or "rotated"
