"""The production process set, started for real and restartable one by one: a private
redis-server with deploy/redis/codearena.conf on its own port, a fresh PostgreSQL database, a
judge worker ("judge"), a maintenance worker ("maintenance"), beat and the ASGI server. Used by
the fault-injection tests (tests/production/test_faults.py) and the crowd benchmark
(bench/production.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests

from tests.live import BIN, REPO, base_env, free_port, manage, process, uvicorn_cmd, wait_healthy

PG_ADMIN = os.environ.get("ARENA_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

OK = """
class Solution:
    def twoSum(self, nums, target):
        seen = {}
        for j, v in enumerate(nums):
            if target - v in seen:
                return [seen[target - v], j]
            seen[v] = j
"""


@contextmanager
def redis_server(port: int, data_dir: Path, log: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """A private redis-server with the shipped configuration; the callable (re)starts it."""
    config = REPO / "deploy" / "redis" / "codearena.conf"
    cmd = ["redis-server", str(config), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
           "--daemonize", "no", "--logfile", ""]  # fmt: skip
    current: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() != (
            "PONG"
        ):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        current.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in current:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class Stack:
    """The running processes, restartable one by one, and a view of the database."""

    def __init__(
        self, env: dict[str, str], var: Path, db_url: str, redis_start: Callable[[], Any], *, web_workers: int = 1
    ) -> None:
        self.env, self.var, self.db_url = env, var, db_url
        self.web_workers = web_workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_start = redis_start
        self.redis = redis_start()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._exits = ExitStack()
        self.tokens: list[str] = []

    def commands(self) -> dict[str, list[str]]:
        celery = [str(BIN / "celery"), "-A", "config"]
        quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
        return {
            "judge": [*celery, "worker", "-Q", "judge", "-c", "2", "-n", f"judge-{uuid.uuid4().hex[:6]}@test", *quiet],
            "maintenance": [*celery, "worker", "-Q", "maintenance", "-c", "1", "-n", "maintenance@test", *quiet],
            "beat": [*celery, "beat", "-l", "info", "--schedule", str(self.var / "beat-schedule")],
            "web": [*uvicorn_cmd(self.port), *(["--workers", str(self.web_workers)] if self.web_workers > 1 else [])],
        }

    def start(self, name: str) -> float:
        env = dict(self.env)
        if name != "web":
            env["DATABASE_POOL_MAX"] = "0"
        log = self.var / f"{name}-{len(list(self.var.glob(f'{name}-*.log')))}.log"
        self.procs[name] = self._exits.enter_context(process(self.commands()[name], env, log))
        if name == "web":
            wait_healthy(self.url, self.procs[name], log, timeout_s=90)
        return time.monotonic()

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def close(self) -> None:
        self._exits.close()

    # --- the database, read directly -------------------------------------------------------
    def rows(self, ids: list[int] | None = None) -> dict[int, tuple[str, str, int]]:
        query = "SELECT id, status, verdict, attempts FROM arena_submission"
        with psycopg.connect(self.db_url) as conn:
            rows = conn.execute(query + (" WHERE id = ANY(%s)" if ids is not None else ""), (ids,) if ids else ())
            return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def wait_done(self, ids: list[int], *, within_s: float) -> float:
        """Seconds until every one of ``ids`` is done; fails after ``within_s``."""
        start = time.monotonic()
        while True:
            rows = self.rows(ids)
            if len(rows) == len(ids) and all(status == "D" for status, _, _ in rows.values()):
                return time.monotonic() - start
            if time.monotonic() - start > within_s:
                pending = {i: r for i, r in rows.items() if r[0] != "D"}
                raise AssertionError(f"not done within {within_s} s: {pending}\n{self.logs_tail()}")
            time.sleep(0.5)

    def wait_status(self, ids: list[int], status: str, *, within_s: float = 60) -> list[int]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            hits = [i for i, row in self.rows(ids).items() if row[0] == status]
            if hits:
                return hits
            time.sleep(0.2)
        raise AssertionError(f"none of {ids} reached {status}\n{self.logs_tail()}")

    def judged_counts(self) -> Counter[int]:
        """How many times each submission got a verdict, from every judge worker's log."""
        found: Counter[int] = Counter()
        for log in self.var.glob("judge-*.log"):
            found.update(int(m) for m in re.findall(r"judged submission (\d+) \(attempt", log.read_text()))
        return found

    def logs_tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-1500:]}" for log in sorted(self.var.glob("*.log")))

    # --- clients ---------------------------------------------------------------------------
    def submit(self, token: str, source: str = OK) -> requests.Response:
        """POST one Two Sum submission over the REST API."""
        return requests.post(
            f"{self.url}/api/submissions/",
            json={"problem": "two-sum", "language": "PY3", "source": source},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )


@contextmanager
def production_stack(var: Path, *, tokens: int = 8, web_workers: int = 1, **settings: str) -> Iterator[Stack]:
    """The whole set running on a fresh database; ``settings`` are extra environment variables."""
    db_name = f"arena_stack_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{db_name}"')
    (var / "redis").mkdir(exist_ok=True)
    redis_port = free_port()
    db_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{db_name}"
    env = base_env(
        var,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=db_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        JUDGE_HOST="stack-test-worker",
        **settings,
    )
    built: Stack | None = None
    try:
        with redis_server(redis_port, var / "redis", var / "redis.log") as redis_start:
            built = Stack(env, var, db_url, redis_start, web_workers=web_workers)  # starts Redis
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "load_bank", "two-sum")
            built.tokens = [manage(env, "arena_token", f"crowd-{i}", "--model").strip() for i in range(tokens)]
            for name in ("judge", "maintenance", "beat", "web"):
                built.start(name)
            yield built
    finally:
        if built is not None:
            built.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
