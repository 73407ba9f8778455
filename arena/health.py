"""/healthz: is the database reachable, the broker up, can this host start a jail, and which cost meter does it use?"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from judge.boundary import CaseAnswer
from judge.meters import meter_status
from judge.sandbox import JailLimits, run_harness
from judge.sandbox.command import cgroup_v1_available

_SANDBOX_CACHE: dict[str, Any] = {"checked_at": 0.0, "result": None}
SANDBOX_CHECK_EVERY_S = 30.0


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict[str, Any]:
    if settings.JUDGE_BACKEND != "celery":
        return {"ok": True, "mode": "in-process judge (no broker)"}
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "mode": "celery", "url": settings.CELERY_BROKER_URL.split("@")[-1]}


def _sandbox() -> dict[str, Any]:
    now = time.monotonic()
    if _SANDBOX_CACHE["result"] is not None and now - _SANDBOX_CACHE["checked_at"] < SANDBOX_CHECK_EVERY_S:
        return dict(_SANDBOX_CACHE["result"])
    job = {
        "source": "def ping():\n    return 'pong'\n",
        "signature": {"style": "function", "name": "ping", "params": []},
        "cases": [{"ordinal": 1, "args": []}],
        "time_limit_ms": 1000,
    }
    run = run_harness(job, JailLimits.for_cpu(1, memory_kb=128 * 1024))
    answer = run.answered().get(1)
    ok = isinstance(answer, CaseAnswer) and answer.output == "pong"
    result = {"ok": ok, "cgroups": cgroup_v1_available(), "jail_ms": round(run.end.wall_ms, 1)}
    _SANDBOX_CACHE.update(checked_at=now, result=result)
    return result


def _meter() -> dict[str, Any]:
    """A meter the host cannot run (no PMU, no valgrind) falls back to cpu: still healthy, but
    the operator sees why efficiency is not measured the way JUDGE_METER asks."""
    status = meter_status(settings.JUDGE_METER)
    result: dict[str, Any] = {"ok": True, "configured": status.configured, "active": status.active, "unit": status.unit}
    if status.fallback_reason:
        result["fallback_reason"] = status.fallback_reason
    return result


def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    for name, check in (("database", _database), ("broker", _broker), ("sandbox", _sandbox), ("meter", _meter)):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports failures, it does not raise them
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(c.get("ok") for c in checks.values())
    return JsonResponse({"ok": healthy, "checks": checks}, status=200 if healthy else 503)
