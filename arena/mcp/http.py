"""The streamable-HTTP endpoint, ``/mcp`` (routed in config/asgi.py), for the same tools as stdio.

Stateless, with JSON responses: every POST is answered on its own, so any web process can take
any request (production runs several) and nothing is held between calls. Before the SDK sees a
request this app checks, as Django does for every other path, the Host header against
ALLOWED_HOSTS, then the Bearer token; refusals are JSON in the REST API's envelope.

The SDK's session manager needs a task group that outlives requests: it runs for the life of the
process through the ASGI lifespan protocol (uvicorn sends it). A server that does not send it
gets a 503 on /mcp rather than a crash.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

import anyio.to_thread
from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from arena.api.auth import bearer_token
from arena.mcp.auth import SCOPE_KEY, Caller, address_identity, caller_authenticate
from arena.mcp.server import build_server
from arena.outages import RETRY_AFTER_S, outage_of

logger = logging.getLogger(__name__)

SERVER_ERROR = "Something went wrong on our side; it has been logged. Please try again later."  # as the REST API


class McpHttpApp:
    """An ASGI app for ``lifespan`` and ``http`` scopes."""

    def __init__(self) -> None:
        server = build_server()
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            # The Host header is checked against ALLOWED_HOSTS below; the SDK's own check would
            # know only the localhost names.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            max_request_body_size=settings.API_MAX_BODY_BYTES,
        )
        self._sessions = server.session_manager
        self._running = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            raise ValueError(f"the MCP endpoint does not serve {scope['type']!r} connections")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        started = False
        try:
            async with self._sessions.run():
                self._running = started = True
                await send({"type": "lifespan.startup.complete"})
                await receive()  # lifespan.shutdown: leaving the block stops the session manager
        except Exception as exc:
            if started:
                raise
            logger.exception("the MCP session manager did not start")
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            return
        finally:
            self._running = False
        await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._running:
            message = "The MCP endpoint is not running: the ASGI server must send the lifespan protocol (uvicorn does)."
            await _error(send, 503, "service_unavailable", message)
            return
        headers = Headers(scope=scope)
        host, _ = split_domain_port(headers.get("host", ""))
        if not host or not validate_host(host, _allowed_hosts()):
            await _error(send, 400, "bad_request", "The Host header is not one this site serves.")
            return
        if scope["method"] != "POST":
            # Stateless: no session to end (DELETE) and no stream for the server's own messages
            # (GET), which would otherwise stay open with nothing ever sent on it.
            message = "The MCP endpoint takes POST only (stateless streamable HTTP, JSON responses)."
            await _error(send, 405, "method_not_allowed", message, {"allow": "POST"})
            return
        header = headers.get("authorization", "")
        raw = bearer_token(header) if header else None
        if raw is None:
            message = "Send your API token as 'Authorization: Bearer <token>'."
            code = "authentication_failed" if header else "not_authenticated"
            await _error(send, 401, code, message)
            return
        client = scope.get("client")
        address = address_identity(client[0] if client else "")
        try:
            caller = await anyio.to_thread.run_sync(partial(_authenticate, raw, address))
        except Exception as exc:
            outage = outage_of(exc)
            if outage is None:
                logger.exception("authenticating an MCP request failed")
                await _error(send, 500, "server_error", SERVER_ERROR)
            else:
                # One line, no traceback: during an outage every request fails the same way.
                logger.warning("%s unavailable, answered 503 to an MCP request: %r", outage.service, exc)
                retry = {"retry-after": str(RETRY_AFTER_S)}
                await _error(send, 503, "service_unavailable", outage.api_message, retry)
            return
        if caller is None:
            await _error(send, 401, "authentication_failed", "Invalid or revoked token.")
            return
        await self._sessions.handle_request({**scope, SCOPE_KEY: caller}, receive, send)


def _allowed_hosts() -> list[str]:
    # As HttpRequest.get_host decides for Django's own paths.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


def _authenticate(raw: str, address: str) -> Caller | None:
    try:
        return caller_authenticate(raw, address=address)
    finally:
        connections.close_all()  # an anyio worker thread: see server._tool_call


async def _error(send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    extra: dict[str, Any] = {"www-authenticate": 'Bearer realm="codearena"'} if status == 401 else {}
    extra.update(headers or {})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((name.encode(), str(value).encode()) for name, value in extra.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
