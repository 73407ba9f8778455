"""An in-memory channel layer that judge threads can publish to (embedded mode only).

Channels' InMemoryChannelLayer keeps asyncio queues bound to the server's event loop. The
embedded judge runs in worker threads with their own loops, so a send from there is handed to
the loop that owns the queues instead of touching them from the wrong thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._home_loop: asyncio.AbstractEventLoop | None = None

    def _remember_loop(self) -> None:
        if self._home_loop is None or self._home_loop.is_closed():
            self._home_loop = asyncio.get_running_loop()

    async def _on_home_loop(self, coro: Any) -> Any:
        home = self._home_loop
        current = asyncio.get_running_loop()
        if home is None or home is current or home.is_closed() or not home.is_running():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, home))

    async def receive(self, channel: str) -> Any:
        self._remember_loop()
        return await super().receive(channel)

    async def group_add(self, group: str, channel: str) -> None:
        self._remember_loop()
        await super().group_add(group, channel)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        await self._on_home_loop(super().send(channel, message))

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self._on_home_loop(super().group_send(group, message))
