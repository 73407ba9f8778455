"""The CodeArena-compatible /api/v2 endpoints (DMOJ envelope)."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Problem, Submission
from tests.http import auth
from tests.sources import TWO_SUM_OK


def test_problem_list_uses_the_envelope(client: Client, two_sum: Problem, model_token: str) -> None:
    body = client.get("/api/v2/problems", **auth(model_token)).json()
    assert body["api_version"] == "2.0" and body["method"] == "get" and "fetched" in body
    data = body["data"]
    assert data["total_objects"] == 1 and data["current_object_count"] == 1 and data["has_more"] is False
    assert {"code", "name", "points", "group", "types", "partial", "is_public"} <= set(data["objects"][0])


def test_problem_detail_has_description_and_prompt(client: Client, two_sum: Problem, model_token: str) -> None:
    obj = client.get("/api/v2/problem/two-sum", **auth(model_token)).json()["data"]["object"]
    assert obj["code"] == "two-sum"
    assert "Two Sum" == obj["name"]
    assert "target" in obj["description"]
    assert obj["prompt"].startswith("class Solution")
    assert obj["languages"][0] == "PY3" and "CPP17" in obj["languages"], "the keys of the languages it offers"
    assert {"time_limit", "memory_limit"} <= set(obj)


@pytest.mark.django_db(transaction=True)
def test_form_encoded_post_then_read(client: Client, two_sum: Problem, model_token: str) -> None:
    body = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "Python 3", "source": TWO_SUM_OK},
        **auth(model_token),
    ).json()
    assert body["method"] == "post"
    assert body["data"]["status"] == "success"
    obj = client.get(f"/api/v2/submission/{body['data']['id']}", **auth(model_token)).json()["data"]["object"]
    assert obj["result"] == "AC" and obj["status"] == "D"
    assert obj["problem"] == "two-sum" and obj["language"] == "PY3"
    assert obj["cases"] and all(case["status"] == "AC" for case in obj["cases"])
    listed = client.get("/api/v2/submissions", **auth(model_token)).json()["data"]
    assert listed["objects"][0]["id"] == body["data"]["id"]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"problem_code": "missing", "language": "PY3", "source": "x"}, 404),
        ({"problem_code": "two-sum", "language": "BF", "source": "x"}, 400),
        ({"problem_code": "two-sum", "language": "PY3", "source": ""}, 400),
        ({"language": "PY3", "source": "x"}, 400),
    ],
)
def test_bad_posts_return_the_error_envelope(
    client: Client, two_sum: Problem, model_token: str, form: dict[str, str], status: int
) -> None:
    response = client.post("/api/v2/submission", form, **auth(model_token))
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == status and body["error"]["message"] and "data" not in body
    assert Submission.objects.count() == 0


def test_auth_errors_use_the_envelope(client: Client, two_sum: Problem) -> None:
    assert client.post("/api/v2/submission", {"problem_code": "two-sum"}).json()["error"]["code"] == 401
    assert client.get("/api/v2/submissions", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/api/v2/problem/nope").json()["error"]["code"] == 404
    assert client.put("/api/v2/submission").json()["error"]["code"] == 405
