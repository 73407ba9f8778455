"""Who calls a tool: the participant behind a CodeArena API token, on either transport.

Over streamable HTTP every request carries ``Authorization: Bearer <token>`` and the endpoint
(arena/mcp/http.py) authenticates it before the SDK sees it, storing the caller in the request's
ASGI scope. Over stdio the process serves the one token it was started with
(``manage.py mcp``); it is checked again on every call, so revoking it takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from arena.models import Participant
from arena.services import throttling
from arena.services.participants import token_authenticate

# Where the HTTP endpoint leaves the caller for the tools, in the request's ASGI scope.
SCOPE_KEY = "arena.mcp.caller"
# The fair-use "address" of a stdio session: it runs on the server host, with no client address.
STDIO_ADDRESS = "stdio"


@dataclass(frozen=True)
class Caller:
    participant: Participant  # with its user loaded
    address: str  # the fair-use identity of the client address (arena/services/throttling.py)

    @property
    def account(self) -> str:
        # The same per-account identity as the REST throttles (the user's id), so that runs and
        # submissions share one budget whichever API sends them.
        return str(self.participant.user_id)


def caller_authenticate(raw_token: str, *, address: str) -> Caller | None:
    """The caller a token belongs to; None for an unknown or revoked token or an inactive user."""
    participant = token_authenticate(raw_token)
    return None if participant is None else Caller(participant=participant, address=address)


def address_identity(raw: str) -> str:
    """A client address as the fair-use counters know it (an IPv6 client by its /64).

    ``throttling.client_ip`` holds the rule but reads a Django request's REMOTE_ADDR; here the
    address comes from the ASGI scope, which uvicorn's --proxy-headers has already set from what
    the proxy saw, so it is handed over the same way.
    """
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = raw
    return throttling.client_ip(request)
