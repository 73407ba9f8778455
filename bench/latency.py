"""Queued → verdict latency of a trivial accepted submission, through a live embedded server.

Starts the server as `make run` does (own data directory and port), submits N correct Two Sum
solutions one after another over the REST API and reports the judge's own timestamps
(created_at → judged_at). The first accepted submission requests the references' calibration,
which runs in the background (its scores follow when it lands), so it is timed like the rest.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import base_env, free_port, manage, process, uvicorn_cmd, wait_healthy
from tests.sources import TWO_SUM_OK

COUNT = int(os.environ.get("BENCH_SUBMISSIONS", "20"))


def main() -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    env = base_env(var_dir, JUDGE_PERF_REPEATS=os.environ.get("JUDGE_PERF_REPEATS", "3"))
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_bank", "two-sum")
    token = manage(env, "arena_token", "bench-model", "--model").strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    with process(uvicorn_cmd(port), env, var_dir / "web.log") as web:
        wait_healthy(url, web, var_dir / "web.log")
        latencies: list[float] = []
        for _ in range(COUNT):
            body = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
            created = requests.post(f"{url}/api/submissions/", json=body, headers=headers, timeout=30).json()
            while True:
                detail = requests.get(f"{url}/api/submissions/{created['id']}/", headers=headers, timeout=30).json()
                if detail["status"] == "D":
                    break
                time.sleep(0.02)
            assert detail["verdict"] == "AC", detail
            judged = dt.datetime.fromisoformat(detail["judged_at"]) - dt.datetime.fromisoformat(detail["created_at"])
            latencies.append(judged.total_seconds() * 1000)
    rest = latencies[1:] or latencies
    print(f"first submission (meets the missing calibration):     {latencies[0]:8.1f} ms")
    print(f"median queued -> verdict of the next {len(rest)}:           {statistics.median(rest):8.1f} ms")
    print(
        f"p90 of the next {len(rest)}:                               {sorted(rest)[int(0.9 * (len(rest) - 1))]:8.1f} ms"
    )


if __name__ == "__main__":
    main()
