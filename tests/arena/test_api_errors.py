"""Every API error is JSON in its API's envelope, and the schema says which ones each operation has.

Each case here was reproduced against a running server before the fix: nested bodies and unknown
paths answered Django's HTML pages, 10 MB bodies an HTML 400, numbers passed for strings.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import psycopg
import psycopg_pool
import pytest
import yaml
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.test import Client, override_settings

from arena.api.parsers import MAX_JSON_DEPTH, BoundedJSONParser, RequestTooLarge
from arena.models import Campaign, Participant, Problem, Submission
from arena.outages import DATABASE, REDIS, outage_of
from tests.http import auth
from tests.sources import TWO_SUM_OK

TEN_MB = 10 * 1024 * 1024
# Nothing listens on port 1: connecting is refused at once, as with Redis stopped.
REDIS_DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def native_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    message: str = body["error"]["message"]
    assert message
    return message


def v2_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["api_version"] == "2.0" and "fetched" in body and "data" not in body
    assert body["error"]["code"] == status
    message: str = body["error"]["message"]
    assert message
    return message


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- bodies: nesting, size, type ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/submissions/", "/api/submissions/batch/"])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_a_json_400(
    client: Client, two_sum: Problem, model_token: str, path: str, depth: int
) -> None:
    response = client.post(path, nested(depth), content_type="application/json", **auth(model_token))
    assert str(MAX_JSON_DEPTH) in native_error(response, 400, "too_deeply_nested")
    assert Submission.objects.count() == 0


def test_nesting_up_to_the_limit_is_parsed(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/submissions/batch/", nested(MAX_JSON_DEPTH), content_type="application/json", **auth(model_token)
    )
    # A list of lists parses, and is then refused for what it is.
    native_error(response, 400, "invalid")


def test_brackets_inside_strings_are_not_nesting(client: Client, two_sum: Problem, model_token: str) -> None:
    source = "class Solution:\n    x = " + "[" * 500 + '"\\"{' + "]" * 500 + "\n"
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "PY3", "source": source},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 201, response.content


def test_a_10_mb_body_is_a_json_413_before_anything_else(client: Client, two_sum: Problem, model_token: str) -> None:
    body = json.dumps({"problem": "two-sum", "language": "PY3", "source": "#" * TEN_MB})
    response = client.post("/api/submissions/", body, content_type="application/json", **auth(model_token))
    native_error(response, 413, "request_too_large")
    # Refused on its declared size, before authentication looked at the token.
    response = client.post("/api/submissions/", body, content_type="application/json")
    native_error(response, 413, "request_too_large")
    assert Submission.objects.count() == 0


def test_a_10_mb_form_is_a_json_413_on_v2(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "PY3", "source": "#" * TEN_MB},
        **auth(model_token),
    )
    v2_error(response, 413)
    assert Submission.objects.count() == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_form_over_djangos_own_limit_is_a_json_413_on_v2(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "PY3", "source": "#" * 4096},
        **auth(model_token),
    )
    v2_error(response, 413)


def test_a_broken_multipart_body_is_a_json_400_on_v2(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/v2/submission",
        b"--nope\r\nthis is not multipart",
        content_type="multipart/form-data",  # and no boundary
        **auth(model_token),
    )
    v2_error(response, 400)


def test_the_parser_reads_no_more_than_the_limit(settings: Any) -> None:
    settings.API_MAX_BODY_BYTES = 1024
    stream = io.BytesIO(b'"' + b"x" * 10_000 + b'"')
    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream)
    assert stream.tell() == 1025


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("problem=two-sum&language=PY3&source=x", "application/x-www-form-urlencoded"), ("x", "text/plain")],
)
def test_a_body_that_is_not_json_is_a_json_415(
    client: Client, two_sum: Problem, model_token: str, body: str, content_type: str
) -> None:
    response = client.post("/api/submissions/", body, content_type=content_type, **auth(model_token))
    native_error(response, 415, "unsupported_media_type")
    assert Submission.objects.count() == 0


def test_a_json_body_is_a_json_415_on_v2(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "PY3", "source": TWO_SUM_OK},
        content_type="application/json",
        **auth(model_token),
    )
    assert "form-encoded" in v2_error(response, 415)


# --- types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"source": 12345}, {"source": ["x"]}, {"language": 3}, {"problem": True}, {"source": None}]
)
def test_strings_must_be_strings(client: Client, two_sum: Problem, model_token: str, change: dict[str, Any]) -> None:
    good = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    for path, body in (
        ("/api/submissions/", {**good, **change}),
        ("/api/submissions/batch/", [good, {**good, **change}]),
    ):
        response = client.post(path, body, content_type="application/json", **auth(model_token))
        message = native_error(response, 400, "invalid")
        assert next(iter(change)) in message
        assert message.startswith("item 1: ") == path.endswith("batch/"), "a batch error names its item"
    assert Submission.objects.count() == 0


def test_campaign_fields_must_be_strings(
    client: Client, two_sum: Problem, model_account: Participant, model_token: str
) -> None:
    response = client.post("/api/campaigns/", {"name": 7, "k": 2}, content_type="application/json", **auth(model_token))
    assert "string" in native_error(response, 400, "invalid")
    campaign = Campaign.objects.create(participant=model_account, name="sweep", k=2)
    response = client.post(
        f"/api/campaigns/{campaign.pk}/submissions/",
        [{"problem": "two-sum", "language": "PY3", "source": 12345}],
        content_type="application/json",
        **auth(model_token),
    )
    native_error(response, 400, "invalid")
    assert Submission.objects.count() == 0


# --- paths and methods --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nope", "/api/nope/", "/api/problems/two-sum/extra/", "/api/"])
def test_unknown_native_paths_are_a_json_404(client: Client, db: None, path: str) -> None:
    native_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v2/nope", "/api/v2/problems/extra", "/api/v2/submission/abc"])
def test_unknown_v2_paths_are_a_json_404_in_the_v2_envelope(client: Client, db: None, path: str) -> None:
    v2_error(client.get(path), 404)


def test_pages_still_get_the_html_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_a_json_405(client: Client, two_sum: Problem, model_token: str) -> None:
    native_error(client.put("/api/problems/", "{}", content_type="application/json"), 405, "method_not_allowed")
    native_error(client.delete("/api/submissions/", **auth(model_token)), 405, "method_not_allowed")
    v2_error(client.get("/api/v2/submission", **auth(model_token)), 405)
    v2_error(client.post("/api/v2/problems", {}, **auth(model_token)), 405)
    # The schema (YAML) and the docs (HTML) too.
    native_error(client.post("/api/schema/"), 405, "method_not_allowed")
    native_error(client.delete("/api/docs/"), 405, "method_not_allowed")


def test_a_browser_gets_json_too(client: Client, db: None) -> None:
    response = client.get("/api/submissions/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    native_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "path", ["/api/submissions/?problem=a%00b", "/api/problems/?search=%00", "/api/v2/problem/two%00sum"]
)
def test_a_nul_in_the_url_is_a_json_400(client: Client, two_sum: Problem, model_token: str, path: str) -> None:
    # PostgreSQL cannot compare text with a NUL: the lookup used to fail in the driver, a 500.
    response = client.get(path, **auth(model_token))
    if path.startswith("/api/v2/"):
        v2_error(response, 400)
    else:
        native_error(response, 400, "bad_request")


def test_a_nul_in_a_v2_form_field_is_a_json_400(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/v2/submission", {"problem_code": "two\x00sum", "language": "PY3", "source": "x"}, **auth(model_token)
    )
    v2_error(response, 400)


# --- bugs ---------------------------------------------------------------------------------------


def test_an_unexpected_exception_is_a_logged_json_500(
    two_sum: Problem, model_token: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("arena.api.views.problem_list", broken)
    monkeypatch.setattr("arena.api.v2.views.problem_list", broken)
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        message = native_error(client.get("/api/problems/"), 500, "server_error")
        assert "a bug" not in message
        v2_error(client.get("/api/v2/problems", **auth(model_token)), 500)
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(logged) == 2


# --- outages ------------------------------------------------------------------------------------


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_a_submission_is_a_json_503_and_nothing_is_stored(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    good = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    for path, body in (("/api/submissions/", good), ("/api/submissions/batch/", [good])):
        response = client.post(path, body, content_type="application/json", **auth(model_token))
        message = native_error(response, 503, "service_unavailable")
        assert "nothing was stored" in message
        assert int(response["Retry-After"]) > 0
    response = client.post(
        "/api/v2/submission", {"problem_code": "two-sum", "language": "PY3", "source": TWO_SUM_OK}, **auth(model_token)
    )
    assert "nothing was stored" in v2_error(response, 503)
    assert int(response["Retry-After"]) > 0
    assert Submission.objects.count() == 0


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_reading_still_works(client: Client, two_sum: Problem, model_token: str) -> None:
    for path in ("/api/problems/", "/api/problems/two-sum/", "/api/leaderboard/", "/api/submissions/"):
        assert client.get(path, **auth(model_token)).status_code == 200, path
    assert client.get("/api/v2/problems", **auth(model_token)).status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/leaderboard/").status_code == 200


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_the_submit_form_shows_the_outage_page(
    client: Client, two_sum: Problem, contestant: Participant
) -> None:
    client.force_login(contestant.user)
    response = client.post("/problem/two-sum/", {"language": "PY3", "source": TWO_SUM_OK})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "having trouble reaching its judge queue" in page and "reading works" in page
    assert 'class="site-header"' in page  # the site's own layout
    assert contestant.user.username in page  # still signed in: only Redis is down
    assert "Traceback" not in page and "ConnectionError" not in page
    assert Submission.objects.count() == 0


def test_only_infrastructure_errors_count_as_outages() -> None:
    import kombu.exceptions
    import redis.exceptions

    def wrapped(cause: Exception) -> OperationalError:
        try:
            raise OperationalError(str(cause)) from cause
        except OperationalError as exc:
            return exc

    assert outage_of(redis.exceptions.ConnectionError("refused")) is REDIS
    assert outage_of(redis.exceptions.TimeoutError("slow")) is REDIS
    assert outage_of(kombu.exceptions.OperationalError("broker")) is REDIS
    assert outage_of(wrapped(psycopg_pool.PoolTimeout("no connection in 10 s"))) is DATABASE
    assert outage_of(wrapped(psycopg.OperationalError("connection refused"))) is DATABASE
    assert outage_of(wrapped(__import__("sqlite3").OperationalError("database is locked"))) is DATABASE
    # Bugs, not outages: they must stay 500s and page someone.
    assert outage_of(wrapped(__import__("sqlite3").OperationalError("no such table: arena_problem"))) is None
    assert outage_of(redis.exceptions.ResponseError("WRONGTYPE")) is None
    assert outage_of(RuntimeError("a bug")) is None


def test_a_database_outage_page_renders_without_the_database(rf: Any) -> None:
    from arena.error_handlers import outage_page

    request = rf.get("/")  # no user, no session: touching either would fail the render
    response = outage_page(request, DATABASE)
    assert response.status_code == 503
    assert "trouble reaching its database" in response.content.decode()


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_errors(client: Client, db: None) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["properties"]["error"]["$ref"] == "#/components/schemas/ErrorBody"
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"400", "401", "405", "503"}
            if "requestBody" in operation:
                expected |= {"413", "415", "429"}
            if "{" in path:
                expected.add("404")
            assert expected <= set(responses), (method, path)
            for code in expected:
                content = responses[code]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorEnvelope"}
            assert "Retry-After" in responses["503"]["headers"]
    create = schema["paths"]["/api/submissions/"]["post"]["responses"]
    assert {"404", "429"} <= set(create)


@pytest.mark.parametrize("path", ["/problem/two-sum/", "/api/problems/", "/api/v2/problems"])
def test_an_app_error_gets_one_answer_per_surface(rf: Any, db: None, path: str) -> None:
    """Whatever raised it: the native envelope, the v2 envelope, or the site's page, with its status."""
    from arena.errors import AppError
    from arena.middleware import ErrorMiddleware

    request = rf.get(path)
    request.user = AnonymousUser()
    error = AppError("throttled", "Too many runs for this account: wait.", status=429, retry_after_s=7)
    response = ErrorMiddleware(lambda r: None).process_exception(request, error)
    assert response is not None and response.status_code == 429 and response["Retry-After"] == "7"
    if path.startswith("/api/v2/"):
        assert json.loads(response.content)["error"] == {
            "code": 429,
            "message": "Too many runs for this account: wait.",
        }
    elif path.startswith("/api/"):
        assert json.loads(response.content) == {
            "error": {"code": "throttled", "message": "Too many runs for this account: wait."}
        }
    else:
        page = response.content.decode()
        assert "<h1>Too many requests</h1>" in page and "Too many runs for this account" in page and "7 s" in page
