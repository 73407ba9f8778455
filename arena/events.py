"""The one place that publishes live events (Channels). Events leave only after the commit."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

LEADERBOARD_GROUP = "leaderboard"


def submission_group(submission_id: int) -> str:
    return f"submission_{submission_id}"


def _publish(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "arena.event", "payload": payload})
    except Exception:  # a dead channel layer must never fail a judging; the page can still poll
        logger.exception("could not publish %s to %s", payload.get("type"), group)


def send_on_commit(group: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _publish(group, payload))


def submission_event(submission_id: int, event_type: str, **data: Any) -> None:
    send_on_commit(submission_group(submission_id), {"type": event_type, "submission": submission_id, **data})


def leaderboard_event(**data: Any) -> None:
    send_on_commit(LEADERBOARD_GROUP, {"type": "standings-changed", **data})


class CaseEventThrottle:
    """At most ``burst`` case messages per ``window_s`` per submission; the rest are batched.

    Each message carries a list of cases, so nothing is lost: a held case rides with the next
    message, and ``flush()`` (called before grading-end) delivers whatever is still held.
    """

    def __init__(self, submission_id: int, *, burst: int = 5, window_s: float = 0.5) -> None:
        self.submission_id = submission_id
        self.burst = burst
        self.window_s = window_s
        self._sent_at: list[float] = []
        self._held: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.messages_sent = 0

    def add(self, case: dict[str, Any], *, done: int, total: int) -> None:
        with self._lock:
            self._held.append(case)
            now = time.monotonic()
            self._sent_at = [t for t in self._sent_at if now - t < self.window_s]
            if len(self._sent_at) < self.burst:
                self._send(done=done, total=total, now=now)

    def flush(self, *, done: int, total: int) -> None:
        with self._lock:
            if self._held:
                self._send(done=done, total=total, now=time.monotonic())

    def _send(self, *, done: int, total: int, now: float) -> None:
        cases, self._held = self._held, []
        self._sent_at.append(now)
        self.messages_sent += 1
        submission_event(self.submission_id, "test-case", cases=cases, done=done, total=total)
