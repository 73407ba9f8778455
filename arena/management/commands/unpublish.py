from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.models import Problem
from arena.services.curation import problem_publish


class Command(BaseCommand):
    help = "Unpublish problems by code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        for code in options["codes"]:
            problem = Problem.objects.filter(code=code).first()
            if problem is None:
                raise CommandError(f"no problem {code!r}")
            changed = problem_publish(problem=problem, public=False).changed
            self.stdout.write(f"{code}: {'unpublished' if changed else 'unchanged'}")
