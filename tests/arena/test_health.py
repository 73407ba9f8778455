from __future__ import annotations

from django.test import Client


def test_healthz_checks_database_and_sandbox(client: Client, db: None) -> None:
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] and body["checks"]["sandbox"]["ok"]
    assert body["checks"]["broker"]["mode"].startswith("in-process")
