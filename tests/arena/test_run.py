"""Run before submitting: samples or custom inputs, stdout/stderr, the return value, and no
submission, no measurement, a budget of its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from arena.models import Problem, Submission
from config.env import parse_rate
from tests.http import auth
from tests.sources import TWO_SUM_OK, TWO_SUM_PRINTS

RUN = "/api/problems/two-sum/run/"
pytestmark = pytest.mark.usefixtures("fresh_counters")


def run(client: Client, token: str, source: str, inputs: Any = None, path: str = RUN) -> Any:
    body: dict[str, Any] = {"language": "PY3", "source": source}
    if inputs is not None:
        body["inputs"] = inputs
    return client.post(path, body, content_type="application/json", **auth(token))


def test_run_on_the_samples_shows_prints_and_expected_vs_got(
    client: Client, two_sum: Problem, contestant_token: str
) -> None:
    response = run(client, contestant_token, TWO_SUM_PRINTS)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["verdict"] == "AC" and report["submitted"] is False
    samples = list(two_sum.sample_cases())
    assert len(report["cases"]) == len(samples) >= 1
    first = report["cases"][0]
    assert first["kind"] == "sample" and first["verdict"] == "AC"
    assert first["input"] == {"nums": samples[0].input[0], "target": samples[0].input[1]}
    assert first["output"] == first["expected"] == samples[0].expected
    assert first["stdout"] == f"looking at {samples[0].input[0]} for {samples[0].input[1]}\n"
    assert first["stderr"] == "debug line\n"
    assert Submission.objects.count() == 0, "a run is never a submission"


def test_a_wrong_sample_answer_shows_expected_and_got(client: Client, two_sum: Problem, contestant_token: str) -> None:
    wrong = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]\n"
    report = run(client, contestant_token, wrong).json()
    assert report["verdict"] == "WA"
    case = report["cases"][0]
    assert case["verdict"] == "WA" and case["output"] == [0, 0] and case["expected"] != [0, 0]
    assert "Expected:" in case["message"] and "Got: [0, 0]" in case["message"]


def test_custom_inputs_by_position_and_by_name(client: Client, two_sum: Problem, contestant_token: str) -> None:
    inputs = [[[1, 2, 7], 9], {"target": 3, "nums": [1, 2]}, [[5], 5]]
    report = run(client, contestant_token, TWO_SUM_PRINTS, inputs).json()
    assert report["verdict"] == "OK"
    first, second, third = report["cases"]
    assert first["kind"] == "custom" and "expected" not in first
    assert (first["output"], second["output"], third["output"]) == ([1, 2], [0, 1], None)
    assert second["input"] == {"nums": [1, 2], "target": 3}
    assert third["returned"] is True and third["stdout"] == "looking at [5] for 5\n"


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([[[1, 2]]], "item 0: give 2 argument(s) (nums, target)"),
        ([[[1, 2], 3], {"nums": [1]}], "item 1: the arguments are nums, target (missing target)"),
        ([{"nums": [1], "target": 1, "k": 2}], "item 0: the arguments are nums, target (unknown k)"),
        ("nums = [1]", "inputs must be a list of 1 to 10"),
        ([[[1], 1]] * 11, "inputs must be a list of 1 to 10"),
    ],
)
def test_bad_inputs_are_a_400_that_names_the_input(
    client: Client, two_sum: Problem, contestant_token: str, inputs: Any, message: str
) -> None:
    response = run(client, contestant_token, TWO_SUM_OK, inputs)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message), response.json()


def test_errors_and_limits_are_reported_per_input(client: Client, two_sum: Problem, contestant_token: str) -> None:
    source = """
class Solution:
    def twoSum(self, nums, target):
        if target == 0:
            raise ValueError("target zero")
        if target == 1:
            while True:
                pass
        if target == 2:
            print("x" * 100000)
            while True:
                print("y" * 1000)
        return [0, 1]
"""
    report = run(client, contestant_token, source, [[[1], 0], [[1], 1], [[1], 2], [[1, 2], 3]]).json()
    verdicts = [case["verdict"] for case in report["cases"]]
    assert verdicts == ["RTE", "TLE", "OLE", "OK"], report
    assert report["verdict"] == "RTE"
    assert "ValueError" in report["cases"][0]["message"] and "target zero" in report["cases"][0]["message"]
    flood = report["cases"][2]
    assert flood["stdout_cut"] is True and 0 < len(flood["stdout"]) <= 4096
    assert report["cases"][3]["output"] == [0, 1], "one input's failure does not hide the next"


def test_a_compile_error_and_an_empty_source(client: Client, two_sum: Problem, contestant_token: str) -> None:
    report = run(client, contestant_token, "class Solution:\n    def twoSum(self\n").json()
    assert report["verdict"] == "CE" and "SyntaxError" in report["cases"][0]["message"]
    response = run(client, contestant_token, "  ")
    assert response.status_code == 400 and response.json()["error"]["code"] == "empty_source"


def test_run_needs_a_login_and_a_published_problem(client: Client, two_sum: Problem, contestant_token: str) -> None:
    assert (
        client.post(RUN, {"language": "PY3", "source": TWO_SUM_OK}, content_type="application/json").status_code == 401
    )
    Problem.objects.filter(pk=two_sum.pk).update(is_public=False)
    assert run(client, contestant_token, TWO_SUM_OK).status_code == 404


def test_runs_have_their_own_budget_counted_per_input(
    client: Client, two_sum: Problem, contestant_token: str, settings: Any
) -> None:
    settings.FAIR_USE_RATES = {**settings.FAIR_USE_RATES, "run": parse_rate("5/min"), "submit": parse_rate("1/min")}
    samples = two_sum.sample_cases().count()
    assert samples == 2
    assert run(client, contestant_token, TWO_SUM_OK).status_code == 200  # 2 inputs
    assert run(client, contestant_token, "", [[[1], 1]]).status_code == 400, "a refused request costs nothing"
    refused = run(client, contestant_token, TWO_SUM_OK, [[[1, 2], 3]] * 4)  # 2 + 4 > 5
    assert refused.status_code == 429 and "Too many inputs run for this account" in refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) > 0
    ok = run(client, contestant_token, TWO_SUM_OK, [[[1, 2], 3]] * 3, path=RUN.rstrip("/"))
    assert ok.status_code == 200, "the refusal took nothing: 2 + 3 = 5 fit (and no trailing slash)"
    assert run(client, contestant_token, TWO_SUM_OK, [[[1, 2], 3]]).status_code == 429
    item = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    submitted = client.post("/api/submissions/", item, content_type="application/json", **auth(contestant_token))
    assert submitted.status_code == 201, "runs do not use the submission budget"
