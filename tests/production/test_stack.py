"""Production mode as real processes: PostgreSQL, Redis, a Celery judge worker, an ASGI server.

Driven from outside over HTTP and a WebSocket, as a client would: submit, receive live case
events, reach the final verdict. Requires the PostgreSQL and Redis of the host (127.0.0.1).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests
from websockets.sync.client import connect

from tests.live import BIN, base_env, free_port, manage, process, uvicorn_cmd, wait_healthy

pytestmark = pytest.mark.production

PG_ADMIN = os.environ.get("ARENA_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
# A database number of its own, so two test runs on one machine do not share queues and groups.
REDIS_URL = os.environ.get("ARENA_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}")

# Correct, and slow to start (sleeping costs no CPU), so the socket is open before cases stream.
SLOW_START_OK = """
import time
time.sleep(1.0)

class Solution:
    def twoSum(self, nums, target):
        seen = {}
        for j, v in enumerate(nums):
            if target - v in seen:
                return [seen[target - v], j]
            seen[v] = j
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db_name = f"arena_prod_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db_name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    var_dir = tmp_path_factory.mktemp("prod")
    port = free_port()
    env = base_env(
        var_dir,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=PG_ADMIN.rsplit("/", 1)[0] + f"/{db_name}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
        JUDGE_HOST="prod-test-worker",
    )
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_bank", "two-sum")
        token = manage(env, "arena_token", "prod-model", "--model").strip()
        worker_cmd = [str(BIN / "celery"), "-A", "config", "worker", "-Q", "judge", "-c", "2", "-l", "info",
                      "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        with (
            process(worker_cmd, env, var_dir / "worker.log") as worker,
            process(uvicorn_cmd(port), env, var_dir / "web.log") as web,
        ):
            health = wait_healthy(f"http://127.0.0.1:{port}", web, var_dir / "web.log")
            yield {"url": f"http://127.0.0.1:{port}", "token": token, "health": health, "worker": worker,
                   "var": var_dir, "env": env}  # fmt: skip
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def test_health_reports_postgres_and_the_redis_broker(stack: dict[str, Any]) -> None:
    checks = stack["health"]["checks"]
    assert checks["database"]["vendor"] == "postgresql"
    assert checks["broker"]["mode"] == "celery"
    assert checks["sandbox"]["ok"]


def test_submission_is_judged_by_the_worker_and_streamed_live(stack: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {stack['token']}"}
    created = requests.post(
        f"{stack['url']}/api/submissions/",
        json={"problem": "two-sum", "language": "PY3", "source": SLOW_START_OK},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    submission = created.json()
    ws_url = stack["url"].replace("http://", "ws://") + submission["stream"]
    events: list[dict[str, Any]] = []
    with connect(ws_url, origin=stack["url"], open_timeout=10) as socket:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            event = json.loads(socket.recv(timeout=max(1.0, deadline - time.monotonic())))
            events.append(event)
            if event["type"] == "grading-end" or (event["type"] == "state" and event["status"] == "D"):
                break
    types = [e["type"] for e in events]
    assert types[0] == "state"
    assert "grading-begin" in types, types
    case_events = [c for e in events if e["type"] == "test-case" for c in e["cases"]]
    assert case_events and all(c["verdict"] == "AC" for c in case_events)
    final = events[-1]
    assert final["type"] == "grading-end" and final["verdict"] == "AC"
    assert final["memory_kb"] > 0 and final["time_ms"] is not None

    detail = requests.get(f"{stack['url']}/api/submissions/{submission['id']}/", headers=headers, timeout=10).json()
    assert detail["status"] == "D" and detail["verdict"] == "AC"
    assert len(detail["cases"]) == detail["cases_total"]
    assert "judge.tasks.judge_submission" in (stack["var"] / "worker.log").read_text()


def test_a_run_is_answered_by_the_judge_worker(stack: dict[str, Any]) -> None:
    """The web process has no jail of its own here: the run crosses the broker and comes back."""
    source = 'print("hello from the jail")\n' + SLOW_START_OK.replace("time.sleep(1.0)", "")
    response = requests.post(
        f"{stack['url']}/api/problems/two-sum/run/",
        json={"language": "PY3", "source": source, "inputs": [[[2, 7, 11], 9]]},
        headers={"Authorization": f"Bearer {stack['token']}"},
        timeout=90,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verdict"] == "OK" and report["cases"][0]["output"] == [0, 1]
    assert report["cases"][0]["stdout"] == "hello from the jail\n"
    assert "judge.tasks.run_trial" in (stack["var"] / "worker.log").read_text()


def test_a_curation_task_runs_on_the_judge_worker(stack: dict[str, Any]) -> None:
    """An admin action only queues: the worker validates and leaves its result on the row."""
    script = (
        "from arena.models import Problem\n"
        "from arena.services.curation_tasks import curation_task_request\n"
        "print(curation_task_request(problem=Problem.objects.get(code='two-sum'), kind='validate').pk)\n"
    )
    task_id = int(manage(stack["env"], "shell", "-c", script).strip().splitlines()[-1])
    with psycopg.connect(stack["env"]["DATABASE_URL"], autocommit=True) as db:
        deadline = time.monotonic() + 120
        row = None
        while time.monotonic() < deadline:
            row = db.execute(
                "SELECT status, progress, result FROM arena_curationtask WHERE id = %s", (task_id,)
            ).fetchone()
            if row and row[0] in ("done", "failed"):
                break
            time.sleep(0.5)
    assert row is not None and row[0] == "done" and row[1] == 1.0, row
    assert row[2].startswith("ok: ")
    assert "arena.tasks.run_curation_task" in (stack["var"] / "worker.log").read_text()


def test_the_leaderboard_feed_announces_the_change(stack: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {stack['token']}"}
    ws_url = stack["url"].replace("http://", "ws://") + "/ws/leaderboard/"
    with connect(ws_url, origin=stack["url"], open_timeout=10) as socket:
        # Idle longer than redis-py's default 5 s socket timeout: the feed must survive quiet periods.
        time.sleep(7)
        requests.post(
            f"{stack['url']}/api/v2/submission",
            data={"problem_code": "two-sum", "language": "PY3", "source": "class Solution: pass"},
            headers=headers,
            timeout=10,
        )
        event = json.loads(socket.recv(timeout=60))
    assert event["type"] == "standings-changed" and event["problem"] == "two-sum" and event["verdict"] == "CE"
    board = requests.get(f"{stack['url']}/api/leaderboard/?kind=model", timeout=10).json()
    assert board[0]["name"] == "prod-model" and board[0]["solved"] == 1


def test_bad_input_in_production_is_a_json_4xx(stack: dict[str, Any]) -> None:
    response = requests.post(
        f"{stack['url']}/api/submissions/",
        data="{broken",
        headers={"Authorization": f"Bearer {stack['token']}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"
    assert Path(stack["var"] / "web.log").exists()
