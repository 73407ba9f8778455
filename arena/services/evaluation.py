"""Evaluate a chat model on the problem bank: prompt it k times per problem, judge the code it
writes as an evaluation campaign, and report pass@k, Beyond@k and the failures (docs/evaluation.md).

The model is reached through a ``Chat`` function (messages in, reply out), so this module knows
nothing of HTTP: the ``evaluate`` command wraps the ``openai`` client, tests may pass their own.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from arena.errors import AppError
from arena.models import Campaign, Participant, Problem, Submission
from arena.selectors.campaigns import FAILURE_CLASSES, campaign_report
from arena.selectors.problems import DIFFICULTY_ORDER, problems_published
from arena.services.campaigns import MAX_K, campaign_create, campaign_submit
from arena.services.languages import PYTHON, problem_language_check, problem_languages
from arena.services.participants import participant_create
from arena.services.submissions import SubmissionDraft, draft_language_check
from judge.languages import get_language

# Bumped whenever the wording below changes: results under different prompts are not comparable.
PROMPT_VERSION = "codearena-py3-v1"
# The other languages' prompt (OTHER_TEMPLATE), versioned per language: codearena-cpp17-v1...
OTHER_PROMPT_VERSION = "v1"

SYSTEM_PROMPT = "You are an expert Python programmer. You write correct and efficient Python 3 code."

USER_TEMPLATE = """Solve the following programming problem in Python 3.

# {title}

{statement}

## Your task

Write {entry}. Start from this code and keep the signature exactly as it is:

```python
{starter}
```

Rules:
- The judge calls {call} with the arguments and checks the value it returns: do not read input and do not print.
- Only the Python 3.11 standard library is available; `List`, `Optional` and the rest of `typing` are imported.{nodes}
- Solutions are ranked by correctness first, then by speed on large inputs: aim for the best time complexity.

