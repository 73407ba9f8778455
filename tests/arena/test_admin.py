"""The curator's admin: pages render, curation actions run."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from arena.models import Participant, Problem, ReferenceCost, Submission
from arena.models import TestCase as Case
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
    assert b"two-sum: validate: ok: " in response.content.lower()
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


def _form_data(form: Any, data: dict[str, Any]) -> None:
    """What the browser would post for a Django form as rendered (its current values)."""
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(value, dt.datetime):
            data[f"{key}_0"], data[f"{key}_1"] = value.date().isoformat(), value.time().isoformat()
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is not None:
            data[key] = value.pk if hasattr(value, "pk") else value


def change_form_post_data(client: Client, url: str) -> dict[str, Any]:
    """The change page's forms, inlines included, as the browser would post them unchanged."""
    context = client.get(url).context
    data: dict[str, Any] = {}
    _form_data(context["adminform"].form, data)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    return data


def test_a_problem_added_in_the_admin_is_unpublished_until_it_passes_validation(
    curator_client: Client, two_sum: Problem
) -> None:
    data = change_form_post_data(curator_client, f"/admin/arena/problem/{two_sum.pk}/change/")
    data.update({"references-INITIAL_FORMS": 0})
    data = {key: value for key, value in data.items() if not key.endswith("-id") and not key.endswith("-problem")}
    data.update({"code": "two-sum-copy", "title": "Two Sum, again", "statement": "Find two.\r\nReturn them.\rNow."})
    response = curator_client.post("/admin/arena/problem/add/", data, follow=True)
    assert response.status_code == 200
    copy = Problem.objects.get(code="two-sum-copy")
    assert not copy.is_public and b"unpublished until it passes validation" in response.content
    assert copy.statement == "Find two.\nReturn them.\nNow.", "statements are stored with \\n line ends"
    assert copy.references.count() == 3


def test_publish_validates_first_and_refuses_a_wrong_expected_answer(curator_client: Client, two_sum: Problem) -> None:
    Problem.objects.filter(pk=two_sum.pk).update(is_public=False)
    sample = two_sum.sample_cases().first()
    assert sample is not None
    sample.expected = [0, 0]  # typed by hand, wrong
    sample.save()
    response = curator_client.post(
        "/admin/arena/problem/", {"action": "publish", "_selected_action": [two_sum.pk]}, follow=True
    )
    assert b"not published, validation failed" in response.content.lower()
    two_sum.refresh_from_db()
    assert not two_sum.is_public
    with pytest.raises(CommandError, match="validation failed"):
        call_command("publish", "two-sum", stdout=StringIO(), stderr=StringIO())
    two_sum.refresh_from_db()
    assert not two_sum.is_public

    # Editing the case in the admin: the expected output comes from the canonical reference.
    url = f"/admin/arena/testcase/{sample.pk}/change/"
    data = change_form_post_data(curator_client, url)
    data["input"] = "[[1, 5, 9, 2], 11]"
    data["expected"] = "[0, 0]"  # a read-only field: whatever is posted is ignored
    response = curator_client.post(url, data, follow=True)
    assert b"expected output computed by the canonical reference" in response.content.lower()
    sample.refresh_from_db()
    assert sample.input == [[1, 5, 9, 2], 11] and sample.expected == [2, 3]
    response = curator_client.post(
        "/admin/arena/problem/", {"action": "publish", "_selected_action": [two_sum.pk]}, follow=True
    )
    assert b"validate, then publish: published" in response.content.lower()
    two_sum.refresh_from_db()
    assert two_sum.is_public


def test_curation_actions_run_in_the_background_with_progress(
    curator_client: Client, curator: Participant, two_sum: Problem, settings: Any
) -> None:
    """Outside eager mode the action only queues: the request returns at once, the task runs on
    the background thread, and its progress and result are in the admin."""
    from arena import dispatch
    from arena.models import CurationTask

    settings.JUDGE_EAGER = False
    response = curator_client.post(
        "/admin/arena/problem/", {"action": "validate", "_selected_action": [two_sum.pk]}, follow=True
    )
    assert b"validate queued" in response.content.lower()
    task = CurationTask.objects.get()
    pool = dispatch._calibration_pool()
    pool.submit(lambda: None).result(timeout=300)  # one thread: queued behind the task
    task.refresh_from_db()
    assert task.status == CurationTask.Status.DONE and task.progress == 1.0, task.result
    assert task.result.startswith("ok: ") and task.requested_by_id == curator.user.pk
    page = curator_client.get(f"/admin/arena/curationtask/{task.pk}/change/")
    assert page.status_code == 200 and b"ok: " in page.content and b"<progress" in page.content
    assert curator_client.get("/admin/arena/curationtask/").status_code == 200


