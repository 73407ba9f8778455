"""Evaluation campaigns: k samples per problem, pass@k, Beyond@k, kept off the leaderboard."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Participant, Problem, Standing
from arena.selectors.campaigns import expected_max_at_k, pass_at_k
from tests.http import auth
from tests.sources import TWO_SUM_OK, TWO_SUM_SYNTAX, TWO_SUM_WRONG


def test_pass_at_k_is_the_unbiased_estimator() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    assert pass_at_k(5, 2, 3) == pytest.approx(0.9)  # 1 - C(3,3)/C(5,3)


def test_expected_max_at_k() -> None:
    assert expected_max_at_k([0.0, 1.0], 1) == pytest.approx(0.5)
    assert expected_max_at_k([0.0, 1.0], 2) == pytest.approx(1.0)
    # Of the three pairs of {0.2, 0.5, 0.9}: maxima 0.5, 0.9, 0.9 → mean 0.7667.
    assert expected_max_at_k([0.9, 0.2, 0.5], 2) == pytest.approx((0.5 + 0.9 + 0.9) / 3)


@pytest.mark.django_db(transaction=True)
def test_a_campaign_reports_pass_at_k_and_stays_off_the_leaderboard(
    client: Client, two_sum: Problem, model_account: Participant, model_token: str
) -> None:
    created = client.post(
        "/api/campaigns/", {"name": "run-1", "k": 3}, content_type="application/json", **auth(model_token)
    )
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    samples = [
        {"problem": "two-sum", "language": "PY3", "source": s} for s in (TWO_SUM_OK, TWO_SUM_WRONG, TWO_SUM_SYNTAX)
    ]
    response = client.post(f"/api/campaigns/{campaign_id}/submissions/", samples, content_type="application/json",
                           **auth(model_token))  # fmt: skip
    assert response.status_code == 201, response.content
    report = client.get(f"/api/campaigns/{campaign_id}/", **auth(model_token)).json()
    assert report["samples"] == 3 and report["pending"] == 0
    row = report["problems"][0]
    assert (row["n"], row["c"]) == (3, 1)
    assert row["pass@1"] == pytest.approx(1 / 3) and row["pass@3"] == pytest.approx(1.0)
    assert row["beyond@3"] >= row["beyond@1"]
    assert report["failure_breakdown"] == {"passed": 1, "wrong answer": 1, "generation / compile error": 1}
    assert report["per_difficulty"]["easy"]["pass@1"] == pytest.approx(1 / 3)
    assert not Standing.objects.filter(participant=model_account).exists()
    assert client.get("/api/leaderboard/").json() == []

    too_many = client.post(f"/api/campaigns/{campaign_id}/submissions/", samples[:1], content_type="application/json",
                           **auth(model_token))  # fmt: skip
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "too_many_samples"


@pytest.mark.django_db
def test_humans_cannot_start_campaigns_and_rivals_cannot_read_them(
    client: Client, contestant_token: str, model_token: str, rival: Participant
) -> None:
    from arena.services.participants import token_create

    response = client.post(
        "/api/campaigns/", {"name": "x", "k": 2}, content_type="application/json", **auth(contestant_token)
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "models_only"
    created = client.post(
        "/api/campaigns/", {"name": "x", "k": 2}, content_type="application/json", **auth(model_token)
    )
    rival_token = token_create(participant=rival)[1]
    assert client.get(f"/api/campaigns/{created.json()['id']}/", **auth(rival_token)).status_code == 404
    assert client.post("/api/campaigns/", {"name": "x", "k": 0}, content_type="application/json",
                       **auth(model_token)).status_code == 400  # fmt: skip
