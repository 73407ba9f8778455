"""The curator's admin: pages render, curation actions run."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Participant, Problem, ReferenceCost, Submission
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def curator_client(client: Client, curator: Participant) -> Client:
    client.force_login(curator.user)
    return client


def test_admin_pages_render_for_a_curator(curator_client: Client, two_sum: Problem) -> None:
    for url in ("/admin/arena/problem/", f"/admin/arena/problem/{two_sum.pk}/change/", "/admin/arena/submission/",
                "/admin/arena/participant/", "/admin/arena/apitoken/"):  # fmt: skip
        assert curator_client.get(url).status_code == 200, url
    assert b"statement" in curator_client.get(f"/admin/arena/problem/{two_sum.pk}/change/").content


def test_validate_and_calibrate_actions(curator_client: Client, two_sum: Problem) -> None:
    response = curator_client.post(
        "/admin/arena/problem/", {"action": "validate", "_selected_action": [two_sum.pk]}, follow=True
    )
    assert b"two-sum: ok" in response.content.lower()
    curator_client.post("/admin/arena/problem/", {"action": "calibrate", "_selected_action": [two_sum.pk]})
    assert ReferenceCost.objects.filter(reference__problem=two_sum).count() == 3


def test_rejudge_action(curator_client: Client, two_sum: Problem, contestant: Participant) -> None:
    submission = Submission.objects.create(
        participant=contestant, problem=two_sum, language="PY3", source=TWO_SUM_OK, status="D", verdict="IE"
    )
    curator_client.post("/admin/arena/submission/", {"action": "rejudge", "_selected_action": [submission.pk]})
    submission.refresh_from_db()
    assert submission.verdict == "AC"


def test_a_contestant_cannot_open_the_admin(client: Client, contestant: Participant) -> None:
    client.force_login(contestant.user)
    assert client.get("/admin/arena/problem/").status_code == 302
