"""The production process set under a crowd: REST submissions and WebSocket followers.

Starts the shipped processes for real (tests/prodstack.py: a private redis-server with
deploy/redis/codearena.conf, a fresh PostgreSQL database, a judge worker -c 2, a maintenance
worker, beat, uvicorn --workers 2) and measures, per variant of the web processes' database
connections:

  crowd   BENCH_CROWD (300) Two Sum submissions, half correct and half wrong, from BENCH_CLIENTS
          (64) threads at once, each with its own requests.Session, spread over BENCH_TOKENS (16)
          participants. Reports the status codes, accepted requests per second during the burst,
          request latency, the time until every accepted submission is DONE, lost and twice-judged
          submissions, and the peak number of PostgreSQL connections to the benchmark's database
          (pg_stat_activity, polled every 100 ms; the benchmark's own probe is not counted).
  sockets on the first variant's stack, after its crowd: BENCH_WS_LEADERBOARD (20) clients on
          /ws/leaderboard/, then BENCH_WS_SUBMISSIONS (20) submissions with BENCH_WS_PER_SUBMISSION
          (9) clients each on its stream, 200 sockets open at once in one event loop. Reports how
          many connected and received the final event (grading-end, or a "state" snapshot with
          status D; on the leaderboard, one standings-changed per submission) and the time from
          submit to that event.

Variants (BENCH_POOLS, default "8,0,4"): DATABASE_POOL_MAX of the web processes, each on a fresh
stack; 8 is the shipped default. 0 disables the psycopg pool and falls back to persistent
connections (CONN_MAX_AGE=60): each request runs in a thread of its own, so the connections grow
with the crowd. That variant is the comparison that justifies the pool: its 5xx and unjudged
submissions are printed, not counted as failures. Celery processes always run without a pool
(docs/operations.md, "Sizing").

All clients come from one address, so the per-IP and per-participant submission rates are lifted.
The per-participant cap on waiting submissions (JUDGE_MAX_QUEUED_PER_PARTICIPANT, 20) stays as
shipped: a 429 is a fair-use refusal, counted apart and never as a failure (16 participants x 20
leave room for the whole crowd). A speed figure is never asserted, but the run exits non-zero if,
with a pool, any request gets a 5xx or no answer, an accepted submission is not DONE within
BENCH_DRAIN_BOUND_S (200 s: lost) or is judged twice, or a socket fails to connect or to receive
its final event. Part of `make bench`; about 5 minutes on 2 cores, up to 9 when the comparison
starves the judge of connections and waits out the bound (BENCH_POOLS=8 alone: 2).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests
from websockets.asyncio.client import connect
from websockets.typing import Origin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.prodstack import PG_ADMIN, Stack, production_stack
from tests.sources import TWO_SUM_OK, TWO_SUM_WRONG

CROWD = int(os.environ.get("BENCH_CROWD", "300"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "64"))
TOKENS = int(os.environ.get("BENCH_TOKENS", "16"))
POOLS = [p.strip() for p in os.environ.get("BENCH_POOLS", "8,0,4").split(",") if p.strip()]
WS_SUBMISSIONS = int(os.environ.get("BENCH_WS_SUBMISSIONS", "20"))
WS_PER_SUBMISSION = int(os.environ.get("BENCH_WS_PER_SUBMISSION", "9"))
WS_LEADERBOARD = int(os.environ.get("BENCH_WS_LEADERBOARD", "20"))
DRAIN_BOUND_S = float(os.environ.get("BENCH_DRAIN_BOUND_S", "200"))
WS_BOUND_S = 120.0
PROBE = "bench-probe"  # application_name of the benchmark's own connections, left out of the count
LIFTED = {"SUBMISSION_RATE": "100000/min", "SUBMISSION_RATE_PER_IP": "100000/min"}


def label(pool: str) -> str:
    if pool == "0":
        return "no pool (CONN_MAX_AGE=60)"
    return f"pool {pool}" + (" (default)" if pool == "8" else "")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class ConnectionPeak(threading.Thread):
    """Polls pg_stat_activity every 100 ms for the connections to one database."""

    def __init__(self, db_name: str) -> None:
        super().__init__(daemon=True)
        self.db_name = db_name
        self.peak = 0
        self.last = 0
        self.errors = 0
        self._stop_event = threading.Event()

    def sample(self, conn: psycopg.Connection[Any]) -> int:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name <> %s"
        row = conn.execute(query, (self.db_name, PROBE)).fetchone()
        return int(row[0]) if row else 0

    def run(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True, application_name=PROBE) as conn:
            while not self._stop_event.is_set():
                try:
                    self.last = self.sample(conn)
                    self.peak = max(self.peak, self.last)
                except psycopg.Error:
                    self.errors += 1
                self._stop_event.wait(0.1)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


class RedisPeak(threading.Thread):
    """Polls Redis's connected_clients every 100 ms (every process of the stack, all purposes)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.peak = 0
        self.last = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.last = int(self.client.info("clients")["connected_clients"]) - 1  # not this probe
                self.peak = max(self.peak, self.last)
            except redis.RedisError:
                pass
            self._stop_event.wait(0.1)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
        self.client.close()


