from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from arena.models import Participant, Problem
from arena.services.curation import submissions_rejudge


class Command(BaseCommand):
    help = "Queue finished submissions for judging again: all of a problem, all of a participant, or both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problem", default="")
        parser.add_argument("--participant", default="", help="Username.")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = participant = None
        if options["problem"]:
            problem = Problem.objects.filter(code=options["problem"]).first()
            if problem is None:
                raise CommandError(f"no problem {options['problem']!r}")
        if options["participant"]:
            participant = Participant.objects.filter(user__username=options["participant"]).first()
            if participant is None:
                raise CommandError(f"no participant {options['participant']!r}")
        if problem is None and participant is None:
            raise CommandError("give --problem and/or --participant")
        count = submissions_rejudge(problem=problem, participant=participant)
        self.stdout.write(f"{count} submission(s) queued for rejudging")
