"""`manage.py evaluate`: a model behind an OpenAI-compatible endpoint, prompted k times per problem,
judged as a campaign. The endpoint is a small HTTP server in the test, spoken to by the real
``openai`` client; the judge is the real one."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from arena.errors import AppError
from arena.ingest.bank import BANK_DIR
from arena.models import Campaign, Participant, Problem, Standing
from arena.selectors.campaigns import campaign_report
from arena.services.evaluation import (
    ChatReply,
    EvaluationOptions,
    code_extract,
    evaluation_participant,
    evaluation_problems,
    evaluation_run,
    prompt_messages,
)
from tests.conftest import load_problem
from tests.sources import TWO_SUM_OK, TWO_SUM_WRONG

API_KEY = "sk-local-test-9f8e7d6c5b4a"
TALLER_OK = (BANK_DIR / "next-taller-building" / "solutions" / "monotonic_stack.py").read_text()
TALLER_CRASH = "class Solution:\n    def nextTaller(self, head):\n        raise ValueError('no idea')\n"
PROSE = "I am sorry, but I cannot solve this problem without more information."


def fenced(source: str, before: str = "Here is my solution.", after: str = "") -> str:
    return f"{before}\n\n```python\n{source.strip()}\n```\n{after}"


class CannedModel:
    """POST /v1/chat/completions answered from canned replies, in arrival order for each problem
    (found by its title in the prompt). An int instead of a reply is an HTTP error status."""

    def __init__(self, replies: dict[str, list[str | int]]) -> None:
        self.replies = {title: list(answers) for title, answers in replies.items()}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                with canned.lock:
                    canned.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                    title = next((t for t in canned.replies if f"# {t}\n" in prompt), None)
                    reply = canned.replies[title].pop(0) if title and canned.replies[title] else 404
                if self.path != "/v1/chat/completions":
                    reply = 404
                if isinstance(reply, int):
                    self.answer(reply, {"error": {"message": "the model fell over", "type": "server_error"}})
                    return
                self.answer(200, {
                    "id": f"chatcmpl-{len(canned.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                })  # fmt: skip

            def answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def model_server() -> Iterator[Any]:
    servers: list[CannedModel] = []

    def start(replies: dict[str, list[str | int]]) -> CannedModel:
        servers.append(CannedModel(replies))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def evaluate(server_url: str, *args: str) -> str:
    out = StringIO()
    call_command("evaluate", "--model", "tiny-coder", "--base-url", server_url, "--api-key", API_KEY, *args, stdout=out)
    return out.getvalue()


# --- the whole run ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_evaluates_a_model_behind_an_openai_compatible_endpoint(
    two_sum: Problem, model_server: Any, tmp_path: Path
) -> None:
    load_problem("next-taller-building")
    server = model_server({
        "Two Sum": [fenced(TWO_SUM_OK), fenced(TWO_SUM_WRONG), PROSE, 500],
        "Next Taller Building": [
            fenced(TALLER_OK, after="Usage:\n```python\nprint(Solution().nextTaller(None))\n```"),
            TALLER_OK,  # no fence at all
            fenced(TALLER_CRASH),
            "<think>Maybe ```python\ndef nextTaller(): pass\n```</think>" + fenced(TALLER_OK),
        ],
    })  # fmt: skip
    report_path = tmp_path / "report.json"
    output = evaluate(
        server.url, "--k", "4", "--max-retries", "0", "--temperature", "0.7", "--participant", "tiny-coder",
        "--provider", "Tiny Labs", "--training-cutoff", "2023-12-31", "--json", str(report_path),
    )  # fmt: skip

    report = json.loads(report_path.read_text())
    assert report["overall"]["problems"] == 2
    assert report["overall"]["pass@1"] == pytest.approx(0.5)  # (1/4 + 3/4) / 2
    assert report["overall"]["pass@4"] == pytest.approx(1.0)
    assert report["per_difficulty"]["easy"]["pass@1"] == pytest.approx(0.25)
    assert report["per_difficulty"]["medium"]["pass@1"] == pytest.approx(0.75)
    assert report["overall"]["beyond@4"] >= report["overall"]["beyond@1"] > 0
    assert report["outcomes"] == {"AC": 4, "WA": 1, "RTE": 1, "no_code": 1, "api_error": 1}
    assert report["failure_breakdown"] == {
        "passed": 4, "wrong answer": 1, "execution error": 1, "no code": 1, "API error": 1
    }  # fmt: skip
    rows = {row["problem"]: row for row in report["problems"]}
    assert (rows["two-sum"]["n"], rows["two-sum"]["c"]) == (4, 1)
    assert rows["two-sum"]["outcomes"] == {"AC": 1, "WA": 1, "api_error": 1, "no_code": 1}
    assert rows["next-taller-building"]["title"] == "Next Taller Building"
    assert (report["complete"], report["pending"], report["samples"]) == (True, 0, 8)
    assert {(s["problem"], s["outcome"]) for s in report["sample_details"]} >= {("two-sum", "api_error")}
    assert [s["extraction"] for s in report["sample_details"] if s["outcome"] == "no_code"] == ["none"]
    assert report["usage"] == {"prompt_tokens": 700, "completion_tokens": 140}  # 7 answers
    assert (report["model"], report["endpoint"], report["k"], report["temperature"]) == (
        "tiny-coder", server.url, 4, 0.7
    )  # fmt: skip
    assert report["prompt_version"] == "codearena-py3-v1"
    assert report["participant"] == "tiny-coder"

    # A campaign of the model participant, k samples per problem, whose own report agrees.
    participant = Participant.objects.get(user__username="tiny-coder")
    assert participant.kind == Participant.Kind.MODEL
    assert (participant.organisation, str(participant.training_cutoff)) == ("Tiny Labs", "2023-12-31")
    campaign = Campaign.objects.get(participant=participant)
    assert (campaign.pk, campaign.k) == (report["campaign"], 4)
    assert (
        sorted(campaign.submissions.values_list("problem__code", flat=True))
        == ["next-taller-building"] * 4 + ["two-sum"] * 4
    )
    assert campaign_report(campaign)["overall"]["pass@1"] == pytest.approx(0.5)
    assert not Standing.objects.filter(participant=participant).exists()

    # What the model was asked, and with which key; the key is in neither output nor report.
    assert {r["path"] for r in server.requests} == {"/v1/chat/completions"}
    assert {r["auth"] for r in server.requests} == {f"Bearer {API_KEY}"}
    assert {(r["model"], r["temperature"], r["max_tokens"]) for r in server.requests} == {("tiny-coder", 0.7, 4096)}
    two_sum_prompt = next(r for r in server.requests if "# Two Sum\n" in r["messages"][-1]["content"])
    assert two_sum.starter_code["PY3"].strip() in two_sum_prompt["messages"][-1]["content"]
    assert "Exactly one pair of\ndifferent positions" in two_sum_prompt["messages"][-1]["content"]
    assert API_KEY not in output and API_KEY not in report_path.read_text()

    # The printed summary: scores per difficulty and overall, then the outcomes.
    assert "pass@4" in output and "Beyond@4" in output
    lines = output.splitlines()
    assert any(line.split()[:4] == ["overall", "2", "50.0%", "100.0%"] for line in lines), output
    assert any(line.split()[:3] == ["no_code", "no", "code"] for line in lines), output
    assert any(line.startswith("api_error") and " 1 " in line for line in lines), output
    assert "evaluate [" in output  # one progress line per problem


@pytest.mark.django_db(transaction=True)
def test_a_server_error_is_retried_by_the_client(two_sum: Problem, model_server: Any) -> None:
    server = model_server({"Two Sum": [503, fenced(TWO_SUM_OK)]})
    output = evaluate(server.url, "--participant", "tiny-coder")
    assert len(server.requests) == 2
    report = campaign_report(Campaign.objects.get())
    assert report["overall"]["pass@1"] == 1.0 and report["failure_breakdown"] == {"passed": 1}
    assert "api_error" not in output


@pytest.mark.django_db(transaction=True)
def test_the_command_evaluates_only_the_problems_asked_for(two_sum: Problem, model_server: Any) -> None:
    load_problem("next-taller-building")  # medium, published 2024-02-11
    server = model_server({"Two Sum": [fenced(TWO_SUM_OK)], "Next Taller Building": [fenced(TALLER_OK)]})
    # The contamination window from the model's training cut-off.
    output = evaluate(
        server.url, "--difficulty", "easy,hard", "--difficulty", "medium", "--training-cutoff", "2024-02-20",
        "--published-after", "cutoff", "--name", "after the cut-off",
    )  # fmt: skip
    assert len(server.requests) == 1 and "# Two Sum\n" in server.requests[0]["messages"][-1]["content"]
    campaign = Campaign.objects.get()
    assert campaign.name == "after the cut-off"
    assert list(campaign.submissions.values_list("problem__code", flat=True)) == ["two-sum"]
    assert "waiting for the judge" in output


@pytest.mark.django_db
def test_it_stops_before_creating_a_campaign_when_every_request_fails(two_sum: Problem) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    with pytest.raises(CommandError, match="Every request to the endpoint failed; the first: APIConnectionError"):
        evaluate(closed_url, "--k", "2", "--max-retries", "0")
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_human_participant_and_bad_options(two_sum: Problem, contestant: Participant) -> None:
    url = "http://127.0.0.1:9/v1"
    with pytest.raises(CommandError, match="human participant"):
        evaluate(url, "--participant", "alice")
    with pytest.raises(CommandError, match="difficulty must be one of"):
        evaluate(url, "--difficulty", "brutal")
    with pytest.raises(CommandError, match="No published problem with code nope"):
        evaluate(url, "--problems", "two-sum,nope")
    with pytest.raises(CommandError, match="--published-after must be a date"):
        evaluate(url, "--published-after", "last year")
    with pytest.raises(CommandError, match="has no training cut-off"):
        evaluate(url, "--published-after", "cutoff")
    with pytest.raises(CommandError, match="k must be between 1 and 100"):
        evaluate(url, "--k", "0")
    assert not Campaign.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_samples_go_out_in_batches_that_fit_the_queue_cap(two_sum: Problem, settings: Any) -> None:
    settings.JUDGE_MAX_QUEUED_PER_PARTICIPANT = 2
    calls: list[int] = []

    def chat(messages: list[dict[str, str]]) -> ChatReply:
        calls.append(1)
        if len(calls) == 3:
            raise TimeoutError("read timed out")
        return ChatReply(text=fenced(TWO_SUM_OK), finish_reason="stop")

    participant = evaluation_participant(username="batcher")
    report = evaluation_run(
        participant=participant,
        problems=[two_sum],
        chat=chat,
        options=EvaluationOptions(model="m", endpoint="http://x/v1", k=5, concurrency=1),
    )
    assert report["outcomes"] == {"AC": 4, "api_error": 1}
    assert report["problems"][0]["n"] == 5 and report["problems"][0]["pass@1"] == pytest.approx(0.8)
    assert [s["error"] for s in report["sample_details"] if s["error"]] == ["TimeoutError: read timed out"]
    assert Campaign.objects.get().submissions.count() == 5


@pytest.mark.django_db(transaction=True)
def test_with_the_judge_in_background_threads_it_waits_for_verdicts_and_scores(two_sum: Problem, settings: Any) -> None:
    from django.core.cache import cache

    from arena import dispatch

    # As `manage.py evaluate` runs in embedded mode: judged by the in-process pool, the
    # references measured by the calibration thread, the scores following the verdicts.
    settings.JUDGE_EAGER = False
    cache.clear()  # calibration requests are remembered there, across tests

    def chat(messages: list[dict[str, str]]) -> ChatReply:
        return ChatReply(text=fenced(TWO_SUM_OK))

    report = evaluation_run(
        participant=evaluation_participant(username="background"),
        problems=[two_sum],
        chat=chat,
        options=EvaluationOptions(model="m", endpoint="http://x/v1", k=2, judge_timeout_s=120, poll_interval_s=0.1),
    )
    assert (report["complete"], report["pending"], report["scores_pending"]) == (True, 0, 0)
    assert report["outcomes"] == {"AC": 2}
    assert report["overall"]["beyond@1"] > 0 and report["overall"]["dps@1"] > 0
    # The calibration thread has done its last writes before the test's database is emptied.
    dispatch._calibration_pool().submit(lambda: None).result(timeout=60)


# --- selection and prompt -----------------------------------------------------------------------


@pytest.mark.django_db
def test_problems_are_selected_by_difficulty_date_code_and_limit(two_sum: Problem) -> None:
    taller = load_problem("next-taller-building")
    assert evaluation_problems(codes=["two-sum", "next-taller-building"]) == [two_sum, taller]  # easy first
    assert evaluation_problems(difficulties=["medium"]) == [taller]
    assert evaluation_problems(difficulties=["easy", "medium"], limit=1) == [two_sum]
    assert evaluation_problems(codes=["two-sum", "next-taller-building"], published_after=dt.date(2024, 2, 11)) == [
        two_sum
    ]
    assert evaluation_problems(codes=["two-sum"], published_after=dt.date(2024, 3, 1)) == []
    Problem.objects.filter(pk=two_sum.pk).update(is_public=False)
    with pytest.raises(AppError, match="No published problem with code two-sum"):
        evaluation_problems(codes=["two-sum"])
    with pytest.raises(AppError, match="difficulty must be one of"):
        evaluation_problems(difficulties=["Easy"])


@pytest.mark.django_db
def test_the_prompt_gives_the_statement_the_starter_code_and_the_node_rule(two_sum: Problem) -> None:
    taller = load_problem("next-taller-building")
    system, user = prompt_messages(taller)
    assert system["role"] == "system" and user["role"] == "user"
    text = user["content"]
    assert text.startswith("Solve the following programming problem in Python 3.\n\n# Next Taller Building\n")
    assert taller.statement.strip() in text
    assert f"```python\n{taller.starter_code['PY3'].rstrip()}\n```" in text
    assert (
        "# class ListNode:" in text
        and "- `ListNode(val, next)` is predefined by the judge: use it, do not define it." in text
    )
    assert "`Solution().nextTaller(...)`" in text
    assert text.endswith("Answer with the complete solution in a single ```python code block.")
    assert "ListNode" not in prompt_messages(two_sum)[1]["content"]


# --- code extraction ----------------------------------------------------------------------------

SOLVE = "def solve(x):\n    return x + 1"


@pytest.mark.parametrize(
    ("answer", "source", "method"),
    [
        (f"```python\n{SOLVE}\n```", SOLVE, "fence"),
        (f"Sure!\n\n```py\n{SOLVE}\n```\nDone.", SOLVE, "fence"),
        (f"```Python3 title=solution.py\n{SOLVE}\n```", SOLVE, "fence"),
        (f"```\n{SOLVE}\n```", SOLVE, "fence"),
        (f"~~~python\n{SOLVE}\n~~~", SOLVE, "fence"),
        (f"  ```python\n{SOLVE}\n  ```", SOLVE, "fence"),
        # A later usage example does not define the entry point: the solution before it counts.
        (f"```python\n{SOLVE}\n```\nTry it:\n```python\nprint(solve(1))\n```", SOLVE, "fence"),
        # A revised solution after a first draft: the last one counts.
        ("```python\ndef solve(x):\n    return x\n```\nOops, fixed:\n```python\n" + SOLVE + "\n```", SOLVE, "fence"),
        # Blocks in other languages are not code to submit.
        (f"```text\n2\n```\n```python\n{SOLVE}\n```\n```bash\npython3 s.py\n```", SOLVE, "fence"),
        ("Example:\n```text\nsolve(1) == 2\n```", "", "none"),
        # A longer fence keeps a shorter one inside the code.
        (
            '````python\ndef solve(x):\n    """```"""\n    return x + 1\n````',
            'def solve(x):\n    """```"""\n    return x + 1',
            "fence",
        ),
        # Cut off by the token limit: what there is counts.
        (f"```python\n{SOLVE}\n", SOLVE, "open fence"),
        # The closing fence glued to the last line.
        (f"```python\n{SOLVE}```", SOLVE, "fence"),
        # Reasoning is not the answer, closed or cut off, with or without its opening tag.
        (f"<think>```python\ndef solve(x):\n    return 0\n```</think>\n```python\n{SOLVE}\n```", SOLVE, "fence"),
        (f"I should add one.</think>\n\n{SOLVE}\n", SOLVE, "unfenced"),
        ("<think>First, ```python\ndef solve(x): return 0\n```", "", "none"),
        # No fence: the whole answer if it is Python, else no code.
        (f"\n\n{SOLVE}\n\n", SOLVE, "unfenced"),
        ("import math\n\nclass Solution:\n    pass\n", "import math\n\nclass Solution:\n    pass", "unfenced"),
        ("def solve(x)\n    return x", "def solve(x)\n    return x", "unfenced"),  # broken, still code: CE
        (PROSE, "", "none"),
        ("Hello", "", "none"),  # parses as Python, but defines nothing
        ("```python\n\n```", "", "none"),
        ("", "", "none"),
        ("   \n\t", "", "none"),
    ],
)
def test_code_is_extracted_from_the_answer(answer: str, source: str, method: str) -> None:
    extracted = code_extract(answer, entry_point="solve")
    assert (extracted.source, extracted.method) == (source, method)


def test_without_an_entry_point_the_last_python_block_counts() -> None:
    answer = f"```python\n{SOLVE}\n```\n```python\nprint(solve(1))\n```"
    assert code_extract(answer).source == "print(solve(1))"
    assert code_extract(answer, entry_point="solve").source == SOLVE
    # The name must be defined, not merely called.
    assert code_extract(answer, entry_point="solv").source == "print(solve(1))"


# --- other languages ----------------------------------------------------------------------------

CPP_SOLVE = "long long solve(long long x) {\n    return x + 1;\n}"
RUST_TWO_SUM = (
    "impl Solution {\n    pub fn two_sum(nums: Vec<i64>, target: i64) -> Vec<i64> {\n        vec![]\n    }\n}"
)


@pytest.mark.django_db(transaction=True)
def test_the_command_evaluates_in_cpp_with_cpp_prompts_and_judging(two_sum: Problem, model_server: Any) -> None:
    from tests.arena.cpp_sources import TWO_SUM_CPP, TWO_SUM_CPP_WRONG

    server = model_server({
        "Two Sum": [f"```cpp\n{TWO_SUM_CPP}```", f"Here:\n```c++\n{TWO_SUM_CPP_WRONG}\n```", fenced(TWO_SUM_OK)],
    })  # fmt: skip
    output = evaluate(server.url, "--language", "c++", "--k", "3", "--participant", "tiny-coder")
    system, user = server.requests[0]["messages"]
    assert system["content"].startswith("You are an expert C++17 programmer.")
    assert user["content"].startswith("Solve the following programming problem in C++17.\n\n# Two Sum\n")
    assert "```cpp\nclass Solution {" in user["content"] and "twoSum(vector<long long>& nums" in user["content"]
    campaign = Campaign.objects.get()
    languages = set(campaign.submissions.values_list("language", flat=True))
    assert languages == {"CPP17"}
    verdicts = sorted(campaign.submissions.values_list("verdict", flat=True))
    # The Python answer is no C++ code: its placeholder (a C++ comment) fails to build.
    assert verdicts == ["AC", "CE", "WA"]
    report = campaign_report(campaign)
    assert set(report["per_language"]) == {"CPP17"} and report["per_language"]["CPP17"]["accepted"] == 1
    assert "prompt codearena-cpp17-v1" in output and "no_code" in output


@pytest.mark.django_db
def test_an_unknown_language_or_one_a_problem_does_not_offer_is_refused(two_sum: Problem) -> None:
    with pytest.raises(CommandError, match="Unknown language"):
        call_command("evaluate", "--model", "m", "--language", "cobol", stdout=StringIO())
    two_sum.signature = {**two_sum.signature, "params": [{"name": "counts", "type": "Dict[str, int]"}]}
    two_sum.save()
    assert evaluation_problems(language="CPP17") == [] and evaluation_problems() == [two_sum]
    with pytest.raises(AppError, match="C\\+\\+17 is not offered for two-sum: "):
        evaluation_problems(codes=["two-sum"], language="CPP17")


def test_prompts_in_other_languages_carry_their_starter_and_the_node_rule(two_sum: Problem) -> None:
    taller = load_problem("next-taller-building")
    for key, fence in (("RUST", "rust"), ("JAVA17", "java"), ("GO", "go"), ("JS", "javascript")):
        system, user = prompt_messages(taller, key)
        text = user["content"]
        assert system["content"].startswith("You are an expert ")
        assert f"```{fence}\n" in text and text.endswith(f"single ```{fence} code block.")
        assert "- `ListNode` is predefined by the judge as the comment in the code says: do not define it." in text
        assert taller.statement.strip() in text and "integers are 64-bit" in text
    assert "ListNode" not in prompt_messages(two_sum, "CPP17")[1]["content"]


@pytest.mark.parametrize(
    ("language", "entry", "answer", "source", "method"),
    [
        ("CPP17", "solve", f"```cpp\n{CPP_SOLVE}\n```", CPP_SOLVE, "fence"),
        ("CPP17", "solve", f"```C++\n{CPP_SOLVE}\n```", CPP_SOLVE, "fence"),
        ("CPP17", "solve", f"```\n{CPP_SOLVE}\n```", CPP_SOLVE, "fence"),
        # A usage example after the solution does not define the entry point.
        ("CPP17", "solve", f"```cpp\n{CPP_SOLVE}\n```\n```cpp\nint main() {{ solve(1); }}\n```", CPP_SOLVE, "fence"),
        # Rust spells twoSum two_sum: the entry point is still recognised.
        ("RUST", "twoSum", f"```rust\n{RUST_TWO_SUM}\n```\n```rust\nfn main() {{}}\n```", RUST_TWO_SUM, "fence"),
        ("RUST", "twoSum", f"```rs\n{RUST_TWO_SUM}", RUST_TWO_SUM, "open fence"),
        (
            "JS",
            "twoSum",
            "```js\nvar twoSum = function(nums, target) {\n};\n```\n```js\nconsole.log(twoSum([1], 2));\n```",
            "var twoSum = function(nums, target) {\n};",
            "fence",
        ),
        (
            "GO",
            "twoSum",
            "```go\nfunc twoSum(nums []int, target int) []int {\n\treturn nil\n}\n```\n```go\n"
            "func main() { fmt.Println(twoSum(nil, 0)) }\n```",
            "func twoSum(nums []int, target int) []int {\n\treturn nil\n}",
            "fence",
        ),
        # A block in another language is no code in this one.
        ("CPP17", "solve", f"```python\n{SOLVE}\n```", "", "none"),
        ("JAVA17", "solve", f"```cpp\n{CPP_SOLVE}\n```", "", "none"),
        # Unfenced: code if it defines the entry point with a body in braces, else prose.
        ("CPP17", "solve", f"\n{CPP_SOLVE}\n", CPP_SOLVE, "unfenced"),
        ("CPP17", "solve", "You could call solve twice.", "", "none"),
        ("GO", "solve", PROSE, "", "none"),
    ],
)
def test_code_is_extracted_in_other_languages(language: str, entry: str, answer: str, source: str, method: str) -> None:
    extracted = code_extract(answer, entry_point=entry, language=language)
    assert (extracted.source, extracted.method) == (source, method)
