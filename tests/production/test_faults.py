"""Fault injection on the real production processes: a crowd, a killed worker, a killed jail, a
killed web process and a Redis restart. Nothing is lost, nothing is judged twice, no request gets
a 5xx, and whatever a failure caught reaches its verdict within RECOVERY_BOUND_S of the failed
part coming back.

The processes are the shipped set (deploy/systemd): a judge worker on "judge", a maintenance
worker on "maintenance", beat, the ASGI server; PostgreSQL of the host and a private
redis-server started here on its own port with deploy/redis/codearena.conf, so it can be
killed and restarted. Settings are the shipped defaults (heartbeat, sweeper, visibility).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests
from websockets.sync.client import connect

from tests.prodstack import OK, Stack, production_stack

pytestmark = pytest.mark.production

RECOVERY_BOUND_S = 60.0

WRONG = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]\n"
# Correct but slow to load (sleeping costs no CPU): long enough to be caught mid-judging.
SLOW_OK = "import time\ntime.sleep(4)\n" + OK


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # The crowd below is one test client on one address: its rate is not what this file tests.
    with production_stack(
        tmp_path_factory.mktemp("faults"), SUBMISSION_RATE="100000/min", SUBMISSION_RATE_PER_IP="100000/min"
    ) as running:
        yield running


def assert_each_judged_once(stack: Stack, ids: list[int]) -> None:
    counts = stack.judged_counts()
    assert {i: counts[i] for i in ids} == dict.fromkeys(ids, 1), "a submission was judged twice (or never)"


def test_a_burst_from_a_crowd_gets_no_5xx_and_loses_nothing(stack: Stack) -> None:
    sources = [OK, WRONG] * 20

    def one(index: int) -> requests.Response:
        return stack.submit(stack.tokens[index % len(stack.tokens)], sources[index])

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(one, range(len(sources))))
    assert [r.status_code for r in responses] == [201] * len(sources), [
        r.text for r in responses if r.status_code != 201
    ]
    ids = [r.json()["id"] for r in responses]
    stack.wait_done(ids, within_s=240)
    verdicts = {i: row[1] for i, row in stack.rows(ids).items()}
    assert [verdicts[i] for i in ids] == ["AC" if s == OK else "WA" for s in sources]
    assert_each_judged_once(stack, ids)


def test_a_worker_killed_mid_judging_loses_nothing(stack: Stack) -> None:
    ids = [stack.submit(stack.tokens[0], SLOW_OK).json()["id"] for _ in range(3)]
    stack.wait_status(ids, "P")
    stack.kill("judge")
    time.sleep(2)
    back = stack.start("judge")
    stack.wait_done(ids, within_s=RECOVERY_BOUND_S)
    print(f"worker kill: all done {time.monotonic() - back:.1f} s after the worker came back")
    rows = stack.rows(ids)
    assert all(row[1] == "AC" for row in rows.values()), rows
    assert any(row[2] >= 2 for row in rows.values()), "the killed attempt should have been counted"
    assert_each_judged_once(stack, ids)


def test_a_jail_killed_from_outside_is_retried_not_held_against_the_program(stack: Stack) -> None:
    [sid] = [stack.submit(stack.tokens[1], SLOW_OK).json()["id"]]
    stack.wait_status([sid], "P")
    time.sleep(1.5)  # the jail is running the program's slow start
    killed = subprocess.run(["pkill", "-KILL", "-f", "nsjail"], capture_output=True)
    assert killed.returncode == 0, "no jail was running"
    start = time.monotonic()
    stack.wait_done([sid], within_s=RECOVERY_BOUND_S)
    print(f"jail kill: done {time.monotonic() - start:.1f} s after the kill")
    _, verdict, attempts = stack.rows([sid])[sid]
    assert verdict == "AC" and attempts >= 2
    assert_each_judged_once(stack, [sid])


def test_a_web_process_killed_mid_burst_loses_no_stored_submission(stack: Stack) -> None:
    before = set(stack.rows())

    def one(index: int) -> int:
        try:
            return stack.submit(stack.tokens[2 + index % 4]).status_code
        except requests.RequestException:
            return 0  # the connection died with the server: not accepted, the client retries

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(one, i) for i in range(24)]
        time.sleep(0.4)
        stack.kill("web")
        codes = [f.result() for f in futures]
    back = stack.start("web")
    assert not [c for c in codes if c >= 500], codes
    stored = sorted(set(stack.rows()) - before)
    assert stored, "some submissions were stored before the kill"
    stack.wait_done(stored, within_s=RECOVERY_BOUND_S + 60)
    print(f"web kill: {codes.count(201)} accepted, {len(stored)} stored, all done "
          f"{time.monotonic() - back:.1f} s after the web came back")  # fmt: skip
    assert_each_judged_once(stack, stored)


def test_a_queued_submission_whose_message_was_lost_is_sent_again(stack: Stack) -> None:
    """What a web process killed between its commit and its publish leaves behind: a queued row
    and no message. The sweeper finds it by looking in the broker."""
    [sid] = [stack.submit(stack.tokens[6]).json()["id"]]
    stack.wait_done([sid], within_s=60)
    with psycopg.connect(stack.db_url) as conn:
        row = conn.execute(
            "INSERT INTO arena_submission (participant_id, problem_id, language, source, status, verdict, message,"
            " cases_total, cases_done, cost_unit, cost_meter, cost_environment, cost_detail, judge_host, attempts,"
            " created_at) SELECT participant_id, problem_id, language, source, 'QU', '', '', cases_total, 0, '', '',"
            " '', '{}', '', 0, now() FROM arena_submission WHERE id = %s RETURNING id",
            (sid,),
        ).fetchone()
    assert row is not None
    took = stack.wait_done([row[0]], within_s=RECOVERY_BOUND_S)
    print(f"lost message: re-sent and judged {took:.1f} s after the commit")
    assert_each_judged_once(stack, [row[0]])


def test_a_redis_restart_loses_nothing_and_writes_fail_politely_meanwhile(stack: Stack) -> None:
    token = stack.tokens[7]
    stack.kill("judge")  # queued messages wait in Redis while it restarts
    ids = [stack.submit(token).json()["id"] for _ in range(6)]
    stack.redis.kill()
    stack.redis.wait()

    stored = len(stack.rows())
    during = stack.submit(token)
    assert during.status_code == 503 and "Retry-After" in during.headers, during.text
    assert during.json()["error"]["message"] and len(stack.rows()) == stored, "a refused write stores nothing"
    assert requests.get(f"{stack.url}/api/problems/", timeout=30).status_code == 200
    health = requests.get(f"{stack.url}/healthz", timeout=30)
    assert health.status_code == 503 and "broker" in health.json()["down"]

    stack.redis = stack.redis_start()
    back = time.monotonic()
    stack.start("judge")
    stack.wait_done(ids, within_s=RECOVERY_BOUND_S)
    print(f"redis restart: all done {time.monotonic() - back:.1f} s after Redis came back")
    assert_each_judged_once(stack, ids)
    # The first WebSocket handshake after Redis returns succeeds (a pooled connection from before
    # the restart is retried, not a 500), and live events flow again.
    ws_url = stack.url.replace("http://", "ws://") + "/ws/leaderboard/"
    with connect(ws_url, origin=stack.url, open_timeout=10) as socket:
        after = stack.submit(token)
        assert after.status_code == 201, after.text
        event = json.loads(socket.recv(timeout=60))
    assert event["type"] == "standings-changed" and event["problem"] == "two-sum"
    stack.wait_done([after.json()["id"]], within_s=60)