def test_test_cases_have_their_own_pages_and_large_inputs_are_downloads(
    curator_client: Client, two_sum: Problem
) -> None:
    problem_page = curator_client.get(f"/admin/arena/problem/{two_sum.pk}/change/")
    assert problem_page.status_code == 200
    assert b'name="cases-' not in problem_page.content, "no inline of every case on the problem's page"
    assert f"problem__id__exact={two_sum.pk}".encode() in problem_page.content
    listing = curator_client.get(f"/admin/arena/testcase/?problem__id__exact={two_sum.pk}")
    assert listing.status_code == 200 and len(listing.content) < 200_000
    big = Case.objects.filter(problem=two_sum, kind="performance").first()
    assert big is not None
    big.input = [list(range(10_000)), 7]  # ~49 KB of JSON
    big.save()
    page = curator_client.get(f"/admin/arena/testcase/{big.pk}/change/")
    assert page.status_code == 200 and len(page.content) < 60_000, len(page.content)
    assert b"9999" not in page.content and b"download" in page.content.lower()
    download = curator_client.get(f"/admin/arena/testcase/{big.pk}/download/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download.json()["input"][0][-1] == 9999
    small = two_sum.sample_cases().first()
    assert small is not None
    assert b'name="input"' in curator_client.get(f"/admin/arena/testcase/{small.pk}/change/").content


def test_adding_a_case_in_the_admin_computes_its_expected_output(curator_client: Client, two_sum: Problem) -> None:
    response = curator_client.post(
        "/admin/arena/testcase/add/",
        {"problem": two_sum.pk, "ordinal": 999, "kind": "hidden", "input": "[[4, 5, 6], 11]"},
        follow=True,
    )
    assert response.status_code == 200
    case = Case.objects.get(problem=two_sum, ordinal=999)
    assert case.expected == [1, 2]


def test_the_signature_tags_and_code_are_edited_as_fields(curator_client: Client, two_sum: Problem) -> None:
    url = f"/admin/arena/problem/{two_sum.pk}/change/"
    page = curator_client.get(url).content.decode()
    assert 'class="code-editor"' in page and "codemirror.js" in page
    assert 'name="param_1_name"' in page and '<option value="TreeNode">' in page
    data = change_form_post_data(curator_client, url)
    assert (data["param_1_name"], data["param_1_type"], data["param_2_name"]) == ("nums", "List[int]", "target")
    data.update(
        {"param_2_name": "goal", "tags_text": "arrays,  hash map , Arrays, two pointers", "starter_py3": "x\r\n"}
    )
    response = curator_client.post(url, data, follow=True)
    assert response.status_code == 200
    two_sum.refresh_from_db()
    assert two_sum.signature["params"] == [{"name": "nums", "type": "List[int]"}, {"name": "goal", "type": "int"}]
    assert two_sum.signature["name"] == "twoSum" and two_sum.signature["returns"] == "List[int]"
    assert two_sum.tags == ["arrays", "hash map", "two pointers"]
    assert two_sum.starter_code["PY3"] == "x\n"

    for change, message in (
        ({"param_3_name": "k"}, "both a name and a type"),
        ({"param_2_name": "nums"}, "used twice"),
        ({"signature_name": "two sum"}, "A Python identifier"),
    ):
        response = curator_client.post(url, {**data, **change})
        assert response.status_code == 200 and message in response.content.decode(), change
    two_sum.refresh_from_db()
    assert two_sum.signature["params"][1]["name"] == "goal", "a refused form changes nothing"


def test_a_curator_previews_an_unpublished_problem_as_contestants_will_see_it(
    curator_client: Client, client: Client, two_sum: Problem
) -> None:
    Problem.objects.filter(pk=two_sum.pk).update(is_public=False)
    page = curator_client.get("/problem/two-sum/")
    assert page.status_code == 200 and b"Preview." in page.content and b"class Solution" in page.content
    assert curator_client.post("/problem/two-sum/", {"language": "PY3", "source": "x"}).status_code == 404
    assert b"/problem/two-sum/" in curator_client.get(f"/admin/arena/problem/{two_sum.pk}/change/").content
    client.logout()
    assert client.get("/problem/two-sum/").status_code == 404, "contestants do not see it"