Answer with the complete solution in a single ```python code block."""

NODES_RULE = "\n- {names} {verb} predefined by the judge: use {them}, do not define {them}."

OTHER_SYSTEM = "You are an expert {language} programmer. You write correct and efficient {language} code."

OTHER_TEMPLATE = """Solve the following programming problem in {language}.

# {title}

{statement}

## Your task

Complete the code below. Keep the signature exactly as it is (parameter and return types included):

```{fence}
{starter}
```

Rules:
- The judge calls it with the arguments and checks the value it returns: no main function, no input, no printing.
- Only the standard library is available; integers are 64-bit.{nodes}
- Solutions are ranked by correctness first, then by speed on large inputs: aim for the best time complexity.

Answer with the complete solution in a single ```{fence} code block."""

OTHER_NODES_RULE = "\n- {names} {verb} predefined by the judge as the comment in the code says: do not define {them}."
NODE_FIELDS = {"ListNode": "`ListNode(val, next)`", "TreeNode": "`TreeNode(val, left, right)`"}

# Outcomes of a sample that never reached the judge as the model's code.
NO_CODE = "no_code"  # the answer had no code in it
API_ERROR = "api_error"  # the endpoint failed (after the client's retries)
REJECTED = "rejected"  # code the submission rules refuse (too large, NUL bytes)
PENDING = "pending"  # still waiting for a verdict when the timeout ran out
NOT_JUDGED = {NO_CODE: "no code", API_ERROR: "API error", REJECTED: "rejected"}

Message = dict[str, str]


@dataclass(frozen=True)
class ChatReply:
    text: str
    finish_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


# One chat completion: the messages in, the assistant's reply out. Raises on any failure.
Chat = Callable[[list[Message]], ChatReply]


class ChatFailed(Exception):
    """A failed request, with a message fit for the report (no credentials in it)."""


@dataclass(frozen=True)
class EvaluationOptions:
    model: str
    endpoint: str  # shown in the report: never holds a key
    k: int = 1
    temperature: float = 0.0
    max_tokens: int = 4096
    concurrency: int = 4
    judge_timeout_s: float = 600.0
    poll_interval_s: float = 0.5
    campaign_name: str = ""
    selection: dict[str, Any] = field(default_factory=dict)
    language: str = PYTHON  # a registered key: the language every sample is asked for and judged in


@dataclass
class Sample:
    problem: str
    index: int
    outcome: str = ""  # a verdict once judged, or one of NOT_JUDGED / PENDING
    source: str = ""
    extraction: str = ""
    finish_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str = ""
    submission: int | None = None


# --- prompt and code extraction -------------------------------------------------------------


def prompt_version(language: str = PYTHON) -> str:
    return PROMPT_VERSION if language == PYTHON else f"codearena-{language.lower()}-{OTHER_PROMPT_VERSION}"


def prompt_messages(problem: Problem, language: str = PYTHON) -> list[Message]:
    """The chat that asks for a solution in ``language`` (one the problem offers)."""
    if language != PYTHON:
        return _other_prompt(problem, language)
    signature = problem.signature or {}
    name = signature.get("name", "solve")
    if signature.get("style", "class") == "class":
        entry, call = f"the method `{name}` of `class Solution`", f"`Solution().{name}(...)`"
    else:
        entry, call = f"the function `{name}`", f"`{name}(...)`"
    nodes = _nodes_rule(signature, NODES_RULE, lambda t: NODE_FIELDS[t])
    user = USER_TEMPLATE.format(
        title=problem.title,
        statement=problem.statement.strip(),
        entry=entry,
        starter=(problem.starter_code or {}).get("PY3", "").rstrip(),
        call=call,
        nodes=nodes,
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _nodes_rule(signature: dict[str, Any], rule: str, shown: Callable[[str], str]) -> str:
    """The rule line about the node types the signature uses ('' when it uses none)."""
    types = {p.get("type", "") for p in signature.get("params", [])} | {signature.get("returns", "")}
    used = sorted(t for t in NODE_FIELDS if any(t in declared for declared in types))
    if not used:
        return ""
    plural = len(used) > 1
    return rule.format(
        names=" and ".join(shown(t) for t in used), verb="are" if plural else "is", them="them" if plural else "it"
    )


def _other_prompt(problem: Problem, key: str) -> list[Message]:
    language = get_language(key)
    offered = problem_language_check(problem, key)  # a 400 naming the reason when not offered
    nodes = _nodes_rule(problem.signature or {}, OTHER_NODES_RULE, lambda t: f"`{t}`")
    user = OTHER_TEMPLATE.format(
        language=language.name,
        title=problem.title,
        statement=problem.statement.strip(),
        fence=fence_tag(key),
        starter=offered.starter.rstrip(),
        nodes=nodes,
    )
    system = OTHER_SYSTEM.format(language=language.name)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def fence_tag(key: str) -> str:
    """The tag a fenced block of the language carries in a prompt (``cpp``, ``java``, ``rust``...)."""
    language = get_language(key)
    return language.aliases[0] if language.aliases else key.lower()


def fence_tags(key: str) -> set[str]:
    """The tags a model's fenced block in the language may carry (untagged included)."""
    language = get_language(key)
    return {"", key.lower(), *(alias.lower() for alias in language.aliases if " " not in alias)}


@dataclass(frozen=True)
class ExtractedCode:
    source: str  # "" when the answer holds no code
    method: str  # "fence", "open fence" (cut off before its end), "unfenced" or "none"


PYTHON_TAGS = {"", "python", "python3", "py", "py3"}
_FENCE_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_CODE_LINE = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+\w+", re.MULTILINE)


def code_extract(text: str, *, entry_point: str = "", language: str = PYTHON) -> ExtractedCode:
    """The solution in a model's answer.

    Reasoning in ``<think>`` tags is dropped. Of the fenced blocks tagged python (or untagged),
    the last one that defines ``entry_point`` wins, else the last one: models revise their code
    and follow it with usage examples. A block still open at the end (a reply cut off by the
    token limit) counts up to the end. Without fences, the whole answer counts if it looks
    like Python (defines a function or class); prose alone is no code. In another language the
    blocks tagged with it count, and an answer without fences counts if it names the entry point
    and has a brace-delimited body.
    """
    text = _without_reasoning(text or "")
    tags = PYTHON_TAGS if language == PYTHON else fence_tags(language)
    blocks = [(code, closed) for info, code, closed in _fenced_blocks(text) if info in tags and code.strip()]
    if blocks:
        defining = (b for b in reversed(blocks) if entry_point and _defines(b[0], entry_point, language))
        chosen = next(defining, blocks[-1])
        return ExtractedCode(chosen[0].strip("\n").rstrip(), "fence" if chosen[1] else "open fence")
    if _fenced_blocks(text):  # only blocks in other languages (text, json, bash...)
        return ExtractedCode("", "none")
    stripped = text.strip()
    if language != PYTHON:
        named = bool(entry_point) and _defines(stripped, entry_point, language)
        return ExtractedCode(stripped, "unfenced") if named and "{" in stripped else ExtractedCode("", "none")
    if stripped and _looks_like_python(stripped):
        return ExtractedCode(stripped, "unfenced")
    return ExtractedCode("", "none")


