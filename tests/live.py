"""Start real platform processes (ASGI server, Celery worker) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def base_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "JUDGE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        ARENA_VAR_DIR=str(var_dir),
        DEBUG="0",
        JUDGE_PERF_REPEATS="1",
        # Tests load a few problems and judge them: calibration happens when a submission needs it.
        JUDGE_CALIBRATE_AT_START="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = requests.get(f"{base_url}/healthz", timeout=5)
            if response.status_code == 200:
                return dict(response.json())
            last = response.text
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"server not healthy after {timeout_s}s: {last}\n{log.read_text()[-3000:]}")


def uvicorn_cmd(port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws",
        "websockets",
    ]
