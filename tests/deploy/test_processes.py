"""Every Celery task has a consumer among the shipped processes (deploy/systemd), and the
shipped Redis configuration keeps the broker's messages across a restart."""

from __future__ import annotations

import shlex
from pathlib import Path

from django.conf import settings

from config.celery import app
from tests.deploy.test_systemd import UNITS, service

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def consumed_queues() -> dict[str, str]:
    """Queue → the unit whose worker consumes it (celery ... worker -Q a,b)."""
    queues: dict[str, str] = {}
    for unit in UNITS:
        argv = shlex.split(service(unit)["ExecStart"])
        if "celery" not in Path(argv[0]).name or "worker" not in argv:
            continue
        assert "-Q" in argv, f"{unit.name}: a worker without -Q consumes Celery's default queue only"
        for queue in argv[argv.index("-Q") + 1].split(","):
            queues[queue] = unit.name
    return queues


def test_every_task_is_routed_to_a_queue_a_shipped_worker_consumes() -> None:
    app.loader.import_default_modules()
    tasks = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert {"judge.tasks.judge_submission", "judge.tasks.sweep_stuck", "arena.tasks.snapshot_leaderboard"} <= set(tasks)
    consumers = consumed_queues()
    for name in tasks:
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in consumers, f"{name} goes to {queue!r}, which no unit in deploy/systemd consumes"
    # An unrouted task lands on the default queue, which must be consumed too.
    assert app.amqp.router.route({}, "some.future.task")["queue"].name in consumers


def test_periodic_tasks_exist_and_run_apart_from_judging() -> None:
    app.loader.import_default_modules()
    consumers = consumed_queues()
    beat = [unit for unit in UNITS if " beat" in service(unit)["ExecStart"]]
    assert len(beat) == 1, "exactly one beat process sends the periodic tasks"
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        queue = app.amqp.router.route({}, entry["task"])["queue"].name
        # Behind a judging backlog the sweeper would starve: it must not share the judge queue.
        assert queue != "judge" and queue in consumers
        assert entry["options"]["expires"] <= entry["schedule"], "a missed run is dropped, not run late"


def test_the_shipped_redis_configuration_persists_and_never_evicts() -> None:
    options: dict[str, str] = {}
    for raw in (DEPLOY / "redis" / "codearena.conf").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            options[key] = value.strip()
    assert options["appendonly"] == "yes"
    assert options["appendfsync"] in {"everysec", "always"}
    assert options["maxmemory-policy"] == "noeviction"
