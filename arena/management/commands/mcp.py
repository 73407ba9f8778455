"""``manage.py mcp``: the MCP tools on stdin/stdout, for the participant a token belongs to.

An agent framework starts it as a subprocess (docs/mcp.md). The token comes from --token or,
better (a command line is visible to every user of the host), from CODEARENA_TOKEN.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from arena.mcp.server import build_server
from arena.services.participants import token_authenticate

TOKEN_ENV = "CODEARENA_TOKEN"


class Command(BaseCommand):
    help = f"Serve the MCP tools over stdio for the participant whose API token is given (--token or {TOKEN_ENV})."
    # stdout is the protocol's: system-check warnings written there would corrupt it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--token", default="", help=f"A CodeArena API token; default: ${TOKEN_ENV}.")

    def handle(self, *args: Any, **options: Any) -> None:
        token = (options["token"] or os.environ.get(TOKEN_ENV, "")).strip()
        if not token:
            raise CommandError(f"No API token: pass --token <token> or set {TOKEN_ENV}.")
        participant = token_authenticate(token)
        if participant is None:
            raise CommandError("Invalid or revoked API token: the MCP server did not start.")
        self.stderr.write(f"CodeArena MCP server on stdio for {participant.display_name!r} ({participant.kind})")
        connections.close_all()  # the tools run in worker threads, with connections of their own
        # In embedded mode a submission is judged in this process (and finished before it exits).
        # No sweeper here: at start it would re-queue what the web process is judging right now.
        build_server(stdio_token=token).run("stdio")
