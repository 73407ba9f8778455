"""Live events over a real Channels WebSocket while the real judge runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from arena.events import CaseEventThrottle
from arena.models import Participant, Problem, Submission
from arena.services.judging import submission_judge
from config.asgi import application
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


async def receive_until_final(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        event = await communicator.receive_json_from(timeout=60)
        events.append(event)
        if event["type"] == "grading-end" or (event["type"] == "state" and event["status"] == "D"):
            return events


@pytest.mark.asyncio
async def test_socket_streams_cases_and_the_final_verdict(two_sum: Problem, contestant: Participant) -> None:
    submission = await sync_to_async(Submission.objects.create)(
        participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK, cases_total=0
    )
    communicator = WebsocketCommunicator(
        application, f"/ws/submission/{submission.stream_secret}/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect()
    assert connected
    try:
        snapshot = await communicator.receive_json_from(timeout=10)
        assert snapshot["type"] == "state" and snapshot["status"] == "QU"
        judging = asyncio.get_running_loop().run_in_executor(
            None, lambda: submission_judge(submission_id=submission.pk)
        )
        events = await receive_until_final(communicator)
        assert await judging == "AC"
    finally:
        await communicator.disconnect()
    types = [e["type"] for e in events]
    assert types[0] == "grading-begin"
    assert "test-case" in types
    # The performance runs start after the last test case and end with the measured cost.
    assert types.index("efficiency-begin") > max(i for i, t in enumerate(types) if t == "test-case")
    assert types.index("efficiency") > types.index("efficiency-begin")
    streamed = [case for e in events if e["type"] == "test-case" for case in e["cases"]]
    total = events[0]["total"]
    assert [c["ordinal"] for c in streamed] == list(range(1, total + 1))
    final = events[-1]
    assert final["verdict"] == "AC" and final["time_ms"] is not None and final["memory_kb"] > 0
    assert final["scores"]["es"] is not None


@pytest.mark.asyncio
async def test_a_wrong_secret_is_refused(two_sum: Problem, contestant: Participant) -> None:
    submission = await sync_to_async(Submission.objects.create)(
        participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK
    )
    forged = f"{submission.pk}-{'0' * 32}"
    communicator = WebsocketCommunicator(
        application, f"/ws/submission/{forged}/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


def test_case_events_are_rate_limited_but_none_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr("arena.events.submission_event", lambda sid, kind, **data: sent.append(data))
    throttle = CaseEventThrottle(1, burst=5, window_s=60)
    for ordinal in range(1, 21):
        throttle.add({"ordinal": ordinal}, done=ordinal, total=20)
    assert len(sent) == 5
    throttle.flush(done=20, total=20)
    assert len(sent) == 6
    assert [c["ordinal"] for message in sent for c in message["cases"]] == list(range(1, 21))