@dataclass
class Reply:
    index: int
    status: int  # 0: no answer (connection error or timeout)
    sent_at: float
    received_at: float
    submission_id: int | None = None
    detail: str = ""


@dataclass
class CrowdResult:
    name: str
    comparison: bool  # the web processes without a pool: what the pool is there to prevent
    replies: list[Reply] = field(default_factory=list)
    idle_connections: int = 0
    peak_connections: int = 0
    redis_idle: int = 0
    redis_peak: int = 0
    redis_end: int = 0
    end_connections: int = 0
    drained_s: float | None = None
    not_done: int = 0
    rows: int = 0
    judged_twice: int = 0
    never_judged: int = 0
    judge_failures: int = 0  # attempts the judge worker logged as failed (and retried)
    wrong_verdicts: int = 0
    web_errors: Counter[str] = field(default_factory=Counter)

    def codes(self) -> Counter[int]:
        return Counter(r.status for r in self.replies)

    def accepted(self) -> list[Reply]:
        return [r for r in self.replies if r.status == 201]

    def burst_s(self) -> float:
        return max(r.received_at for r in self.replies) - min(r.sent_at for r in self.replies)

    def failures(self) -> list[str]:
        codes = self.codes()
        found = [f"{n} x HTTP {code}" for code, n in sorted(codes.items()) if code >= 500]
        if codes[0]:
            found.append(f"{codes[0]} requests got no answer")
        unexpected = {code: n for code, n in codes.items() if code not in (0, 201, 429) and code < 500}
        if unexpected:
            found.append(f"unexpected status codes {unexpected}")
        if self.not_done or self.rows != len(self.accepted()):
            found.append(
                f"{self.not_done} accepted but not DONE within {DRAIN_BOUND_S:.0f} s, "
                f"{self.rows} rows for {len(self.accepted())} 201s"
            )
        if self.judged_twice or self.never_judged:
            found.append(f"{self.judged_twice} judged twice, {self.never_judged} DONE without a judging in the logs")
        return [f"{self.name}: {text}" for text in found]


def burst(stack: Stack) -> list[Reply]:
    """CROWD submissions from CLIENTS threads, released together; each thread keeps its session."""
    jobs = iter(range(CROWD))
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)
    replies: list[Reply] = []

    def client() -> None:
        session = requests.Session()
        start.wait()
        while True:
            with lock:
                index = next(jobs, None)
            if index is None:
                break
            body = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK if index % 2 == 0 else TWO_SUM_WRONG}
            headers = {"Authorization": f"Bearer {stack.tokens[index % len(stack.tokens)]}"}
            sent_at = time.monotonic()
            try:
                response = session.post(f"{stack.url}/api/submissions/", json=body, headers=headers, timeout=60)
            except requests.RequestException as exc:
                reply = Reply(index, 0, sent_at, time.monotonic(), detail=repr(exc))
            else:
                reply = Reply(index, response.status_code, sent_at, time.monotonic())
                if response.status_code == 201:
                    reply.submission_id = int(response.json()["id"])
                else:
                    reply.detail = response.text[:300]
            with lock:
                replies.append(reply)
        session.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def drain(probe: psycopg.Connection[Any], ids: list[int], *, since: float) -> tuple[float | None, int]:
    """Seconds from ``since`` until every one of ``ids`` is DONE (None: not within the bound)."""
    while True:
        row = probe.execute("SELECT count(*) FROM arena_submission WHERE id = ANY(%s) AND status = 'D'", (ids,))
        done = int(row.fetchone()[0])  # type: ignore[index]
        if done == len(ids):
            return time.monotonic() - since, 0
        if time.monotonic() - since > DRAIN_BOUND_S:
            return None, len(ids) - done
        time.sleep(0.2)