def _defines(code: str, entry_point: str, language: str) -> bool:
    """Whether ``code`` defines the entry point. Outside Python: the name, its parameters in
    parentheses and a body in braces (``solve(long long x) {``, ``fn two_sum(...) -> Vec<i64> {``),
    or the name assigned a function (``var solve = function``); a call (``solve(1);``) is not a
    definition. Names are compared without underscores and case: Rust writes ``twoSum`` as
    ``two_sum``."""
    if language == PYTHON:
        pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(entry_point)}\b"
        return re.search(pattern, code, re.MULTILINE) is not None
    name = re.escape(entry_point.replace("_", ""))
    squeezed = code.replace("_", "")
    # One bounded scan from "(" to the next "{", ";" or "}" (no nested quantifiers, at most a
    # long signature's length: a hostile reply full of the name stays linear); a definition has
    # its ")" before the "{".
    body = re.compile(rf"\b{name}\s*(?:<[^>\n]*>)?\s*\([^;{{}}]{{0,2000}}\{{", re.IGNORECASE)
    if any(")" in found.group() for found in body.finditer(squeezed)):
        return True
    assigned = rf"\b{name}\s*[=:]\s*(?:async\s+)?(?:function\b|\()"
    return re.search(assigned, squeezed, re.IGNORECASE) is not None


def _without_reasoning(text: str) -> str:
    # Servers differ: some return "<think>...</think>answer", some drop the opening tag.
    if "</think>" in text:
        return text.rsplit("</think>", 1)[1]
    if "<think>" in text:  # reasoning cut off before it ended: no answer yet
        return text.split("<think>", 1)[0]
    return text


