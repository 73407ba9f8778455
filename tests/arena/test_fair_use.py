"""Fair use: rate limits per account and per address on every route that creates or guesses,
the queue cap (atomic, campaigns included), and campaigns only on published problems."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from arena.models import ApiToken, Campaign, Participant, Problem, Submission
from arena.services import throttling
from arena.services.campaigns import campaign_create
from arena.services.participants import participant_create, token_create
from config.env import parse_rate
from tests.http import auth
from tests.sources import TWO_SUM_OK, TWO_SUM_WRONG

SetLimits = Callable[[dict[str, str]], None]
SUBMISSION_ROUTES = ["rest", "batch", "v2", "campaign", "browser"]
ITEM = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}


pytestmark = pytest.mark.usefixtures("fresh_counters")


@pytest.fixture
def limits(settings: Any) -> SetLimits:
    def set_limits(rates: dict[str, str]) -> None:
        settings.FAIR_USE_RATES = {**settings.FAIR_USE_RATES, **{k: parse_rate(v) for k, v in rates.items()}}

    return set_limits


@pytest.fixture
def second_model(db: None) -> Participant:
    return participant_create(username="claude-test", kind=Participant.Kind.MODEL)


def submit(
    client: Client, route: str, participant: Participant, *, ip: str = "127.0.0.1", **extra: str
) -> HttpResponse:
    """One submission of two-sum through ``route``, with a new token each time for the API."""
    meta = {"REMOTE_ADDR": ip, **extra}
    if route == "browser":
        client.force_login(participant.user)
        return client.post("/problem/two-sum/", {"language": "PY3", "source": TWO_SUM_OK}, **meta)
    meta |= auth(token_create(participant=participant)[1])
    if route == "rest":
        return client.post("/api/submissions/", ITEM, content_type="application/json", **meta)
    if route == "batch":
        return client.post("/api/submissions/batch/", [ITEM], content_type="application/json", **meta)
    if route == "v2":
        form = {"problem_code": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
        return client.post("/api/v2/submission", form, **meta)
    campaign, _ = Campaign.objects.get_or_create(participant=participant, name="fair-use", k=100)
    return client.post(f"/api/campaigns/{campaign.pk}/submissions/", [ITEM], content_type="application/json", **meta)


def assert_throttled(route: str, response: HttpResponse) -> None:
    """429 in the route's own envelope, saying what was limited; APIs say when to retry."""
    assert response.status_code == 429, response.content
    if route == "browser":
        page = response.content.decode()
        assert "Too many submissions" in page and "def twoSum" in page  # the code stays in the editor
        return
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == (429 if route == "v2" else "throttled")
    assert error["message"].startswith("Too many submissions ")


# --- submission rates -----------------------------------------------------------------------


@pytest.mark.parametrize("route", SUBMISSION_ROUTES)
def test_each_submission_route_is_limited_per_account_whatever_the_token(
    client: Client, two_sum: Problem, model_account: Participant, limits: SetLimits, route: str
) -> None:
    limits({"submit": "2/min"})
    assert submit(client, route, model_account).status_code in {200, 201, 302}
    assert submit(client, route, model_account).status_code in {200, 201, 302}
    refused = submit(client, route, model_account)
    assert_throttled(route, refused)
    assert "this account" in refused.content.decode()
    assert Submission.objects.count() == 2


