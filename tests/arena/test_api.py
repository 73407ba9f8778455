"""The native REST API: problems, submissions, tokens, errors."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Participant, Problem, Submission
from tests.http import auth
from tests.sources import TWO_SUM_OK, TWO_SUM_SYNTAX, TWO_SUM_WRONG


def test_problem_list_filters_and_detail_has_what_an_agent_needs(client: Client, two_sum: Problem) -> None:
    listed = client.get("/api/problems/?difficulty=easy").json()
    assert [p["code"] for p in listed] == ["two-sum"]
    assert client.get("/api/problems/?difficulty=hard").json() == []
    assert client.get("/api/problems/?search=sum").json()[0]["code"] == "two-sum"
    detail = client.get("/api/problems/two-sum/").json()
    assert detail["signature"]["name"] == "twoSum"
    assert "class Solution" in detail["starter_code"]["PY3"]
    assert detail["samples"][0] == {"input": [[3, 8, 11, 4], 12], "expected": [1, 3]}
    assert "<script" not in detail["statement_html"]


def test_an_unknown_filter_value_is_a_400_not_an_empty_list(client: Client, two_sum: Problem) -> None:
    response = client.get("/api/problems/?difficulty=extreme")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_difficulty" and "easy, medium, hard" in error["message"]
    v2 = client.get("/api/v2/problems?difficulty=extreme")
    assert v2.status_code == 400 and "difficulty must be one of" in v2.json()["error"]["message"]
    assert client.get("/?difficulty=extreme").status_code == 200, "the page ignores it, as before"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/api/submissions/", "/api/submissions", "/api/v2/submission", "/api/v2/submission/"])
def test_post_works_with_and_without_the_trailing_slash(
    client: Client, two_sum: Problem, model_token: str, path: str
) -> None:
    item = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    if "/v2/" in path:  # the v2 API takes a form
        form = {"problem_code": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
        response = client.post(path, form, **auth(model_token))
    else:
        response = client.post(path, item, content_type="application/json", **auth(model_token))
    assert response.status_code in (200, 201), response.content
    assert Submission.objects.count() == 1
    assert client.get("/api/problems", **auth(model_token)).json()[0]["code"] == "two-sum"
    assert client.get("/api/nope").status_code == 404


def test_unknown_problem_is_a_json_404(client: Client, db: None) -> None:
    response = client.get("/api/problems/nope/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db(transaction=True)
def test_submit_and_read_back_the_verdict(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 201, response.content
    submission_id = response.json()["id"]
    detail = client.get(f"/api/submissions/{submission_id}/", **auth(model_token)).json()
    assert detail["status"] == "D"
    assert detail["verdict"] == "AC"
    assert detail["time_ms"] is not None and detail["memory_kb"] > 0
    assert len(detail["cases"]) == detail["cases_total"] > 2
    assert detail["memory_kb"] == max(case["memory_kb"] for case in detail["cases"]), "the summary is the cases' peak"
    assert detail["time_ms"] == pytest.approx(sum(case["time_ms"] for case in detail["cases"]), abs=0.01)
    assert detail["cost_meter"] == "cpu"
    assert 0.0 <= detail["es"] <= 1.0 and 0.0 <= detail["beyond"] <= 1.0
    assert detail["stream"].startswith("/ws/submission/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("source", "verdict"), [(TWO_SUM_WRONG, "WA"), (TWO_SUM_SYNTAX, "CE")])
def test_wrong_and_broken_code_get_their_verdicts(
    client: Client, two_sum: Problem, model_token: str, source: str, verdict: str
) -> None:
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "Python 3", "source": source},
        content_type="application/json",
        **auth(model_token),
    )
    assert client.get(f"/api/submissions/{response.json()['id']}/", **auth(model_token)).json()["verdict"] == verdict


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"problem": "nope", "language": "PY3", "source": "x"}, 404, "not_found"),
        ({"problem": "two-sum", "language": "COBOL", "source": "x"}, 400, "unknown_language"),
        ({"problem": "two-sum", "language": "PY3", "source": "   "}, 400, "empty_source"),
        ({"problem": "two-sum", "language": "PY3", "source": "#" * 70_000}, 413, "source_too_large"),
        ({"problem": "two-sum", "language": "PY3"}, 400, "invalid"),
    ],
)
def test_bad_submissions_get_clear_errors_and_store_nothing(
    client: Client, two_sum: Problem, model_token: str, body: dict[str, str], status: int, code: str
) -> None:
    response = client.post("/api/submissions/", body, content_type="application/json", **auth(model_token))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert Submission.objects.count() == 0


def test_malformed_json_is_a_400(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post("/api/submissions/", "{not json", content_type="application/json", **auth(model_token))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_missing_or_bad_token_is_401(client: Client, two_sum: Problem, header: str | None) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "PY3", "source": "x"},
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 401
    assert "error" in response.json()
    assert Submission.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rival_cannot_read_someone_elses_submission(
    client: Client, two_sum: Problem, contestant_token: str, rival: Participant
) -> None:
    from arena.services.participants import token_create

    created = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK},
        content_type="application/json",
        **auth(contestant_token),
    ).json()
    rival_token = token_create(participant=rival)[1]
    assert client.get(f"/api/submissions/{created['id']}/", **auth(rival_token)).status_code == 404
    assert client.get("/api/submissions/", **auth(rival_token)).json() == []


def test_revoked_token_stops_working(client: Client, contestant: Participant, contestant_token: str) -> None:
    tokens = client.get("/api/tokens/", **auth(contestant_token)).json()
    assert len(tokens) == 1 and tokens[0]["prefix"] == contestant_token[:10]
    assert client.delete(f"/api/tokens/{tokens[0]['id']}/", **auth(contestant_token)).status_code == 204
    assert client.get("/api/me/", **auth(contestant_token)).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_batch_submissions_are_all_or_nothing(client: Client, two_sum: Problem, model_token: str) -> None:
    good = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    bad = {"problem": "missing", "language": "PY3", "source": TWO_SUM_OK}
    response = client.post("/api/submissions/batch/", [good, bad], content_type="application/json", **auth(model_token))
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "item 1: No problem with code 'missing'.",
        "item": 1,
    }
    assert Submission.objects.count() == 0
    response = client.post(
        "/api/submissions/batch/", [good, good], content_type="application/json", **auth(model_token)
    )
    assert response.status_code == 201
    assert Submission.objects.filter(verdict="AC").count() == 2


def test_openapi_schema_and_docs_are_served(client: Client, db: None) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/submissions/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_problems_are_listed_easy_to_hard(client: Client, db: None) -> None:
    from tests.conftest import load_problem

    for code in ("word-ladder", "coin-pile-arrangements", "two-sum"):  # hard, medium, easy
        load_problem(code)
    assert [p["difficulty"] for p in client.get("/api/problems/").json()] == ["easy", "medium", "hard"]
