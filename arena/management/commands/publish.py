from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.models import Problem
from arena.services.curation import problem_publish


class Command(BaseCommand):
    help = "Publish problems by code, each once it passes validation (refused otherwise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        refused = []
        for code in options["codes"]:
            problem = Problem.objects.filter(code=code).first()
            if problem is None:
                raise CommandError(f"no problem {code!r}")
            outcome = problem_publish(problem=problem, public=True)
            if outcome.failures:
                refused.append(code)
                self.stderr.write(f"{code}: refused, validation failed — {'; '.join(outcome.failures)}")
            else:
                self.stdout.write(f"{code}: {'published' if outcome.changed else 'unchanged'}")
        if refused:
            raise CommandError(f"not published (validation failed): {', '.join(refused)}")