@pytest.mark.parametrize("route", SUBMISSION_ROUTES)
def test_each_submission_route_is_limited_per_address_and_forwarded_for_is_not_trusted(
    client: Client, two_sum: Problem, model_account: Participant, second_model: Participant, limits: SetLimits,
    route: str,
) -> None:  # fmt: skip
    limits({"submit-ip": "2/min"})
    assert submit(client, route, model_account).status_code in {200, 201, 302}
    assert submit(client, route, second_model).status_code in {200, 201, 302}
    refused = submit(client, route, model_account, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert_throttled(route, refused)
    assert "your address" in refused.content.decode()
    assert submit(client, route, second_model, ip="198.51.100.4").status_code in {200, 201, 302}
    assert Submission.objects.count() == 3


def test_the_routes_share_one_budget_and_a_batch_costs_one_per_submission(
    client: Client, two_sum: Problem, model_account: Participant, limits: SetLimits
) -> None:
    limits({"submit": "4/min"})
    assert submit(client, "v2", model_account).status_code == 200
    assert submit(client, "browser", model_account).status_code == 302
    headers = auth(token_create(participant=model_account)[1])
    too_big = client.post("/api/submissions/batch/", [ITEM] * 3, content_type="application/json", **headers)
    assert_throttled("batch", too_big)
    fits = client.post("/api/submissions/batch/", [ITEM] * 2, content_type="application/json", **headers)
    assert fits.status_code == 201
    assert_throttled("rest", submit(client, "rest", model_account))
    assert Submission.objects.count() == 4


def test_a_refused_request_costs_nothing_and_the_window_ends(
    client: Client, two_sum: Problem, model_account: Participant, limits: SetLimits
) -> None:
    limits({"submit": "1/2s"})
    assert submit(client, "rest", model_account).status_code == 201
    for _ in range(3):
        assert_throttled("rest", submit(client, "rest", model_account))
    time.sleep(2.1)
    assert submit(client, "rest", model_account).status_code == 201


def test_the_client_address_is_the_peer_and_one_ipv6_client_is_its_64() -> None:
    from django.test import RequestFactory

    def ip(remote_addr: str, **meta: str) -> str:
        return throttling.client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **meta))

    assert ip("192.0.2.1", HTTP_X_FORWARDED_FOR="10.9.9.9") == "192.0.2.1"
    assert ip("2001:db8:1:2:aaaa::1") == ip("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert ip("2001:db8:1:3::1") != ip("2001:db8:1:2::1")
    assert ip("::ffff:192.0.2.1") == "192.0.2.1"


def test_an_unreachable_cache_is_an_error_not_a_pass(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with pytest.raises(redis.ConnectionError):
        throttling.throttle_take(throttling.SUBMIT, account="1", ip="192.0.2.1")


# --- log-in, sign-up, tokens, campaigns -------------------------------------------------------


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_log_in_locks_a_username_out_even_for_the_right_password_until_the_window_ends(
    client: Client, contestant: Participant, limits: SetLimits
) -> None:
    limits({"login-failures": "3/2s"})
    for _ in range(3):
        wrong = client.post("/login/", {"username": "alice", "password": "guess"}, REMOTE_ADDR="192.0.2.10")
        assert wrong.status_code == 200 and not logged_in(client)
    # From another address, with another spelling, with the right password: still locked.
    locked = client.post("/login/", {"username": "ALICE", "password": "correct-horse-9"}, REMOTE_ADDR="192.0.2.11")
    assert locked.status_code == 429 and not logged_in(client)
    assert "Too many failed log-ins for this account" in locked.content.decode()
    admin = client.post("/admin/login/", {"username": "alice", "password": "correct-horse-9"})
    assert "Too many failed log-ins" in admin.content.decode() and not logged_in(client)
    time.sleep(2.1)
    assert client.post("/login/", {"username": "alice", "password": "correct-horse-9"}).status_code == 302
    assert logged_in(client)


def test_log_in_locks_an_address_out_across_usernames(
    client: Client, contestant: Participant, rival: Participant, limits: SetLimits
) -> None:
    limits({"login-failures-ip": "3/min"})
    for username in ("root", "admin", "bob"):
        client.post("/login/", {"username": username, "password": "guess"}, REMOTE_ADDR="192.0.2.20")
    locked = client.post("/login/", {"username": "alice", "password": "correct-horse-9"}, REMOTE_ADDR="192.0.2.20")
    assert locked.status_code == 429 and "from your address" in locked.content.decode()
    assert not logged_in(client)
    other = client.post("/login/", {"username": "alice", "password": "correct-horse-9"}, REMOTE_ADDR="192.0.2.21")
    assert other.status_code == 302


def test_a_successful_log_in_forgives_earlier_typos(client: Client, contestant: Participant, limits: SetLimits) -> None:
    limits({"login-failures": "3/min"})
    for _ in range(2):
        client.post("/login/", {"username": "alice", "password": "typo"})
    assert client.post("/login/", {"username": "alice", "password": "correct-horse-9"}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post("/login/", {"username": "alice", "password": "typo"})
    assert client.post("/login/", {"username": "alice", "password": "correct-horse-9"}).status_code == 302


def test_an_empty_password_neither_counts_nor_clears_failures(
    client: Client, contestant: Participant, limits: SetLimits
) -> None:
    limits({"login-failures": "2/min"})
    for _ in range(2):
        client.post("/login/", {"username": "alice", "password": "typo"})
    assert client.post("/login/", {"username": "alice", "password": ""}).status_code == 200
    assert client.post("/login/", {"username": "alice", "password": "correct-horse-9"}).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_cannot_outrun_the_lockout(contestant: Participant, limits: SetLimits) -> None:
    limits({"login-failures": "3/min"})
    threads = 20
    start = threading.Barrier(threads)

    def guess(attempt: int) -> int:
        try:
            start.wait()
            form = {"username": "alice", "password": f"guess-{attempt}"}
            return Client().post("/login/", form).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = sorted(pool.map(guess, range(threads)))
    assert statuses == [200] * 3 + [429] * 17  # three passwords were checked, no more


def test_sign_ups_are_limited_per_address(client: Client, db: None, limits: SetLimits) -> None:
    from django.contrib.auth import get_user_model

    limits({"signup-ip": "2/hour"})

    def sign_up(username: str, ip: str = "192.0.2.30") -> HttpResponse:
        response = Client().post(
            "/signup/", {"username": username, "password1": "Sturdy-pass-42", "password2": "Sturdy-pass-42"},
            REMOTE_ADDR=ip,
        )  # fmt: skip
        return response

    assert sign_up("one").status_code == 302
    assert sign_up("two").status_code == 302
    refused = sign_up("three")
    assert refused.status_code == 429 and "Too many sign-ups from your address" in refused.content.decode()
    assert sign_up("four", ip="192.0.2.31").status_code == 302
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == ["four", "one", "two"]


def test_token_creation_is_limited_on_the_api_and_the_profile_page(
    client: Client, contestant: Participant, contestant_token: str, limits: SetLimits
) -> None:
    limits({"token-create": "2/hour"})
    assert (
        client.post(
            "/api/tokens/", {"name": "ci"}, content_type="application/json", **auth(contestant_token)
        ).status_code
        == 201
    )
    client.force_login(contestant.user)
    assert "ca_" in client.post("/profile/", {"name": "laptop"}).content.decode()
    refused = client.post("/api/tokens/", {"name": "ci"}, content_type="application/json", **auth(contestant_token))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    page = client.post("/profile/", {"name": "again"})
    assert page.status_code == 429 and "Too many new API tokens" in page.content.decode()
    assert ApiToken.objects.filter(participant=contestant).count() == 3  # the fixture's and two more
    assert client.get("/api/tokens/", **auth(contestant_token)).status_code == 200  # listing is not limited


def test_token_creation_is_limited_per_address(
    client: Client, contestant: Participant, rival: Participant, limits: SetLimits
) -> None:
    limits({"token-create-ip": "1/hour"})
    client.force_login(contestant.user)
    assert client.post("/profile/", {"name": "a"}).status_code == 200
    client.force_login(rival.user)
    assert client.post("/profile/", {"name": "b"}).status_code == 429
    assert client.post("/profile/", {"name": "b"}, REMOTE_ADDR="192.0.2.40").status_code == 200


def test_campaign_creation_is_rate_limited_and_capped_per_participant(
    client: Client, settings: Any, model_account: Participant, model_token: str, limits: SetLimits
) -> None:
    settings.CAMPAIGN_MAX_PER_PARTICIPANT = 2

    def create() -> HttpResponse:
        body = {"name": "run", "k": 3}
        return client.post("/api/campaigns/", body, content_type="application/json", **auth(model_token))

    assert create().status_code == 201
    assert create().status_code == 201
    capped = create()
    assert capped.status_code == 403 and capped.json()["error"]["code"] == "too_many_campaigns"
    assert Campaign.objects.count() == 2

    Campaign.objects.all().delete()
    cache.clear()
    limits({"campaign-create": "1/hour"})
    assert create().status_code == 201
    assert create().status_code == 429
    assert Campaign.objects.count() == 1


# --- the queue cap ----------------------------------------------------------------------------


def test_campaign_samples_count_against_the_queue_cap_and_a_batch_that_would_pass_it_is_refused_whole(
    client: Client, settings: Any, two_sum: Problem, model_account: Participant, model_token: str
) -> None:
    # Not a transaction test: nothing commits, so nothing is judged and every submission stays queued.
    settings.JUDGE_MAX_QUEUED_PER_PARTICIPANT = 5
    campaign = campaign_create(participant=model_account, name="sweep", k=10)
    url = f"/api/campaigns/{campaign.pk}/submissions/"
    for _ in range(3):
        assert (
            client.post("/api/submissions/", ITEM, content_type="application/json", **auth(model_token)).status_code
            == 201
        )
    refused = client.post(url, [ITEM] * 3, content_type="application/json", **auth(model_token))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "queue_full"
    assert "3 submissions waiting" in refused.json()["error"]["message"]
    assert "2 more may be sent now" in refused.json()["error"]["message"]
    assert Submission.objects.count() == 3
    batch = client.post("/api/submissions/batch/", [ITEM] * 3, content_type="application/json", **auth(model_token))
    assert batch.status_code == 429 and Submission.objects.count() == 3
    assert client.post(url, [ITEM] * 2, content_type="application/json", **auth(model_token)).status_code == 201
    assert Submission.objects.filter(campaign=campaign).count() == 2
    full = client.post("/api/v2/submission", {"problem_code": "two-sum", "language": "PY3", "source": TWO_SUM_OK},
                       **auth(model_token))  # fmt: skip
    assert full.status_code == 429 and "0 more may be sent now" in full.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_queue_cap_holds_under_concurrent_requests(
    settings: Any, monkeypatch: pytest.MonkeyPatch, two_sum: Problem, model_token: str
) -> None:
    settings.JUDGE_MAX_QUEUED_PER_PARTICIPANT = 5
    monkeypatch.setattr("arena.dispatch.enqueue", lambda submission_id: None)  # keep them queued
    threads = 30
    start = threading.Barrier(threads)

    def post(_: int) -> int:
        try:
            start.wait()
            response = Client().post("/api/submissions/", ITEM, content_type="application/json", **auth(model_token))
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = sorted(pool.map(post, range(threads)))
    assert statuses == [201] * 5 + [429] * 25
    assert Submission.objects.filter(status=Submission.Status.QUEUED).count() == 5


# --- campaigns only on published problems ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "unpublish", [{"is_public": False}, {"published_at": timezone.now() + timedelta(days=7)}], ids=["hidden", "future"]
)
def test_a_campaign_cannot_reach_an_unpublished_problem(
    client: Client, two_sum: Problem, model_account: Participant, model_token: str, unpublish: dict[str, object]
) -> None:
    Problem.objects.filter(pk=two_sum.pk).update(**unpublish)
    campaign = campaign_create(participant=model_account, name="peek", k=5)
    wrong = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_WRONG}
    response = client.post(f"/api/campaigns/{campaign.pk}/submissions/", [wrong], content_type="application/json",
                           **auth(model_token))  # fmt: skip
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Submission.objects.exists()
    sample = two_sum.sample_cases()[0]
    report = client.get(f"/api/campaigns/{campaign.pk}/", **auth(model_token)).content.decode()
    for body in (response.content.decode(), report):
        assert "11, 4" not in body and str(sample.expected) not in body
