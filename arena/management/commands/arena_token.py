from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from arena.models import Participant
from arena.services.participants import participant_create, participant_for_user, token_create


class Command(BaseCommand):
    help = "Print a fresh API token for <username>, creating the participant if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--model", action="store_true", help="Create the participant as an LLM model.")
        parser.add_argument("--name", default="", help="Token name (e.g. the agent's run id).")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            kind = Participant.Kind.MODEL if options["model"] else Participant.Kind.HUMAN
            participant = participant_create(username=username, kind=kind)
            self.stderr.write(f"created {kind} participant {username!r}")
        else:
            participant = participant_for_user(user)
            if options["model"] and participant.kind != Participant.Kind.MODEL:
                participant.kind = Participant.Kind.MODEL
                participant.save(update_fields=["kind"])
        _, raw = token_create(participant=participant, name=options["name"])
        self.stdout.write(raw)
