"""Profiles: models registered from the web with their tokens and campaigns, public profiles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from arena.models import ApiToken, Participant, Problem, Submission
from arena.services.participants import MODELS_PER_OWNER_MAX, model_create, token_create
from tests.http import auth
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


def register(client: Client, name: str, **fields: str) -> object:
    data = {"action": "model", "model-name": name, **{f"model-{key}": value for key, value in fields.items()}}
    return client.post("/profile/", data)


def new_token_in(page: str) -> str:
    match = re.search(r'id="new-token-value">(ca_[^<]+)<', page)
    assert match, "the page shows the new token"
    return match.group(1)


def accepted(participant: Participant, problem: Problem) -> Submission:
    from arena.services.judging import submission_judge

    submission = Submission.objects.create(participant=participant, problem=problem, language="PY3", source=TWO_SUM_OK)
    submission_judge(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.verdict == Submission.Verdict.AC
    return submission


def test_a_model_registered_on_the_profile_runs_a_campaign_its_owner_can_open(
    client: Client, two_sum: Problem, contestant: Participant, rival: Participant
) -> None:
    client.force_login(contestant.user)
    response = register(
        client, "Coder 7B", provider="Alice Labs", training_cutoff="2024-06-30", homepage="https://alice.example/coder"
    )
    assert response.status_code == 302 and response["Location"] == "/profile/#models"
    model = Participant.objects.get(owner=contestant.user)
    assert (model.kind, model.display_name, model.organisation) == ("model", "Coder 7B", "Alice Labs")
    assert (model.training_cutoff, model.homepage) == (dt.date(2024, 6, 30), "https://alice.example/coder")
    assert model.user.username == "coder-7b" and not model.user.has_usable_password()

    page = client.post("/profile/", {"action": "model-token", "model": model.pk, "name": "eval"}).content.decode()
    token = new_token_in(page)
    assert model.tokens.get().prefix == token[:10] and not contestant.tokens.exists()
    assert token not in client.get("/profile/").content.decode(), "shown once"

    created = client.post("/api/campaigns/", {"name": "sweep", "k": 2}, content_type="application/json", **auth(token))
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert f'href="/campaign/{campaign_id}/"' in client.get("/profile/").content.decode()
    assert client.get(f"/campaign/{campaign_id}/").status_code == 200
    # The API asks the same helper: the owner's own (human) token reads the report too.
    assert (
        client.get(f"/api/campaigns/{campaign_id}/", **auth(token_create(participant=contestant)[1])).status_code == 200
    )

    client.force_login(rival.user)
    assert client.get(f"/campaign/{campaign_id}/").status_code == 404
    assert client.get(f"/api/campaigns/{campaign_id}/", **auth(token_create(participant=rival)[1])).status_code == 404
    assert "Coder 7B" not in client.get("/profile/").content.decode()
    client.logout()
    assert client.get(f"/campaign/{campaign_id}/").status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"name": "ok", "homepage": "javascript:alert(1)"}, "must be a web address"),
        ({"name": "ok", "homepage": "ftp://files.example/"}, "must be a web address"),
        ({"name": "ok", "training_cutoff": "soon"}, "Enter a valid date."),
        ({"name": "ok", "training_cutoff": "2999-01-01"}, "cannot be in the future"),
        ({"name": "GPT-TEST"}, "There is already a model called"),
    ],
)
def test_bad_model_input_is_explained_in_the_form(
    client: Client, contestant: Participant, model_account: Participant, fields: dict[str, str], message: str
) -> None:
    client.force_login(contestant.user)
    fields = dict(fields)
    response = register(client, fields.pop("name"), **fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-text"' in page or 'class="alert error"' in page
    assert message in page.replace("&#x27;", "'")
    assert not Participant.objects.filter(owner=contestant.user).exists()


def test_an_owner_may_register_only_so_many_models(client: Client, contestant: Participant) -> None:
    for i in range(MODELS_PER_OWNER_MAX):
        model_create(owner=contestant.user, name=f"m{i}")
    client.force_login(contestant.user)
    response = register(client, "one too many")
    assert response.status_code == 400
    assert f"You already have {MODELS_PER_OWNER_MAX} models" in response.content.decode()
    assert Participant.objects.filter(owner=contestant.user).count() == MODELS_PER_OWNER_MAX


def test_a_model_named_like_a_person_gets_its_own_address(client: Client, contestant: Participant) -> None:
    model = model_create(owner=contestant.user, name="Alice")
    assert model.user.username == "alice-2"
    assert client.get("/u/alice-2/").status_code == 200
    assert "Human" in client.get("/u/alice/").content.decode()


def test_a_rival_can_neither_make_nor_revoke_tokens_of_my_model(
    client: Client, contestant: Participant, rival: Participant
) -> None:
    model = model_create(owner=contestant.user, name="Coder")
    token, _ = token_create(participant=model)
    client.force_login(rival.user)
    assert client.post("/profile/", {"action": "model-token", "model": model.pk, "name": "x"}).status_code == 404
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=False).exists()
    assert model.tokens.count() == 1

    client.force_login(contestant.user)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/profile/#models"
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_profile_page_costs_the_same_queries_for_one_model_or_many(client: Client, contestant: Participant) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(contestant.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/profile/").status_code == 200
        return len(captured)

    token_create(participant=model_create(owner=contestant.user, name="first"))
    one = queries()
    for name in ("second", "third", "fourth"):
        token_create(participant=model_create(owner=contestant.user, name=name))
    assert queries() == one


def test_a_human_token_is_told_how_to_get_a_model_token(client: Client, contestant_token: str) -> None:
    response = client.post(
        "/api/campaigns/", {"name": "x", "k": 2}, content_type="application/json", **auth(contestant_token)
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "models_only"
    assert "/profile/#models" in error["message"] and "manage.py arena_token <name> --model" in error["message"]


def test_a_public_profile_shows_solved_problems_progress_and_no_code(
    client: Client, two_sum: Problem, contestant: Participant, django_assert_num_queries: object
) -> None:
    from arena.services.campaigns import campaign_create, campaign_submit

    before = client.get("/u/alice/").content.decode()
    assert "Nothing judged yet." in before and "plotly" not in before, "no chart, no plotly.js"
    submission = accepted(contestant, two_sum)
    model = model_create(owner=contestant.user, name="Coder")
    campaign = campaign_create(participant=model, name="private", k=1)
    campaign_submit(campaign=campaign, items=[{"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}])

    # The participant, the leaderboard (2), problems per difficulty, recent solutions, snapshots.
    with django_assert_num_queries(6):  # type: ignore[operator]
        response = client.get("/u/alice/")
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'data-difficulty="easy">1<', page) and re.search(r'data-difficulty="hard">0<', page)
    assert 'data-plot="plot-progress"' in page and "vendor/plotly/plotly.min.js" in page
    assert "Two Sum" in page and "AC" in page and submission.created_at.strftime("%Y-%m-%d") in page
    assert "seen[v] = j" not in page and "def twoSum" not in page, "others' code stays private"
    assert f"/submission/{submission.pk}/" not in page

    model_page = client.get(f"/u/{model.user.username}/").content.decode()
    assert campaign.submissions.get().verdict == Submission.Verdict.AC
    assert "No accepted solution yet." in model_page, "campaign samples stay in their private report"


def test_a_model_profile_shows_provider_cutoff_and_link_escaped(client: Client, contestant: Participant) -> None:
    cutoff = timezone.now().date() - dt.timedelta(days=30)
    model = model_create(
        owner=contestant.user, name="<img src=x onerror=alert(1)>", provider="Alice Labs", training_cutoff=cutoff,
        homepage="https://alice.example/model",
    )  # fmt: skip
    page = client.get(f"/u/{model.user.username}/").content.decode()
    assert "Alice Labs" in page and cutoff.isoformat() in page and 'href="https://alice.example/model"' in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_my_profile_links_to_my_public_profile(client: Client, contestant: Participant) -> None:
    client.force_login(contestant.user)
    assert 'href="/u/alice/"' in client.get("/profile/").content.decode()


def test_the_leaderboard_links_each_name_to_its_public_profile(
    client: Client, two_sum: Problem, contestant: Participant, model_account: Participant
) -> None:
    accepted(contestant, two_sum)
    accepted(model_account, two_sum)
    board = client.get("/leaderboard/").content.decode()
    assert '<a href="/u/alice/">alice</a>' in board and '<a href="/u/gpt-test/">gpt-test</a>' in board
    rows = client.get("/api/leaderboard/").json()
    assert {row["username"] for row in rows} == {"alice", "gpt-test"}


def test_an_unknown_profile_is_a_404(client: Client, db: None) -> None:
    assert client.get("/u/nobody/").status_code == 404
