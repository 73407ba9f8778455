"""The MCP server through the official SDK's own client, against live processes.

Streamable HTTP: the site's ASGI app under uvicorn, started as `make run` starts it (embedded
mode: SQLite, in-process judge), on a private port and data directory. stdio: `manage.py mcp`,
spawned by the SDK's stdio client over the same database. One test repeats the round in
production mode (PostgreSQL, Redis, a Celery judge worker, two web processes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from tests.live import REPO, base_env, free_port, manage, process, uvicorn_cmd, wait_healthy
from tests.prodstack import Stack, production_stack
from tests.sources import TWO_SUM_OK, TWO_SUM_WRONG

TOOLS = {"list_problems", "get_problem", "run_code", "submit", "wait_for_verdict", "my_submissions", "leaderboard"}
RUN_RATE = 8  # per account and minute on the live server, so that the limit is reached quickly

CHATTY_OK = "import sys\n" + TWO_SUM_OK.replace(
    "        seen = {}\n",
    '        print("looking at", nums)\n        print("debug", file=sys.stderr)\n        seen = {}\n',
)


@dataclass(frozen=True)
class Live:
    url: str  # the MCP endpoint
    site: str
    env: dict[str, str]
    log_dir: Path
    tokens: dict[str, str]  # username -> API token


# Live servers of their own (SQLite): the PostgreSQL pass of `make test` leaves them out.
pytestmark = pytest.mark.mcp


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    var_dir = tmp_path_factory.mktemp("mcp")
    env = base_env(var_dir, RUN_RATE=f"{RUN_RATE}/min")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_bank", "two-sum")
    tokens = {name: manage(env, "arena_token", name, "--model").strip() for name in ("http-model", "stdio-model")}
    tokens |= {name: manage(env, "arena_token", name).strip() for name in ("rival", "busy")}
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    with process(uvicorn_cmd(port), env, var_dir / "web.log") as web:
        wait_healthy(site, web, var_dir / "web.log")
        yield Live(url=f"{site}/mcp", site=site, env=env, log_dir=var_dir, tokens=tokens)


@asynccontextmanager
async def over_http(site: str, token: str, path: str = "/mcp") -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        async with Client(streamable_http_client(site + path, http_client=http)) as client:
            yield client


@asynccontextmanager
async def over_stdio(env: dict[str, str], log_dir: Path, token: str) -> AsyncIterator[Client]:
    server = StdioServerParameters(
        command=sys.executable, args=["manage.py", "mcp"], env={**env, "CODEARENA_TOKEN": token}, cwd=REPO
    )
    with (log_dir / "stdio.log").open("a") as errlog:
        async with Client(stdio_client(server, errlog=errlog)) as client:
            yield client


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    anyio.run(scenario)


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result.structured_content
    return " ".join(getattr(block, "text", "") for block in result.content)


async def submit_and_wait(client: Client, source: str) -> dict[str, Any]:
    submitted = data(await client.call_tool("submit", {"problem": "two-sum", "source": source}))
    assert submitted["status"] == "QU" and submitted["problem"] == "two-sum"
    verdict = data(await client.call_tool("wait_for_verdict", {"submission_id": submitted["id"], "timeout_s": 120}))
    assert verdict["id"] == submitted["id"]
    assert verdict["finished"] is True and verdict["status"] == "D", verdict
    return verdict


def test_over_http_an_agent_reads_runs_submits_and_is_ranked(live: Live) -> None:
    async def scenario() -> None:
        async with over_http(live.site, live.tokens["http-model"]) as client:
            assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS

            problems = data(await client.call_tool("list_problems", {}))["problems"]
            assert [p["code"] for p in problems] == ["two-sum"]
            assert data(await client.call_tool("list_problems", {"difficulty": "hard"}))["problems"] == []
            bad = error_text(await client.call_tool("list_problems", {"difficulty": "extreme"}))
            assert "difficulty must be one of: easy, medium, hard" in bad

            problem = data(await client.call_tool("get_problem", {"code": "two-sum"}))
            assert problem["statement"] and "statement_html" not in problem
            assert problem["starter_code"]["PY3"].startswith("class Solution")
            assert [param["name"] for param in problem["signature"]["params"]] == ["nums", "target"]
            assert problem["samples"] and problem["time_limit_ms"] > 0 and problem["memory_limit_kb"] > 0
            assert "No problem with code 'nope'" in error_text(await client.call_tool("get_problem", {"code": "nope"}))

            inputs = [[[1, 2, 7], 9], {"nums": [5, 5], "target": 10}]
            ran = data(
                await client.call_tool("run_code", {"problem": "two-sum", "source": CHATTY_OK, "inputs": inputs})
            )
            assert ran["verdict"] == "OK" and ran["submitted"] is False
            first, second = ran["cases"]
            assert first["input"] == {"nums": [1, 2, 7], "target": 9} and first["output"] == [1, 2]
            assert first["stdout"] == "looking at [1, 2, 7]\n" and first["stderr"] == "debug\n"
            assert second["output"] == [0, 1]

            verdict = await submit_and_wait(client, TWO_SUM_OK)
            assert verdict["verdict"] == "AC" and verdict["passed"] == verdict["total"] > 0
            assert verdict["cost"] is not None and verdict["cost_unit"]
            assert set(verdict["scores"]) == {"beyond", "dps", "dps_norm", "es"}
            assert all(case["verdict"] == "AC" for case in verdict["cases"])

            mine = data(await client.call_tool("my_submissions", {}))["submissions"]
            assert [(s["id"], s["verdict"]) for s in mine] == [(verdict["id"], "AC")]
            assert data(await client.call_tool("my_submissions", {"problem": "nope"}))["submissions"] == []

            board = data(await client.call_tool("leaderboard", {"kind": "model"}))
            assert board["you"]["name"] == "http-model" and board["you"]["solved"] == 1
            assert "http-model" in [row["name"] for row in board["rows"]]
            assert data(await client.call_tool("leaderboard", {"kind": "human"}))["you"] is None
            assert "kind must be one of" in error_text(await client.call_tool("leaderboard", {"kind": "robots"}))

    run(scenario)


def test_over_stdio_the_tools_serve_the_token_s_participant(live: Live) -> None:
    async def scenario() -> None:
        async with over_stdio(live.env, live.log_dir, live.tokens["stdio-model"]) as client:
            assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
            assert data(await client.call_tool("get_problem", {"code": "two-sum"}))["code"] == "two-sum"

            ran = data(await client.call_tool("run_code", {"problem": "two-sum", "source": TWO_SUM_WRONG}))
            assert ran["verdict"] == "WA" and ran["cases"][0]["expected"] != [0, 1]
            bad = error_text(await client.call_tool("list_problems", {"difficulty": "extreme"}))
            assert "difficulty must be one of" in bad

            verdict = await submit_and_wait(client, TWO_SUM_OK)
            assert verdict["verdict"] == "AC"
            mine = data(await client.call_tool("my_submissions", {"problem": "two-sum"}))["submissions"]
            assert [s["id"] for s in mine] == [verdict["id"]]
            assert data(await client.call_tool("leaderboard", {}))["you"]["name"] == "stdio-model"

    run(scenario)


def test_over_stdio_a_revoked_token_fails_from_the_next_call(live: Live) -> None:
    token = manage(live.env, "arena_token", "stdio-model", "--name", "short-lived").strip()
    auth = {"Authorization": f"Bearer {token}"}

    async def scenario() -> None:
        async with over_stdio(live.env, live.log_dir, token) as client:
            assert data(await client.call_tool("my_submissions", {}))["submissions"] is not None
            listed = requests.get(f"{live.site}/api/tokens/", headers=auth, timeout=30).json()
            revoked = next(t["id"] for t in listed if t["name"] == "short-lived")
            assert requests.delete(f"{live.site}/api/tokens/{revoked}/", headers=auth, timeout=30).status_code == 204
            refused = await client.call_tool("my_submissions", {})
            assert "Invalid or revoked token" in error_text(refused)

    run(scenario)


def test_a_submission_of_someone_else_is_not_found(live: Live) -> None:
    async def scenario() -> None:
        async with over_http(live.site, live.tokens["http-model"]) as client:
            theirs = data(await client.call_tool("submit", {"problem": "two-sum", "source": TWO_SUM_WRONG}))["id"]
        async with over_http(live.site, live.tokens["rival"], path="/mcp/") as client:
            refused = await client.call_tool("wait_for_verdict", {"submission_id": theirs, "timeout_s": 0})
            assert f"No submission {theirs} of yours" in error_text(refused)
            assert refused.structured_content is None
            assert data(await client.call_tool("my_submissions", {}))["submissions"] == []
            ghost = await client.call_tool("wait_for_verdict", {"submission_id": 10**9, "timeout_s": 0})
            assert error_text(ghost) == error_text(refused).replace(str(theirs), str(10**9))

    run(scenario)


def test_runs_share_the_fair_use_budget_of_the_rest_api(live: Live) -> None:
    token = live.tokens["busy"]
    # One custom input per run: each costs one in the shared per-account budget.
    for _ in range(RUN_RATE // 2):
        response = requests.post(
            f"{live.site}/api/problems/two-sum/run/",
            json={"language": "PY3", "source": TWO_SUM_OK, "inputs": [[[1, 2], 3]]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert response.status_code == 200 and response.json()["verdict"] == "OK", response.text

    async def scenario() -> None:
        async with over_http(live.site, token) as client:
            attempt = {"problem": "two-sum", "source": TWO_SUM_OK, "inputs": [[[1, 2], 3]]}
            for _ in range(RUN_RATE - RUN_RATE // 2):
                answer = await client.call_tool("run_code", attempt)
                assert not answer.is_error, error_text(answer)
            refused = error_text(await client.call_tool("run_code", attempt))
            assert f"Too many inputs run for this account: the limit is {RUN_RATE} per minute" in refused

    run(scenario)


def test_http_refuses_a_missing_wrong_or_revoked_token(live: Live) -> None:
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    missing = requests.post(live.url, json=listing, timeout=30)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["error"]["code"] == "not_authenticated"

    wrong = requests.post(live.url + "/", json=listing, headers={"Authorization": "Bearer ca_not-a-token"}, timeout=30)
    assert wrong.status_code == 401 and wrong.json()["error"] == {
        "code": "authentication_failed",
        "message": "Invalid or revoked token.",
    }

    elsewhere = requests.post(
        live.url, json=listing, headers={"Host": "evil.example", "Authorization": f"Bearer {live.tokens['rival']}"},
        timeout=30,
    )  # fmt: skip
    assert elsewhere.status_code == 400 and elsewhere.json()["error"]["code"] == "bad_request"

    token = manage(live.env, "arena_token", "rival", "--name", "to-revoke").strip()
    auth = {"Authorization": f"Bearer {token}"}
    mine = requests.get(f"{live.site}/api/tokens/", headers=auth, timeout=30).json()
    revoked = next(t["id"] for t in mine if t["name"] == "to-revoke")
    assert requests.delete(f"{live.site}/api/tokens/{revoked}/", headers=auth, timeout=30).status_code == 204
    assert requests.post(live.url, json=listing, headers=auth, timeout=30).status_code == 401

    async def scenario() -> None:
        with pytest.raises(Exception) as refused:  # the SDK's client wraps it in exception groups
            async with over_http(live.site, "ca_not-a-token"):
                pass
        assert "error response" in repr(refused.value)

    run(scenario)


def test_http_takes_post_only(live: Live) -> None:
    # Stateless: a GET would otherwise hold open a stream on which nothing is ever sent.
    response = requests.get(live.url, headers={"Authorization": f"Bearer {live.tokens['rival']}"}, timeout=30)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_stdio_command_refuses_to_start_without_a_valid_token(live: Live) -> None:
    def start(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "mcp", *args],
            cwd=REPO, env=env, input="", capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    wrong = start("--token", "ca_not-a-token", env=live.env)
    assert wrong.returncode != 0 and "Invalid or revoked API token" in wrong.stderr
    assert wrong.stdout == ""
    wrong_env = start(env={**live.env, "CODEARENA_TOKEN": "ca_not-a-token"})
    assert wrong_env.returncode != 0 and "Invalid or revoked API token" in wrong_env.stderr
    missing = start(env={k: v for k, v in live.env.items() if k != "CODEARENA_TOKEN"})
    assert missing.returncode != 0 and "No API token" in missing.stderr


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with production_stack(tmp_path_factory.mktemp("mcp-prod"), tokens=2, web_workers=2) as stack:
        yield stack


@pytest.mark.production
def test_in_production_any_web_worker_answers_and_the_celery_worker_judges(production: Stack) -> None:
    """PostgreSQL behind a pool, Redis, two web processes: stateless calls land on either."""
    http_token, stdio_token = production.tokens

    async def scenario() -> None:
        async with over_http(production.url, http_token) as client:
            for _ in range(12):  # whichever web process answers each, none holds a session
                assert data(await client.call_tool("list_problems", {}))["problems"]
            ran = data(await client.call_tool("run_code", {"problem": "two-sum", "source": CHATTY_OK}))
            assert ran["verdict"] == "AC" and ran["cases"][0]["stdout"].startswith("looking at")
            assert (await submit_and_wait(client, TWO_SUM_OK))["verdict"] == "AC"
            assert data(await client.call_tool("leaderboard", {}))["you"]["solved"] == 1
        async with over_stdio(production.env, production.var, stdio_token) as client:
            assert (await submit_and_wait(client, TWO_SUM_WRONG))["verdict"] == "WA"

    run(scenario)
    assert production.judged_counts() == Counter({1: 1, 2: 1}), production.logs_tail()


def test_without_the_lifespan_the_endpoint_answers_503_not_a_crash() -> None:
    from arena.mcp.http import McpHttpApp

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": [(b"host", b"127.0.0.1")]}
    anyio.run(McpHttpApp(), scope, receive, send)
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["error"]["code"] == "service_unavailable"
