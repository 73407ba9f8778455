from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.ingest.bank import BANK_DIR
from arena.management.progress import progress, table
from arena.models import Problem
from arena.services.curation import ScaleBounds, ScaleReport, problem_scale

PERF_SCALE_LINE = re.compile(r"^perf_scale\s*=\s*\d+\s*$", re.MULTILINE)


class Command(BaseCommand):
    help = (
        "Size the performance inputs for the configured meter: the largest generator scale (by doubling) at "
        "which the canonical reference's work and the slowest reference's measurement stay within the bounds; "
        "stores inputs at that scale and reports how far apart neighbouring references are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = ScaleBounds()
        parser.add_argument("codes", nargs="*")
        parser.add_argument(
            "--canonical-s", type=float, default=defaults.canonical_s,
            help="Most worker CPU for measuring the canonical reference, start-up included (seconds).",
        )  # fmt: skip
        parser.add_argument(
            "--slowest-s", type=float, default=defaults.slowest_s,
            help="Most worker CPU for measuring the slowest reference, start-up included (seconds).",
        )  # fmt: skip
        parser.add_argument("--separation", type=float, default=defaults.separation, help="Goal for neighbours.")
        parser.add_argument(
            "--case-mb", type=float, default=defaults.case_bytes / 1024 / 1024,
            help="Largest performance input, serialised (MB).",
        )  # fmt: skip
        parser.add_argument("--start", type=int, default=None, help="First scale tried (default: current / 16).")
        parser.add_argument("--count", type=int, default=None, help="Performance inputs (default: as stored).")
        parser.add_argument(
            "--draws", type=int, default=8,
            help="Candidate draws per scale (this deployment's and fresh seeds'); the heaviest is measured.",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="Report the scale without storing inputs.")
        parser.add_argument(
            "--write-fixtures", action="store_true",
            help="Also write the chosen scale into the bank folder's problem.toml (perf_scale).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(Problem.objects.order_by("code"))
        if options["codes"]:
            unknown = set(options["codes"]) - {p.code for p in problems}
            if unknown:
                raise CommandError(f"no such problem: {', '.join(sorted(unknown))}")
            problems = [p for p in problems if p.code in set(options["codes"])]
        bounds = ScaleBounds(
            canonical_s=options["canonical_s"],
            slowest_s=options["slowest_s"],
            separation=options["separation"],
            case_bytes=int(options["case_mb"] * 1024 * 1024),
        )
        rows = []
        for problem in progress(problems, label="scale", out=self.stdout, name=lambda p: p.code):
            report = problem_scale(
                problem=problem, bounds=bounds, start=options["start"], perf_count=options["count"],
                store=not options["dry_run"], draws=options["draws"],
            )  # fmt: skip
            if options["write_fixtures"] and report.scale and not options["dry_run"]:
                write_fixture_scale(problem.code, report.scale)
            rows.append(row(report, problem, bounds))
        self.stdout.write(
            table(
                ("problem", "scale", "steps", "canonical", "slowest CPU s", "separation", "draw spread", "stopped"),
                rows,
            )
        )


def row(report: ScaleReport, problem: Problem, bounds: ScaleBounds) -> tuple[object, ...]:
    chosen = report.chosen()
    canonical = problem.canonical_reference()
    cost = chosen.costs.get(canonical.label) if chosen and canonical else None
    slowest = max(chosen.cpu_ms.values(), default=0.0) / 1000 if chosen else 0.0
    separation = "—" if report.separation is None else f"{report.separation:.2f}x"
    if report.separation is not None and report.separation < bounds.separation:
        separation += " (below goal)"
    spread = chosen.draw_spread if chosen else None
    return (
        problem.code, report.scale or "—", len(report.steps), "—" if cost is None else f"{cost:.4g}",
        f"{slowest:.2f}", separation, "—" if spread is None else f"{spread:.2f}x", report.stopped_because,
    )  # fmt: skip


def write_fixture_scale(code: str, scale: int) -> None:
    path = BANK_DIR / code / "problem.toml"
    if not path.exists():
        return
    text = path.read_text()
    if not PERF_SCALE_LINE.search(text):
        raise CommandError(f"{path}: no perf_scale line under [tests]")
    path.write_text(PERF_SCALE_LINE.sub(f"perf_scale = {scale}", text, count=1))
