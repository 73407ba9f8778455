"""WebSocket consumers: live submission progress and leaderboard changes."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from arena.events import LEADERBOARD_GROUP, submission_group
from arena.models import Submission


class SubmissionConsumer(AsyncJsonWebsocketConsumer):
    """Follows one submission. The URL carries the HMAC secret of its id, not the id alone."""

    group: str | None = None

    async def connect(self) -> None:
        submission_id = Submission.id_from_stream_secret(self.scope["url_route"]["kwargs"]["secret"])
        if submission_id is None:
            await self.close(code=4403)
            return
        self.group = submission_group(submission_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
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

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def arena_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])


class LeaderboardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(LEADERBOARD_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(LEADERBOARD_GROUP, self.channel_name)

    async def arena_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])
