"""The public `codearena` SDK from PyPI, unchanged, in its own virtualenv, against a live server.

The server is started exactly as `make run` starts it (embedded mode: SQLite, in-process judge,
the whole problem bank), on a private port and data directory.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live import REPO, base_env, free_port, manage, process, uvicorn_cmd, wait_healthy
from tests.sources import TWO_SUM_OK, TWO_SUM_SYNTAX, TWO_SUM_WRONG

pytestmark = pytest.mark.sdk

SDK_PYTHON = REPO / "var" / "sdk-venv" / "bin" / "python"

SDK_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from codearena.codearena import CodeArena

    url, token, sources = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    client = CodeArena(url_root=url, token=token)
    out = {"problems": client.get_problems(), "problem": client.get_problem("two-sum"), "results": {}}
    for name, source in sources.items():
        posted = client.post_submission("two-sum", "PY3", source)
        sid = posted["data"]["id"]
        for _ in range(600):
            sub = client.get_submission(sid)["data"]["object"]
            if sub["status"] == "D":
                break
            time.sleep(0.1)
        out["results"][name] = sub
    out["submissions"] = client.get_submissions()
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not SDK_PYTHON.exists():
        pytest.fail("the SDK virtualenv is missing: run `make sdk-venv` (make test does it)")
    var_dir = tmp_path_factory.mktemp("sdk")
    port = free_port()
    env = base_env(var_dir)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_bank")
    token = manage(env, "arena_token", "sdk-model", "--model").strip()
    with process(uvicorn_cmd(port), env, var_dir / "web.log") as web:
        wait_healthy(f"http://127.0.0.1:{port}", web, var_dir / "web.log")
        yield {"url": f"http://127.0.0.1:{port}", "token": token}


def run_sdk(server: dict[str, str], sources: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [str(SDK_PYTHON), "-c", SDK_SCRIPT, server["url"], server["token"], json.dumps(sources)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_public_sdk_lists_reads_and_submits(server: dict[str, str]) -> None:
    out = run_sdk(server, {"ok": TWO_SUM_OK, "wrong": TWO_SUM_WRONG, "syntax": TWO_SUM_SYNTAX})
    problems = out["problems"]["data"]["objects"]
    assert len(problems) >= 12
    assert {"easy", "medium", "hard"} <= {p["group"].lower() for p in problems}
    problem = out["problem"]["data"]["object"]
    assert problem["description"] and problem["prompt"].startswith("class Solution")

    ok = out["results"]["ok"]
    assert ok["result"] == "AC" and ok["time"] is not None and ok["memory"] > 0
    assert out["results"]["wrong"]["result"] == "WA"
    assert out["results"]["syntax"]["result"] == "CE"
    listed = out["submissions"]["data"]
    assert listed["total_objects"] == 3