def _fenced_blocks(text: str) -> list[tuple[str, str, bool]]:
    """(language tag, code, closed) of each fenced block, in order."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence = opening["fence"]
        info = (opening["info"].strip().split() or [""])[0].lower()
        body: list[str] = []
        closed = False
        while index < len(lines):
            line = lines[index]
            index += 1
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                closed = True
                break
            if line.rstrip().endswith(fence):  # "    return x```": the fence closes on the last line
                body.append(line.rstrip()[: -len(fence)])
                closed = True
                break
            body.append(line)
        blocks.append((info, "\n".join(body), closed))
    return blocks


def _looks_like_python(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        # Still code, if broken code: the judge will say so (CE), rather than "no code".
        return bool(_CODE_LINE.search(text))
    except ValueError:  # NUL bytes
        return False
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for node in tree.body)


# --- problems and participant ---------------------------------------------------------------


def evaluation_problems(
    *,
    difficulties: Sequence[str] = (),
    published_after: dt.date | None = None,
    codes: Sequence[str] = (),
    limit: int | None = None,
    language: str = PYTHON,
) -> list[Problem]:
    """Published problems, easy to hard then by code. Codes asked for by name must all exist.
    Outside Python, only the problems that offer ``language``; one asked for by name that does
    not is an error (with the reason)."""
    unknown = sorted(set(difficulties) - set(Problem.Difficulty.values))
    if unknown:
        allowed = ", ".join(Problem.Difficulty.values)
        raise AppError("invalid_difficulty", f"difficulty must be one of: {allowed} (got {unknown[0]!r}).")
    problems = problems_published()
    if difficulties:
        problems = problems.filter(difficulty__in=difficulties)
    if published_after is not None:
        # As the leaderboard's contamination window: strictly after that day began (UTC).
        problems = problems.filter(published_at__gt=dt.datetime.combine(published_after, dt.time(), tzinfo=dt.UTC))
    if codes:
        missing = sorted(set(codes) - set(problems_published().filter(code__in=codes).values_list("code", flat=True)))
        if missing:
            raise AppError("not_found", f"No published problem with code {', '.join(missing)}.", status=404)
        problems = problems.filter(code__in=codes)
    selected = list(problems.order_by(DIFFICULTY_ORDER, "code"))
    if language != PYTHON:
        reasons = {
            problem.code: next((entry.reason for entry in problem_languages(problem) if entry.key == language), "")
            for problem in selected
        }
        refused = [code for code in codes if reasons.get(code)]
        if refused:
            name = get_language(language).name
            details = "; ".join(f"{code}: {reasons[code]}" for code in refused)
            raise AppError("language_not_offered", f"{name} is not offered for {details}.")
        selected = [problem for problem in selected if not reasons[problem.code]]
    return selected[:limit] if limit is not None else selected


def evaluation_participant(
    *, username: str, display_name: str = "", organisation: str = "", training_cutoff: dt.date | None = None
) -> Participant:
    """The model participant that runs the campaign, created on first use. Organisation and
    training cut-off are stored when given (the cut-off drives the contamination window)."""
    if training_cutoff is not None and training_cutoff > timezone.now().date():
        raise AppError("invalid_training_cutoff", "The training cut-off cannot be in the future.")
    # Usernames are unique regardless of case (frontend SignUpForm).
    participant = Participant.objects.filter(user__username__iexact=username).first()
    if participant is None:
        participant = participant_create(username=username, kind=Participant.Kind.MODEL, display_name=display_name)
    elif participant.kind != Participant.Kind.MODEL:
        raise AppError("models_only", f"{username!r} is a human participant; campaigns are for models.")
    changes: dict[str, Any] = {}
    if organisation and organisation != participant.organisation:
        changes["organisation"] = organisation[:100]
    if training_cutoff is not None and training_cutoff != participant.training_cutoff:
        changes["training_cutoff"] = training_cutoff
    if changes:
        Participant.objects.filter(pk=participant.pk).update(**changes)
        participant.refresh_from_db()
    return participant


# --- the run --------------------------------------------------------------------------------


def evaluation_run(
    *,
    participant: Participant,
    problems: Sequence[Problem],
    chat: Chat,
    options: EvaluationOptions,
    progress: Callable[[Sequence[Problem]], Iterable[Problem]] = iter,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, Any]:
    """Prompt ``chat`` k times per problem, submit every sample to a new campaign, wait for the
    verdicts and return the report (see docs/evaluation.md for its fields).

    1. All requests go to a pool of ``concurrency`` threads at once; only they call ``chat``,
       and only this thread touches the database.
    2. Problem by problem, in order, the k answers are collected and their code extracted. A
       sample without code (no code, API error, refused) is submitted as a placeholder comment
       that the judge fails (CE), so the campaign holds k samples of every problem and its own
       page reports the same pass@k as this run.
    3. Samples are submitted as the participant's queue has room, waiting for verdicts when it
       is full.
    4. Once everything is submitted, the verdicts and the scores of the accepted samples are
       awaited for ``judge_timeout_s``.
    """
    if not 1 <= options.k <= MAX_K:
        raise AppError("invalid_k", f"k must be between 1 and {MAX_K}.")
    if not problems:
        raise AppError("no_problems", "No published problem matches the selection.")
    started_at = timezone.now()
    messages = {problem.code: prompt_messages(problem, options.language) for problem in problems}
    entry_points = {problem.code: str((problem.signature or {}).get("name", "")) for problem in problems}
    samples: list[Sample] = []
    outbox: list[tuple[Problem, Sample]] = []
    campaign: Campaign | None = None
    with ThreadPoolExecutor(max_workers=max(1, options.concurrency), thread_name_prefix="evaluate") as pool:
        futures: dict[str, list[Future[Sample]]] = {
            problem.code: [
                pool.submit(
                    _sample_generate,
                    chat,
                    messages[problem.code],
                    problem.code,
                    index,
                    entry_points[problem.code],
                    options.language,
                )
                for index in range(options.k)
            ]
            for problem in problems
        }
        try:
            for problem in progress(problems):
                collected = [future.result() for future in futures[problem.code]]
                for sample in collected:
                    _sample_screen(sample, problem, options.language)
                samples.extend(collected)
                outbox.extend((problem, sample) for sample in collected)
                if campaign is None:
                    _endpoint_check(samples)
                    campaign = campaign_create(
                        participant=participant, name=options.campaign_name or _default_name(options), k=options.k
                    )
                _outbox_flush(campaign, outbox, block=False, options=options)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    assert campaign is not None
    if outbox:
        say(f"{len(outbox)} sample(s) wait for room in the judge's queue")
    _outbox_flush(campaign, outbox, block=True, options=options)
    say(f"campaign {campaign.pk}: {len(samples)} samples submitted; waiting for the judge")
    pending, scores_pending = _verdicts_wait(campaign, options=options)
    return _report_build(
        campaign, samples, options=options, started_at=started_at, pending=pending, scores_pending=scores_pending
    )


def _sample_generate(
    chat: Chat, messages: list[Message], problem: str, index: int, entry_point: str, language: str = PYTHON
) -> Sample:
    sample = Sample(problem=problem, index=index)
    try:
        reply = chat(messages)
    except Exception as exc:  # whatever the endpoint or the client raised: this sample failed
        sample.outcome = API_ERROR
        sample.error = (str(exc) if isinstance(exc, ChatFailed) else f"{type(exc).__name__}: {exc}")[:500]
        return sample
    sample.finish_reason = reply.finish_reason
    sample.prompt_tokens, sample.completion_tokens = reply.prompt_tokens, reply.completion_tokens
    extracted = code_extract(reply.text, entry_point=entry_point, language=language)
    sample.source, sample.extraction = extracted.source, extracted.method
    if not extracted.source:
        sample.outcome = NO_CODE
    return sample


def _sample_screen(sample: Sample, problem: Problem, language: str = PYTHON) -> None:
    """Refuse here what ``campaign_submit`` would refuse for the whole batch (size, NUL bytes)."""
    if sample.outcome:
        return
    try:
        draft_language_check(SubmissionDraft(problem, language, sample.source))
    except AppError as exc:
        sample.outcome, sample.error = REJECTED, exc.message


def _endpoint_check(samples: list[Sample]) -> None:
    # Every request of the first problem failed: a wrong URL, model name or key. Stop before a
    # campaign full of placeholders is created and judged.
    if samples and all(sample.outcome == API_ERROR for sample in samples):
        raise AppError("endpoint_failed", f"Every request to the endpoint failed; the first: {samples[0].error}")


def _default_name(options: EvaluationOptions) -> str:
    return f"evaluate {options.model} {timezone.now():%Y-%m-%d %H:%M}"


def _placeholder(sample: Sample, language: str = PYTHON) -> str:
    comment = get_language(language).comment
    return f"{comment} evaluate: {sample.outcome} - {NOT_JUDGED[sample.outcome]}; this sample counts as failed.\n"


def _outbox_flush(
    campaign: Campaign, outbox: list[tuple[Problem, Sample]], *, block: bool, options: EvaluationOptions
) -> None:
    """Submit what the participant's queue cap lets through; with ``block``, wait until all is
    sent, giving up when nothing was judged for ``judge_timeout_s``."""
    deadline = time.monotonic() + options.judge_timeout_s
    while outbox:
        waiting = Submission.objects.filter(participant_id=campaign.participant_id).exclude(
            status=Submission.Status.DONE
        )
        room = settings.JUDGE_MAX_QUEUED_PER_PARTICIPANT - waiting.count()
        if room > 0:
            batch = outbox[:room]
            items = [
                {
                    "problem": p.code,
                    "language": options.language,
                    "source": _placeholder(s, options.language) if s.outcome else s.source,
                }
                for p, s in batch
            ]
            try:
                created = campaign_submit(campaign=campaign, items=items)
            except AppError as exc:
                # queue_full: another client of this participant took the room meanwhile.
                if exc.code != "queue_full":
                    raise
            else:
                for (_, sample), submission in zip(batch, created, strict=True):
                    sample.submission = submission.pk
                del outbox[: len(batch)]
                deadline = time.monotonic() + options.judge_timeout_s
                continue
        if not block:
            return
        if time.monotonic() > deadline:
            raise AppError(
                "judge_timeout",
                f"The judge finished nothing in {options.judge_timeout_s:.0f} s; campaign {campaign.pk} is incomplete.",
            )
        time.sleep(options.poll_interval_s)


def _verdicts_wait(campaign: Campaign, *, options: EvaluationOptions) -> tuple[int, int]:
    """How many samples still wait for a verdict, and how many accepted ones for their scores,
    when all is done or the timeout ran out. Scores wait when a problem's references had not
    been measured with this meter: they are measured in the background, then every accepted
    sample is scored (Beyond and DPS would read 0 until then)."""
    deadline = time.monotonic() + options.judge_timeout_s
    while True:
        pending = campaign.submissions.exclude(status=Submission.Status.DONE).count()
        # Both: a calibration that lands while a sample is being measured leaves its flag set
        # although the sample is scored when its verdict is stored.
        scoring = campaign.submissions.filter(cost_detail__scores_pending=True, beyond__isnull=True).count()
        if (pending == 0 and scoring == 0) or time.monotonic() >= deadline:
            return pending, scoring
        time.sleep(options.poll_interval_s)


def _outcomes_count(samples: list[Sample]) -> dict[str, int]:
    """Samples per outcome: accepted first, then the verdicts, then what never reached the judge."""
    counts = Counter(sample.outcome for sample in samples)
    rank = {outcome: i for i, outcome in enumerate([*Submission.Verdict.values, *NOT_JUDGED, PENDING])}
    return {outcome: counts[outcome] for outcome in sorted(counts, key=lambda o: (rank.get(o, len(rank)), o))}


def _report_build(
    campaign: Campaign,
    samples: list[Sample],
    *,
    options: EvaluationOptions,
    started_at: dt.datetime,
    pending: int,
    scores_pending: int,
) -> dict[str, Any]:
    judged = {
        pk: (status, verdict) for pk, status, verdict in campaign.submissions.values_list("id", "status", "verdict")
    }
    report = campaign_report(campaign)
    # The placeholders were judged (CE, normally) but failed for a reason of their own.
    breakdown = Counter(report["failure_breakdown"])
    for sample in samples:
        status, verdict = judged.get(sample.submission or -1, ("", ""))
        if sample.outcome in NOT_JUDGED:
            if status == Submission.Status.DONE:
                breakdown[FAILURE_CLASSES.get(verdict, verdict)] -= 1
                breakdown[NOT_JUDGED[sample.outcome]] += 1
        else:
            sample.outcome = verdict if status == Submission.Status.DONE else PENDING
    outcomes = _outcomes_count(samples)
    titles = dict(Problem.objects.filter(code__in={s.problem for s in samples}).values_list("code", "title"))
    rows = []
    for row in report["problems"]:
        own = _outcomes_count([s for s in samples if s.problem == row["problem"]])
        rows.append({**row, "title": titles.get(row["problem"], ""), "outcomes": own})
    return {
        "prompt_version": prompt_version(options.language),
        "language": options.language,
        "model": options.model,
        "endpoint": options.endpoint,
        "participant": campaign.participant.user.get_username(),
        "campaign": campaign.pk,
        "campaign_name": campaign.name,
        "k": campaign.k,
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
        "selection": options.selection,
        "started_at": started_at.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "complete": pending == 0 and scores_pending == 0,
        "pending": pending,
        "scores_pending": scores_pending,
        "samples": len(samples),
        "overall": report["overall"],
        "per_difficulty": report["per_difficulty"],
        "per_language": report["per_language"],
        "outcomes": outcomes,
        "failure_breakdown": {label: n for label, n in breakdown.most_common() if n > 0},
        "usage": {
            "prompt_tokens": sum(s.prompt_tokens or 0 for s in samples),
            "completion_tokens": sum(s.completion_tokens or 0 for s in samples),
        },
        "problems": rows,
        "sample_details": [
            {key: value for key, value in asdict(sample).items() if key != "source"} for sample in samples
        ],
    }