def crowd(stack: Stack, pool: str) -> CrowdResult:
    result = CrowdResult(label(pool), comparison=pool == "0")
    db_name = stack.db_url.rsplit("/", 1)[1]
    with psycopg.connect(stack.db_url, autocommit=True, application_name=PROBE) as probe:
        poller = ConnectionPeak(db_name)
        poller.start()
        redis_poller = RedisPeak(stack.env["REDIS_URL"])
        redis_poller.start()
        time.sleep(1)
        result.idle_connections = poller.last
        result.redis_idle = redis_poller.last
        started = time.monotonic()
        result.replies = burst(stack)
        ids = [r.submission_id for r in result.accepted() if r.submission_id is not None]
        result.drained_s, result.not_done = drain(probe, ids, since=started)
        poller.stop()
        redis_poller.stop()
        result.peak_connections, result.end_connections = poller.peak, poller.last
        result.redis_peak, result.redis_end = redis_poller.peak, redis_poller.last
        result.rows = int(probe.execute("SELECT count(*) FROM arena_submission").fetchone()[0])  # type: ignore[index]
        rows = probe.execute("SELECT id, status, verdict FROM arena_submission WHERE id = ANY(%s)", (ids,))
        verdicts: dict[int, str] = {i: verdict for i, status, verdict in rows if status == "D"}
    expected = {r.submission_id: "AC" if r.index % 2 == 0 else "WA" for r in result.accepted() if r.submission_id}
    result.wrong_verdicts = sum(1 for i, verdict in expected.items() if i in verdicts and verdicts[i] != verdict)
    counts = stack.judged_counts()
    result.judged_twice = sum(1 for i in ids if counts[i] > 1)
    result.never_judged = sum(1 for i in verdicts if counts[i] == 0)
    result.judge_failures = sum(
        log.read_text().count("judge failure on submission") for log in stack.var.glob("judge-*.log")
    )
    for log in sorted(stack.var.glob("web-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if "Error" in line or "Traceback" in line:
                result.web_errors[line.split(" ", 2)[-1]] += 1  # without the timestamp
    return result


# --- WebSockets ------------------------------------------------------------------------------


@dataclass
class SocketResult:
    clients: int = 0
    connected: int = 0
    final: int = 0
    open_peak: int = 0
    messages: int = 0
    submitted: int = 0
    submit_to_final_s: list[float] = field(default_factory=list)
    connect_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def failures(self) -> list[str]:
        found = []
        if self.submitted != WS_SUBMISSIONS:
            found.append(f"{self.submitted} of {WS_SUBMISSIONS} submissions accepted")
        if self.connected != self.clients or self.final != self.clients:
            found.append(f"{self.connected} of {self.clients} connected, {self.final} received the final event")
        if self.errors:
            found.append(f"errors {dict(self.errors)}")
        return [f"sockets: {text}" for text in found]


def is_final(event: dict[str, Any]) -> bool:
    return event.get("type") == "grading-end" or (event.get("type") == "state" and event.get("status") == "D")


async def sockets(stack: Stack) -> SocketResult:
    """Leaderboard followers first, then submissions and their followers; all stay open to the end."""
    result = SocketResult(clients=WS_LEADERBOARD + WS_SUBMISSIONS * WS_PER_SUBMISSION)
    base = stack.url.replace("http://", "ws://")
    deadline = time.monotonic() + WS_BOUND_S
    settled = asyncio.Semaphore(0)  # one release per client that got its final event or failed
    everyone_done = asyncio.Event()
    leaderboard_settled = asyncio.Semaphore(0)  # one release per leaderboard client connected or failed
    is_open = 0

    def remaining() -> float:
        return max(0.1, deadline - time.monotonic())

    async def follow(
        path: str, until: Callable[[dict[str, Any]], bool], *, connected: Callable[[], None], final: Callable[[], None]
    ) -> None:
        nonlocal is_open
        got_final = was_connected = False
        opening = time.monotonic()
        try:
            async with connect(base + path, origin=Origin(stack.url), open_timeout=30, close_timeout=5) as socket:
                result.connect_s.append(time.monotonic() - opening)
                result.connected += 1
                was_connected = True
                is_open += 1
                result.open_peak = max(result.open_peak, is_open)
                connected()
                try:
                    while not got_final:
                        event = json.loads(await asyncio.wait_for(socket.recv(), timeout=remaining()))
                        result.messages += 1
                        got_final = until(event)
                    result.final += 1
                    final()
                    settled.release()
                    # Stay open until every client is done, so all of them are open at once.
                    await asyncio.wait_for(everyone_done.wait(), timeout=remaining())
                finally:
                    is_open -= 1
        except Exception as exc:  # every failure is counted and reported; none stops the others
            result.errors[type(exc).__name__] += 1
            if not was_connected:
                connected()
            if not got_final:
                settled.release()

    def standings(event: dict[str, Any], seen: list[int]) -> bool:
        seen[0] += event.get("type") == "standings-changed"
        return seen[0] >= WS_SUBMISSIONS

    async def leaderboard_follower() -> None:
        seen = [0]
        await follow(
            "/ws/leaderboard/", lambda e: standings(e, seen), connected=leaderboard_settled.release, final=lambda: None
        )

    async def submission(index: int) -> None:
        source = TWO_SUM_OK if index % 2 == 0 else TWO_SUM_WRONG
        submitted_at = time.monotonic()
        response = await asyncio.to_thread(stack.submit, stack.tokens[index % len(stack.tokens)], source)
        if response.status_code != 201:
            result.errors[f"HTTP {response.status_code}"] += 1
            for _ in range(WS_PER_SUBMISSION):
                settled.release()
            return
        result.submitted += 1
        path = response.json()["stream"]

        def arrived() -> None:
            result.submit_to_final_s.append(time.monotonic() - submitted_at)

        await asyncio.gather(
            *(follow(path, is_final, connected=lambda: None, final=arrived) for _ in range(WS_PER_SUBMISSION))
        )

    async def all_settled() -> None:
        for _ in range(result.clients):
            await settled.acquire()
        everyone_done.set()

    leaderboard = [asyncio.create_task(leaderboard_follower()) for _ in range(WS_LEADERBOARD)]
    for _ in range(WS_LEADERBOARD):  # the feed must be followed before anything is judged
        await asyncio.wait_for(leaderboard_settled.acquire(), timeout=remaining())
    await asyncio.gather(*leaderboard, all_settled(), *(submission(i) for i in range(WS_SUBMISSIONS)))
    return result


# --- the report ------------------------------------------------------------------------------


def p50_p95_ms(seconds: list[float]) -> str:
    return f"{percentile(seconds, 0.5) * 1000:.0f} / {percentile(seconds, 0.95) * 1000:.0f}"


def crowd_table(results: list[CrowdResult]) -> str:
    def codes(r: CrowdResult) -> str:
        return ", ".join(f"{'none' if code == 0 else code}: {n}" for code, n in sorted(r.codes().items()))

    def latency(r: CrowdResult) -> str:
        return p50_p95_ms([x.received_at - x.sent_at for x in r.replies])

    def drained(r: CrowdResult) -> str:
        return f"> {DRAIN_BOUND_S:.0f}" if r.drained_s is None else f"{r.drained_s:.0f}"

    def connections(r: CrowdResult) -> str:
        return f"{r.idle_connections} / {r.peak_connections} / {r.end_connections}"

    rows: list[tuple[str, Any]] = [
        ("status codes", codes),
        ("5xx / no answer", lambda r: f"{sum(n for c, n in r.codes().items() if c >= 500)} / {r.codes()[0]}"),
        ("429 fair-use refusals", lambda r: r.codes()[429]),
        ("burst duration (s)", lambda r: f"{r.burst_s():.1f}"),
        ("accepted requests / s during burst", lambda r: f"{len(r.accepted()) / r.burst_s():.0f}"),
        ("request latency p50 / p95 (ms)", latency),
        ("queue drained after (s, from burst start)", drained),
        ("judged per second", lambda r: f"{len(r.accepted()) / r.drained_s:.2f}" if r.drained_s else "-"),
        (f"accepted but not DONE within {DRAIN_BOUND_S:.0f} s (lost)", lambda r: r.not_done),
        ("rows in the database / 201 responses", lambda r: f"{r.rows} / {len(r.accepted())}"),
        ("judged twice", lambda r: r.judged_twice),
        ("failed judging attempts (retried)", lambda r: r.judge_failures),
        ("verdicts other than expected", lambda r: r.wrong_verdicts),
        ("PostgreSQL connections idle / peak / at end", connections),
        ("Redis connections idle / peak / at end", lambda r: f"{r.redis_idle} / {r.redis_peak} / {r.redis_end}"),
    ]
    width = max(len(r.name) for r in results) + 2
    lines = [f"{'':44}" + "".join(f"{r.name:>{width}}" for r in results)]
    for title, cell in rows:
        lines.append(f"{title:44}" + "".join(f"{cell(r)!s:>{width}}" for r in results))
    return "\n".join(lines)


def socket_table(result: SocketResult) -> str:
    rows = [
        ("clients: leaderboard + submissions x each", f"{WS_LEADERBOARD} + {WS_SUBMISSIONS} x {WS_PER_SUBMISSION}"),
        ("connected", result.connected),
        ("open at once (peak)", result.open_peak),
        ("connect time p50 / p95 (ms)", p50_p95_ms(result.connect_s)),
        ("received the final event", result.final),
        ("submit -> final event p50 / p95 (ms)", p50_p95_ms(result.submit_to_final_s)),
        ("messages received", result.messages),
        ("errors", dict(result.errors) or 0),
    ]
    return "\n".join(f"{title:44}{value!s:>30}" for title, value in rows)


def details(result: CrowdResult) -> str:
    """What went wrong, once per distinct message: the web log's errors and the answers' bodies."""
    bad = Counter(f"{r.status}: {r.detail}" for r in result.replies if r.status >= 500 or r.status == 0)
    lines = [f"  {n:4} x {line[:400]}" for line, n in result.web_errors.most_common(5)]
    lines += [f"  {n:4} x answer {text[:400]}" for text, n in bad.most_common(5)]
    return f"\n{result.name}: the web log and the answers say\n" + "\n".join(lines)


def main() -> None:
    results: list[CrowdResult] = []
    socket_result: SocketResult | None = None
    print(f"crowd: {CROWD} Two Sum submissions from {CLIENTS} threads, {TOKENS} participants; uvicorn --workers 2")
    for pool, first in zip(POOLS, itertools.chain([True], itertools.repeat(False))):
        var_dir = Path(tempfile.mkdtemp(prefix=f"arena-bench-prod-{pool}-"))
        began = time.monotonic()
        with production_stack(var_dir, tokens=TOKENS, web_workers=2, DATABASE_POOL_MAX=pool, **LIFTED) as stack:
            results.append(crowd(stack, pool))
            print(f"  {label(pool)}: done in {time.monotonic() - began:.0f} s (logs in {var_dir})", flush=True)
            if first:
                socket_result = asyncio.run(sockets(stack))
                print(f"  sockets on {label(pool)}: done", flush=True)
    print()
    print(crowd_table(results))
    if socket_result is not None:
        print(f"\nWebSockets on {label(POOLS[0])}, after its crowd drained:")
        print(socket_table(socket_result))
    for result in results:
        if result.web_errors or any(r.status >= 500 or r.status == 0 for r in result.replies):
            print(details(result))
    failures = [text for r in results if not r.comparison for text in r.failures()]
    failures += socket_result.failures() if socket_result else []
    findings = [text for r in results if r.comparison for text in r.failures()]
    if findings:
        print("\nWithout the pool (the comparison: what the pool prevents, not a failure of the shipped setup):")
        print("  " + "\n  ".join(findings))
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
