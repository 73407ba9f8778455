"""Languages beyond Python: what a problem offers (and why not), submitting in them through the
native API, v2 and the page, the leaderboard's language filter and campaign reports by language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from arena.errors import AppError
from arena.models import Participant, Problem, Submission
from arena.selectors.campaigns import campaign_report
from arena.services.campaigns import campaign_create, campaign_submit
from arena.services.languages import language_resolve, problem_languages
from arena.services.participants import participant_create
from arena.services.standings import standing_update
from judge.languages import all_languages, get_language
from tests.arena.cpp_sources import TWO_SUM_CPP, TWO_SUM_CPP_BROKEN, TWO_SUM_CPP_WRONG
from tests.http import auth
from tests.sources import TWO_SUM_OK

REGISTERED = [language.key for language in all_languages()]
# A HumanEval-style signature: ``Dict`` and ``Any`` exist only in Python.
PYTHON_ONLY = {
    "style": "function",
    "name": "histogram",
    "params": [{"name": "text", "type": "str"}],
    "returns": "Dict[str, int]",
}
HUMANEVAL_LISTS = {
    "style": "function",
    "name": "below_zero",
    "params": [{"name": "operations", "type": "List[int]"}],
    "returns": "bool",
}


def by_key(problem: Problem) -> dict[str, Any]:
    return {language.key: language for language in problem_languages(problem)}


def python_only(problem: Problem) -> Problem:
    """The problem with a signature no language but Python can write."""
    problem.signature = PYTHON_ONLY
    problem.starter_code = {"PY3": "def histogram(text: str) -> Dict[str, int]:\n    pass\n"}
    problem.save()
    return problem


# --- what a problem offers ----------------------------------------------------------------------


def test_every_registered_language_is_listed_python_first() -> None:
    listed = [language.key for language in problem_languages(Problem(code="x", signature=HUMANEVAL_LISTS))]
    assert sorted(listed) == sorted(REGISTERED)
    assert listed[0] == "PY3" and "CPP17" in listed


def test_a_signature_every_language_can_write_offers_them_all_with_generated_starters() -> None:
    problem = Problem(
        code="below-zero", signature=HUMANEVAL_LISTS, starter_code={"PY3": "def below_zero(operations): ..."}
    )
    languages = by_key(problem)
    assert all(language.available and not language.reason for language in languages.values())
    assert languages["PY3"].starter == "def below_zero(operations): ...", "a stored starter wins"
    assert languages["CPP17"].starter == get_language("CPP17").starter(HUMANEVAL_LISTS)
    assert "below_zero(vector<long long>& operations)" in languages["CPP17"].starter
    assert languages["CPP17"].editor_mode == "text/x-c++src"


def test_a_curator_s_own_starter_code_is_kept_for_its_language() -> None:
    problem = Problem(code="x", signature=HUMANEVAL_LISTS, starter_code={"CPP17": "// mine\n"})
    assert by_key(problem)["CPP17"].starter == "// mine\n"


def test_python_only_types_leave_only_python_and_say_why() -> None:
    languages = by_key(Problem(code="histogram", signature=PYTHON_ONLY, starter_code={}))
    assert languages["PY3"].available and "def histogram" in languages["PY3"].starter
    others = [language for key, language in languages.items() if key != "PY3"]
    assert others and all(not language.available and language.starter == "" for language in others)
    assert "Dict[str, int]" in languages["CPP17"].reason and "outside Python" in languages["CPP17"].reason


@pytest.mark.parametrize(
    "signature",
    [
        {},
        {"params": [1, 2]},
        {"name": "f", "params": [{"name": "x"}], "returns": None},
        {"name": "no such name!", "params": []},
        "not a signature",
        None,
    ],
)
def test_odd_signatures_never_raise(signature: Any) -> None:
    languages = problem_languages(Problem(code="odd", signature=signature, starter_code={"PY3": 3}))
    assert languages[0].key == "PY3" and languages[0].available
    assert all(isinstance(language.starter, str) for language in languages)


@pytest.mark.parametrize(
    ("raw", "key"),
    [("PY3", "PY3"), ("python", "PY3"), ("Python 3", "PY3"), (" py ", "PY3"), ("python3", "PY3"),
     ("CPP17", "CPP17"), ("cpp", "CPP17"), ("C++17", "CPP17"), ("c++", "CPP17"), ("G++", "CPP17")],
)  # fmt: skip
def test_names_keys_and_aliases_resolve_case_insensitively(raw: str, key: str) -> None:
    assert language_resolve(raw) == key


def test_an_unknown_language_names_the_known_ones() -> None:
    with pytest.raises(AppError) as caught:
        language_resolve("COBOL")
    assert caught.value.code == "unknown_language" and caught.value.status == 400
    assert "PY3 (Python 3)" in caught.value.message and "CPP17 (C++17)" in caught.value.message


# --- the native API -----------------------------------------------------------------------------


def test_problem_detail_lists_languages_with_availability_and_a_starter_per_offered_one(
    client: Client, two_sum: Problem
) -> None:
    detail = client.get("/api/problems/two-sum/").json()
    languages = {language["key"]: language for language in detail["languages"]}
    assert sorted(languages) == sorted(REGISTERED)
    assert languages["CPP17"] == {
        "key": "CPP17", "name": "C++17", "editor_mode": "text/x-c++src", "available": True, "reason": None,
    }  # fmt: skip
    assert set(detail["starter_code"]) == {key for key, language in languages.items() if language["available"]}
    assert detail["starter_code"]["PY3"] == two_sum.starter_code["PY3"]
    assert "twoSum(vector<long long>& nums, long long target)" in detail["starter_code"]["CPP17"]

    python_only(two_sum)
    detail = client.get("/api/problems/two-sum/").json()
    cpp = next(language for language in detail["languages"] if language["key"] == "CPP17")
    assert cpp["available"] is False and "Dict[str, int]" in cpp["reason"]
    assert list(detail["starter_code"]) == ["PY3"]


@pytest.mark.django_db(transaction=True)
def test_a_cpp_submission_is_queued_judged_and_accepted(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "C++17", "source": TWO_SUM_CPP},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "CPP17"
    detail = client.get(f"/api/submissions/{response.json()['id']}/", **auth(model_token)).json()
    assert (detail["status"], detail["verdict"]) == ("D", "AC"), detail["message"]
    assert detail["language"] == "CPP17" and len(detail["cases"]) == detail["cases_total"] > 2


@pytest.mark.django_db(transaction=True)
def test_cpp_wrong_answers_and_compile_errors_are_the_program_s_verdicts(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    batch = [
        {"problem": "two-sum", "language": "cpp", "source": TWO_SUM_CPP_WRONG},
        {"problem": "two-sum", "language": "cpp", "source": TWO_SUM_CPP_BROKEN},
    ]
    response = client.post("/api/submissions/batch/", batch, content_type="application/json", **auth(model_token))
    assert response.status_code == 201, response.content
    verdicts = [Submission.objects.get(id=item["id"]).verdict for item in response.json()]
    assert verdicts == ["WA", "CE"]


def test_an_unknown_language_is_a_json_400(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "Brainfuck", "source": "+"},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_language" and "CPP17 (C++17)" in error["message"]
    assert Submission.objects.count() == 0


def test_a_language_the_problem_does_not_offer_is_a_400_naming_the_offered_ones(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    python_only(two_sum)
    response = client.post(
        "/api/submissions/",
        {"problem": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "language_not_offered"
    assert "C++17 is not offered for the problem two-sum" in error["message"]
    assert "Dict[str, int]" in error["message"] and "Offered: PY3 (Python 3)." in error["message"]
    batch = [{"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}, {"problem": "two-sum", "language": "cpp",
             "source": TWO_SUM_CPP}]  # fmt: skip
    refused = client.post("/api/submissions/batch/", batch, content_type="application/json", **auth(model_token))
    assert refused.status_code == 400 and refused.json()["error"]["item"] == 1
    assert Submission.objects.count() == 0, "a batch is all or nothing"


def test_running_cpp_on_the_samples_before_submitting(client: Client, two_sum: Problem, model_token: str) -> None:
    response = client.post(
        "/api/problems/two-sum/run/",
        {"language": "CPP17", "source": TWO_SUM_CPP},
        content_type="application/json",
        **auth(model_token),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["language"] == "CPP17" and body["verdict"] == "AC" and body["submitted"] is False
    broken = client.post(
        "/api/problems/two-sum/run/",
        {"language": "cpp", "source": "class Solution { int x = ; };"},
        content_type="application/json",
        **auth(model_token),
    )
    assert broken.status_code == 200 and broken.json()["verdict"] == "CE"
    assert "solution.cpp:1" in broken.json()["cases"][0]["message"]


# --- v2 (the codearena SDK's API) ---------------------------------------------------------------


def test_v2_problem_lists_the_offered_language_keys_and_a_prompt_per_language(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    obj = client.get("/api/v2/problem/two-sum", **auth(model_token)).json()["data"]["object"]
    assert obj["languages"][0] == "PY3" and "CPP17" in obj["languages"]
    assert sorted(obj["languages"]) == sorted(REGISTERED)
    assert obj["prompt"] == two_sum.starter_code["PY3"] and obj["prompt_language"] == "PY3"
    cpp = client.get("/api/v2/problem/two-sum?language=cpp", **auth(model_token)).json()["data"]["object"]
    assert cpp["prompt_language"] == "CPP17" and "vector<long long> twoSum" in cpp["prompt"]
    unknown = client.get("/api/v2/problem/two-sum?language=COBOL", **auth(model_token))
    assert unknown.status_code == 400 and "Unknown language" in unknown.json()["error"]["message"]

    python_only(two_sum)
    obj = client.get("/api/v2/problem/two-sum", **auth(model_token)).json()["data"]["object"]
    assert obj["languages"] == ["PY3"]
    assert "Dict[str, int]" in obj["unavailable_languages"]["CPP17"]
    refused = client.get("/api/v2/problem/two-sum?language=CPP17", **auth(model_token))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 400
    assert "not offered" in refused.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_v2_form_post_in_cpp_then_read_back(client: Client, two_sum: Problem, model_token: str) -> None:
    body = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP},
        **auth(model_token),
    ).json()
    assert body["data"]["status"] == "success", body
    obj = client.get(f"/api/v2/submission/{body['data']['id']}", **auth(model_token)).json()["data"]["object"]
    assert (obj["language"], obj["status"], obj["result"]) == ("CPP17", "D", "AC")
    assert obj["cases"] and all(case["status"] == "AC" for case in obj["cases"])


def test_v2_refuses_a_language_the_problem_does_not_offer_in_the_envelope(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    python_only(two_sum)
    response = client.post(
        "/api/v2/submission",
        {"problem_code": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP},
        **auth(model_token),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["api_version"] == "2.0" and body["error"]["code"] == 400 and "not offered" in body["error"]["message"]


# --- the problem and submission pages -----------------------------------------------------------


def test_the_problem_page_offers_the_languages_with_their_modes_and_starters(client: Client, two_sum: Problem) -> None:
    page = client.get("/problem/two-sum/").content.decode()
    assert '<option value="CPP17" data-mode="text/x-c++src">C++17</option>' in page
    assert "vendor/codemirror/mode/clike/clike.js" in page and "vendor/codemirror/mode/python/python.js" in page
    assert "cdn" not in page.lower()
    assert '"CPP17": {"name": "C++17", "mode": "text/x-c++src", "starter": "class Solution {' in page
    assert 'id="language-note"' not in page, "every language is offered: nothing to explain"


def test_the_problem_page_shows_a_language_it_does_not_offer_disabled_with_the_reason(
    client: Client, two_sum: Problem
) -> None:
    python_only(two_sum)
    page = client.get("/problem/two-sum/").content.decode()
    assert '<option value="CPP17" data-mode="text/x-c++src" disabled title=' in page
    assert "C++17 (not offered)" in page
    assert 'id="language-note"' in page and "Dict[str, int] is not available outside Python" in page
    assert "clike.js" not in page, "no mode script for a language the page does not offer"


@pytest.mark.django_db(transaction=True)
def test_submitting_from_the_page_in_cpp_and_the_submission_page_highlights_it(
    client: Client, two_sum: Problem, contestant: Participant
) -> None:
    client.force_login(contestant.user)
    response = client.post("/problem/two-sum/", {"language": "CPP17", "source": TWO_SUM_CPP})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.language, submission.verdict) == ("CPP17", "AC")
    page = client.get(response["Location"]).content.decode()
    assert 'data-language="CPP17">C++17</span>' in page
    assert 'data-mode="text/x-c++src"' in page and "vendor/codemirror/mode/clike/clike.js" in page
    assert "mode/python/python.js" not in page
    # two_sum holds its Python references only here: the page says what C++ is scored against.
    assert "C++17 solutions are compared with C++17 solutions only" in page
    assert "Beyond and DPS need C++17 references, which this problem does not have yet." in page
    # ... and which meter measured it (the PMU's count where the host has one, else CPU time).
    assert submission.cost_meter in {"instructions", "cpu"}
    assert "Cost meter: " in page and ("retired instructions" in page or "CPU time" in page)
    again = client.get(f"/problem/two-sum/?from={submission.pk}").content.decode()
    assert '<option value="CPP17" data-mode="text/x-c++src" selected>' in again


def test_the_page_refuses_a_language_the_problem_does_not_offer_in_words(
    client: Client, two_sum: Problem, contestant: Participant
) -> None:
    python_only(two_sum)
    client.force_login(contestant.user)
    response = client.post("/problem/two-sum/", {"language": "CPP17", "source": TWO_SUM_CPP})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not submitted:" in page and "C++17 is not offered for the problem two-sum" in page
    assert "unordered_map" in page, "the code stays in the editor"
    assert Submission.objects.count() == 0


# --- leaderboards and campaign reports ----------------------------------------------------------


def _judged(participant: Participant, problem: Problem, language: str) -> None:
    Submission.objects.create(
        participant=participant, problem=problem, language=language, source="x", status="D", verdict="AC",
        es=0.5, beyond=0.5, dps=0.5,
    )  # fmt: skip
    standing_update(participant_id=participant.pk, problem_id=problem.pk)


def test_the_leaderboard_filters_by_cpp_and_lists_every_registered_language(client: Client, two_sum: Problem) -> None:
    py_person = participant_create(username="py-person", kind="human")
    cpp_person = participant_create(username="cpp-person", kind="human")
    _judged(py_person, two_sum, "PY3")
    _judged(cpp_person, two_sum, "CPP17")

    def solved(query: str) -> dict[str, int]:
        rows = client.get(f"/api/leaderboard/{query}").json()
        return {row["username"]: row["solved"] for row in rows}

    assert solved("") == {"py-person": 1, "cpp-person": 1}
    assert solved("?language=CPP17") == {"py-person": 0, "cpp-person": 1}
    assert solved("?language=c%2B%2B") == {"py-person": 0, "cpp-person": 1}, "an alias works too"
    assert solved("?language=PY3") == {"py-person": 1, "cpp-person": 0}
    bad = client.get("/api/leaderboard/?language=COBOL")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_language"

    page = client.get("/leaderboard/?language=CPP17").content.decode()
    for language in all_languages():
        assert f'<option value="{language.key}"' in page
    assert '<option value="CPP17" selected>C++17</option>' in page


@pytest.mark.django_db(transaction=True)
def test_a_campaign_report_breaks_results_down_by_language(
    client: Client, two_sum: Problem, model_account: Participant, model_token: str
) -> None:
    campaign = campaign_create(participant=model_account, name="polyglot", k=4)
    campaign_submit(
        campaign=campaign,
        items=[
            {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK},
            {"problem": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP},
            {"problem": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP_WRONG},
            {"problem": "two-sum", "language": "CPP17", "source": TWO_SUM_CPP_BROKEN},
        ],
    )
    report = client.get(f"/api/campaigns/{campaign.pk}/", **auth(model_token)).json()
    assert report == campaign_report(campaign)
    assert list(report["per_language"]) == ["PY3", "CPP17"]
    cpp = report["per_language"]["CPP17"]
    assert cpp["name"] == "C++17"
    assert (cpp["samples"], cpp["accepted"], cpp["problems"], cpp["solved"]) == (3, 1, 1, 1)
    assert cpp["acceptance_rate"] == pytest.approx(1 / 3) and cpp["solve_rate"] == 1.0
    assert cpp["mean_beyond"] is not None and 0.0 <= cpp["mean_beyond"] <= 1.0
    python = report["per_language"]["PY3"]
    assert (python["samples"], python["accepted"], python["acceptance_rate"]) == (1, 1, 1.0)

    client.force_login(model_account.user)
    page = client.get(f"/campaign/{campaign.pk}/").content.decode()
    assert 'id="campaign-languages"' in page
    assert '<tr data-language="CPP17"><td>C++17</td><td class="num">3</td><td class="num">1</td>' in page
    assert "33.3%" in page


def test_a_campaign_without_judged_samples_has_an_empty_language_table(
    two_sum: Problem, model_account: Participant
) -> None:
    campaign = campaign_create(participant=model_account, name="empty", k=1)
    assert campaign_report(campaign)["per_language"] == {}
