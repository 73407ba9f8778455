"""ASGI entry point: HTTP through Django, WebSockets through Channels, /mcp through the MCP SDK.

The MCP endpoint (arena/mcp/http.py) also takes the lifespan protocol: its session manager runs
for the life of the process.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()
# WhiteNoise answers static files with a file response, a synchronous iterator, which Django's
# ASGI handler reads in a worker thread and warns about on every asset. The assets are small
# (the largest, plotly.min.js, is sent compressed); the warning says nothing an operator can act on.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from arena.dispatch import start_embedded_sweeper  # noqa: E402
from arena.mcp.http import McpHttpApp  # noqa: E402
from arena.routing import websocket_urlpatterns  # noqa: E402

start_embedded_sweeper()

mcp_app = McpHttpApp()
MCP_PATHS = frozenset({"/mcp", "/mcp/"})


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] in MCP_PATHS:
        await mcp_app(scope, receive, send)
    else:
        await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        "lifespan": mcp_app,
    }
)
