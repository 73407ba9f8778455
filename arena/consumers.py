"""WebSocket consumers: live submission progress and leaderboard changes.

The channel layer (Redis in production) can be away. A socket that cannot join its group is
closed with 1013 (try again later) and the page reconnects with backoff; leaving a group never
raises (channels_redis expires a stale member by itself). A pooled connection that predates a
Redis restart fails once: every layer call is tried twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from arena.events import LEADERBOARD_GROUP, submission_group
from arena.models import Submission

logger = logging.getLogger(__name__)
TRY_AGAIN_LATER = 1013
LAYER_ERRORS = (RedisError, OSError, TimeoutError)


async def _layer(call: Callable[[str, str], Awaitable[None]], group: str, channel: str) -> bool:
    for attempt in (1, 2):
        try:
            await call(group, channel)
            return True
        except LAYER_ERRORS:
            if attempt == 2:
                logger.warning("channel layer unavailable for %s on %s", call.__name__, group, exc_info=True)
    return False


class _GroupConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def join(self, group: str) -> bool:
        """Join ``group`` and accept, or close with 1013 when the layer is unavailable."""
        await self.accept()
        if not await _layer(self.channel_layer.group_add, group, self.channel_name):
            await self.close(code=TRY_AGAIN_LATER)
            return False
        self.group = group
        return True

    async def disconnect(self, code: int) -> None:
        if self.group:
            await _layer(self.channel_layer.group_discard, self.group, self.channel_name)

    async def arena_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])


class SubmissionConsumer(_GroupConsumer):
    """Follows one submission. The URL carries the HMAC secret of its id, not the id alone."""

    async def connect(self) -> None:
        submission_id = Submission.id_from_stream_secret(self.scope["url_route"]["kwargs"]["secret"])
        if submission_id is None:
            await self.close(code=4403)
            return
        if not await self.join(submission_group(submission_id)):
            return
        # Whatever happened before the socket opened is sent as one snapshot, so a client that
        # connects late (or reconnects) never misses the final verdict.
        snapshot = await self._snapshot(submission_id)
        if snapshot is not None:
            await self.send_json(snapshot)

    @database_sync_to_async
    def _snapshot(self, submission_id: int) -> dict[str, Any] | None:
        from arena.selectors.submissions import submission_state

        submission = Submission.objects.filter(id=submission_id).select_related("problem").first()
        return submission_state(submission) if submission else None


class LeaderboardConsumer(_GroupConsumer):
    async def connect(self) -> None:
        await self.join(LEADERBOARD_GROUP)
