"""Human pages through Django's test client: what each persona can see and do."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Participant, Problem, Submission
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


def test_problem_list_filters_and_searches(client: Client, two_sum: Problem) -> None:
    assert b"Two Sum" in client.get("/").content
    assert b"Two Sum" in client.get("/?difficulty=easy&search=two").content
    assert b"Two Sum" not in client.get("/?difficulty=hard").content


def test_problem_page_shows_statement_samples_and_editor(client: Client, two_sum: Problem) -> None:
    page = client.get("/problem/two-sum/").content.decode()
    assert "exactly one pair" in page.lower() or "target" in page
    assert "class Solution" in page
    assert "codemirror" in page.lower()
    assert "log in" in page.lower()
    assert client.get("/problem/nope/").status_code == 404


def test_statement_examples_are_not_repeated_as_samples(client: Client, two_sum: Problem) -> None:
    page = client.get("/problem/two-sum/").content.decode()
    assert "Example 1" in page and "<h2>Samples</h2>" not in page
    Problem.objects.filter(pk=two_sum.pk).update(statement="Return the two indices.\n\nConstraints: `n <= 10^4`.")
    page = client.get("/problem/two-sum/").content.decode()
    assert "<h2>Samples</h2>" in page, "a statement without examples gets the samples"
    assert "10<sup>4</sup>" in page


def test_sign_up_log_in_and_submit(client: Client, two_sum: Problem) -> None:
    response = client.post(
        "/signup/", {"username": "newbie", "password1": "Sturdy-pass-42", "password2": "Sturdy-pass-42"}
    )
    assert response.status_code == 302
    response = client.post("/problem/two-sum/", {"language": "PY3", "source": TWO_SUM_OK})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response["Location"] == f"/submission/{submission.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Accepted" in page and submission.stream_secret in page
    assert b"two-sum" in client.get("/submissions/").content


def test_sign_up_keeps_next_through_a_form_with_errors(client: Client, two_sum: Problem) -> None:
    page = client.get("/signup/?next=/problem/two-sum/").content.decode()
    assert 'name="next" value="/problem/two-sum/"' in page
    mismatch = {
        "username": "newbie",
        "password1": "Sturdy-pass-42",
        "password2": "other-pass-42",
        "next": "/problem/two-sum/",
    }
    page = client.post("/signup/", mismatch).content.decode()
    assert 'name="next" value="/problem/two-sum/"' in page, "the destination survives the error"
    fixed = {**mismatch, "password2": "Sturdy-pass-42"}
    assert client.post("/signup/", fixed)["Location"] == "/problem/two-sum/"
    elsewhere = {**fixed, "username": "other", "next": "https://evil.example/"}
    client.logout()
    assert "evil" not in client.post("/signup/", {**elsewhere, "password2": "x"}).content.decode()


def test_a_rejected_submission_keeps_the_code_and_explains(
    client: Client, two_sum: Problem, contestant: Participant
) -> None:
    client.force_login(contestant.user)
    big = "# padding\n" * 8000
    response = client.post("/problem/two-sum/", {"language": "PY3", "source": big})
    assert response.status_code == 413
    page = response.content.decode()
    assert "limit is 65536 bytes" in page
    assert "# padding" in page
    assert Submission.objects.count() == 0


def test_a_rival_cannot_see_my_submission(
    client: Client, two_sum: Problem, contestant: Participant, rival: Participant
) -> None:
    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    client.force_login(rival.user)
    assert client.get(f"/submission/{submission.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/submission/{submission.pk}/").status_code == 302


def test_profile_creates_shows_once_and_revokes_tokens(client: Client, contestant: Participant) -> None:
    client.force_login(contestant.user)
    page = client.post("/profile/", {"name": "laptop"}).content.decode()
    token = contestant.tokens.get()
    assert token.prefix in page and "ca_" in page
    assert "ca_" not in client.get("/profile/").content.decode().replace(token.prefix, "")
    client.post(f"/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_leaderboard_page_lists_humans_and_models(client: Client, two_sum: Problem, contestant: Participant) -> None:
    from arena.services.judging import submission_judge

    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    submission_judge(submission_id=submission.pk)
    assert b"alice" in client.get("/leaderboard/").content
    assert b"alice" in client.get("/leaderboard/?kind=human").content
    assert b"alice" not in client.get("/leaderboard/?kind=model").content


def test_leaderboard_filters_and_a_bad_date_is_explained(client: Client, db: None) -> None:
    assert client.get("/leaderboard/?difficulty=hard&window=cutoff&published_after=2024-01-01").status_code == 200
    response = client.get("/leaderboard/?published_after=soon")
    assert response.status_code == 400
    assert b"published_after must be a date" in response.content


def test_charts_are_drawn_from_local_plotly(client: Client, two_sum: Problem, contestant: Participant) -> None:
    from arena.services.judging import submission_judge
    from arena.services.snapshots import leaderboard_snapshot_take

    submission = Submission.objects.create(participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK)
    submission_judge(submission_id=submission.pk)
    leaderboard_snapshot_take()
    board = client.get("/leaderboard/").content.decode()
    for plot_id in ("plot-dp", "plot-pass-beyond", "plot-acceptance"):
        assert f'data-plot="{plot_id}"' in board
    assert "vendor/plotly/plotly.min.js" in board and "cdn" not in board.lower()
    client.force_login(contestant.user)
    page = client.get(f"/submission/{submission.pk}/").content.decode()
    assert 'data-plot="plot-cost"' in page and "this submission" in page
    assert 'data-plot="plot-cost"' in client.get("/problem/two-sum/").content.decode()


def test_campaign_report_page(client: Client, two_sum: Problem, model_account: Participant, rival: Participant) -> None:
    from arena.services.campaigns import campaign_create, campaign_submit

    campaign = campaign_create(participant=model_account, name="sweep", k=2)
    campaign_submit(campaign=campaign, items=[{"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}] * 2)
    client.force_login(model_account.user)
    page = client.get(f"/campaign/{campaign.pk}/").content.decode()
    assert "pass@2" in page and "beyond@1" in page and "passed: 2" in page
    assert f"/campaign/{campaign.pk}/" in client.get("/profile/").content.decode()
    client.force_login(rival.user)
    assert client.get(f"/campaign/{campaign.pk}/").status_code == 404
