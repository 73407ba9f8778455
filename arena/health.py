"""/healthz: is the database reachable, are the broker, cache and channel layer up, can this host
start a jail, which cost meter does it use, and how long is the judging queue?

Answers 503 with ``down`` naming the failed parts, so a load balancer and an operator see the
same thing (docs/operations.md, "Failures and recovery").
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

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


def _cache() -> dict[str, Any]:
    """The cache holds the rate limits: without it, submitting is refused (503)."""
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=5)
    ok = cache.get(key) == 1
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _channel_layer() -> dict[str, Any]:
    """Live events; without it pages fall back to polling."""
    layer = get_channel_layer()
    if layer is None:
        return {"ok": False, "error": "no channel layer configured"}
    connect = getattr(layer, "connection", None)
    if connect is not None:  # channels_redis: ping the first host

        async def ping() -> None:
            await connect(0).ping()

        async_to_sync(ping)()
    return {"ok": True, "backend": type(layer).__name__}


def _queue() -> dict[str, Any]:
    """How much judging is waiting, and for how long (not a failure: information)."""
    from arena.models import Submission

    counts = dict(Submission.objects.exclude(status=Submission.Status.DONE).values_list("status").annotate(
        n=Count("id")
    ).values_list("status", "n"))  # fmt: skip
    oldest = Submission.objects.filter(status=Submission.Status.QUEUED).aggregate(at=Min("created_at"))["at"]
    waited = (timezone.now() - oldest) if oldest else dt.timedelta(0)
    return {
        "ok": True,
        "queued": counts.get(Submission.Status.QUEUED, 0),
        "judging": counts.get(Submission.Status.PROCESSING, 0) + counts.get(Submission.Status.GRADING, 0),
        "oldest_queued_s": round(waited.total_seconds(), 1),
    }


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
    for name, check in (
        ("database", _database),
        ("broker", _broker),
        ("cache", _cache),
        ("channel_layer", _channel_layer),
        ("queue", _queue),
        ("sandbox", _sandbox),
        ("meter", _meter),
    ):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports failures, it does not raise them
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    down = [name for name, result in checks.items() if not result.get("ok")]
    return JsonResponse({"ok": not down, "down": down, "checks": checks}, status=503 if down else 200)
