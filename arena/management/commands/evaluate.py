from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from arena.errors import AppError
from arena.management.progress import progress, table
from arena.selectors.campaigns import FAILURE_CLASSES
from arena.services.evaluation import (
    NOT_JUDGED,
    PENDING,
    Chat,
    ChatFailed,
    ChatReply,
    EvaluationOptions,
    Message,
    evaluation_participant,
    evaluation_problems,
    evaluation_run,
)
from arena.services.languages import language_resolve

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# What vLLM and llama.cpp document for servers started without a key; the client insists on one.
NO_KEY = "EMPTY"


class Command(BaseCommand):
    help = (
        "Evaluate a model behind an OpenAI-compatible chat-completions endpoint on the published problems: "
        "k samples per problem, judged as an evaluation campaign; prints pass@k, Beyond@k and the failures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        model = parser.add_argument_group("model and endpoint")
        model.add_argument("--model", required=True, help="Model name sent to the endpoint.")
        model.add_argument("--base-url", default="", help=f"Default: $OPENAI_BASE_URL, else {DEFAULT_BASE_URL}.")
        model.add_argument("--api-key", default="", help=f"Default: $OPENAI_API_KEY, else {NO_KEY!r}.")
        model.add_argument("--k", type=int, default=1, help="Samples per problem (1-100).")
        model.add_argument("--temperature", type=float, default=None, help="Default: 0 for k=1, else 0.8.")
        model.add_argument("--max-tokens", type=int, default=4096, help="Tokens per answer.")
        model.add_argument("--concurrency", type=int, default=4, help="Requests in flight at once.")
        model.add_argument("--request-timeout", type=float, default=300.0, help="Seconds per request.")
        model.add_argument("--max-retries", type=int, default=2, help="Client retries of a failed request.")
        who = parser.add_argument_group("participant and campaign")
        who.add_argument("--participant", default="", help="Username of the model participant (default from --model).")
        who.add_argument("--provider", default="", help="Stored as the participant's organisation.")
        who.add_argument("--training-cutoff", default="", help="YYYY-MM-DD, stored on the participant.")
        who.add_argument("--name", default="", help="Campaign name (default: 'evaluate <model> <time>').")
        which = parser.add_argument_group("problems")
        which.add_argument(
            "--difficulty", action="append", default=[], help="easy, medium or hard; repeat or separate with commas."
        )
        which.add_argument(
            "--published-after", default="", help="YYYY-MM-DD, or 'cutoff' for the participant's training cut-off."
        )
        which.add_argument("--problems", default="", help="Problem codes, separated by commas.")
        which.add_argument("--limit", type=int, default=None, help="At most this many problems.")
        which.add_argument(
            "--language",
            default="PY3",
            help="The language asked for and judged: PY3 (default), CPP17, JAVA17, JS, GO, RUST, or a usual "
            "name (cpp, java, rust...). Problems that do not offer it are left out.",
        )
        out = parser.add_argument_group("judging and output")
        out.add_argument("--timeout", type=float, default=600.0, help="Seconds to wait for the judge.")
        out.add_argument("--json", default="", help="Write the full report to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        model: str = options["model"]
        k: int = options["k"]
        api_key = options["api_key"] or os.environ.get("OPENAI_API_KEY") or NO_KEY
        base_url = options["base_url"] or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        temperature = options["temperature"] if options["temperature"] is not None else (0.0 if k == 1 else 0.8)
        if min(options["concurrency"], options["max_tokens"], 1 if options["limit"] is None else options["limit"]) < 1:
            raise CommandError("--concurrency, --max-tokens and --limit must be at least 1")
        if options["timeout"] <= 0 or options["request_timeout"] <= 0 or options["max_retries"] < 0:
            raise CommandError("--timeout and --request-timeout must be positive, --max-retries at least 0")
        training_cutoff = _date(options["training_cutoff"], "--training-cutoff")
        by_cutoff = options["published_after"] == "cutoff"
        published_after = None if by_cutoff else _date(options["published_after"], "--published-after")
        difficulties = _list(options["difficulty"])
        codes = _list([options["problems"]])
        username = options["participant"] or slugify(re.sub(r"[^0-9A-Za-z]+", "-", model))[:120] or "model"
        # The HTTP client logs every request at INFO: one line per sample, between the progress lines.
        for name in ("httpx", "httpx2"):
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            language = language_resolve(options["language"])
            participant = evaluation_participant(
                username=username,
                display_name=model[:100],
                organisation=options["provider"],
                training_cutoff=training_cutoff,
            )
            if by_cutoff:
                if participant.training_cutoff is None:
                    raise CommandError(f"{username} has no training cut-off: give --training-cutoff")
                published_after = participant.training_cutoff
            problems = evaluation_problems(
                difficulties=difficulties,
                published_after=published_after,
                codes=codes,
                limit=options["limit"],
                language=language,
            )
            chat = openai_chat(
                base_url=base_url,
                api_key=api_key,
                model=model,
                temperature=temperature,
                max_tokens=options["max_tokens"],
                request_timeout_s=options["request_timeout"],
                max_retries=options["max_retries"],
            )
            run_options = EvaluationOptions(
                model=model,
                endpoint=_public_url(base_url),
                k=k,
                temperature=temperature,
                max_tokens=options["max_tokens"],
                concurrency=options["concurrency"],
                judge_timeout_s=options["timeout"],
                campaign_name=options["name"],
                selection={
                    "difficulty": difficulties,
                    "published_after": published_after.isoformat() if published_after else None,
                    "problems": codes,
                    "limit": options["limit"],
                    "language": language,
                },
                language=language,
            )
            report = evaluation_run(
                participant=participant,
                problems=problems,
                chat=chat,
                options=run_options,
                progress=lambda items: progress(items, label="evaluate", out=self.stdout, name=lambda p: p.code),
                say=self.stdout.write,
            )
        except AppError as exc:
            raise CommandError(exc.message)
        self.stdout.write(summary(report))
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"report written to {options['json']}")
        if not report["complete"]:
            raise CommandError(
                f"after {options['timeout']:.0f} s, {report['pending']} sample(s) still wait for a verdict and "
                f"{report['scores_pending']} accepted one(s) for their scores (Beyond and DPS count them as 0 above); "
                f"the campaign's page (/campaign/{report['campaign']}/) shows them once done"
            )


def openai_chat(
    *,
    base_url: str,
    api_key: str,
    model: str,
    temperature: float,
    max_tokens: int,
    request_timeout_s: float,
    max_retries: int,
) -> Chat:
    import openai

    client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=request_timeout_s, max_retries=max_retries)

    def chat(messages: list[Message]) -> ChatReply:
        try:
            response = client.chat.completions.create(
                model=model, messages=cast(Any, messages), temperature=temperature, max_tokens=max_tokens
            )
        except openai.OpenAIError as exc:
            # Error bodies are the server's text: keep the key out of the report whatever it echoes.
            text = f"{type(exc).__name__}: {exc}"
            raise ChatFailed(text.replace(api_key, "***") if len(api_key) >= 8 else text) from None
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        return ChatReply(
            text=(choice.message.content or "") if choice else "",
            finish_reason=str(choice.finish_reason or "") if choice else "",
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )

    return chat


def summary(report: dict[str, Any]) -> str:
    """The scores per difficulty and overall, per language, then every sample's outcome."""
    ks = sorted({1, report["k"]})
    metrics = [f"{name}@{k}" for name in ("pass", "beyond", "dps") for k in ks]
    headers = ("difficulty", "problems", *(m.replace("beyond", "Beyond").replace("dps", "DPS") for m in metrics))
    scopes = [*report["per_difficulty"].items(), ("overall", report["overall"])]
    scores = [(scope, row["problems"], *(f"{100 * row[m]:.1f}%" for m in metrics)) for scope, row in scopes]
    total = max(1, report["samples"])
    labels = {**FAILURE_CLASSES, **NOT_JUDGED, PENDING: "waiting for the judge"}
    outcomes = [
        (outcome, labels.get(outcome, ""), count, f"{100 * count / total:.1f}%")
        for outcome, count in report["outcomes"].items()
    ]
    languages = [
        (key, row["samples"], row["accepted"], f"{100 * row['acceptance_rate']:.1f}%",
         f"{row['solved']}/{row['problems']}", f"{100 * row['solve_rate']:.1f}%",
         "-" if row["mean_beyond"] is None else f"{row['mean_beyond']:.3f}")
        for key, row in report.get("per_language", {}).items()
    ]  # fmt: skip
    lines = [
        f"campaign {report['campaign']} ({report['campaign_name']}) of {report['participant']}: model "
        f"{report['model']} at {report['endpoint']}, k={report['k']}, temperature {report['temperature']}, "
        f"prompt {report['prompt_version']}",
        "",
        table(headers, scores),
        "",
        table(("language", "samples", "accepted", "acceptance", "solved", "solve rate", "mean Beyond"), languages),
        "",
        table(("outcome", "class", "samples", "share"), outcomes),
        "",
        f"{report['samples']} samples, {report['usage']['prompt_tokens']} prompt and "
        f"{report['usage']['completion_tokens']} completion tokens",
    ]
    return "\n".join(lines)


def _list(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _date(raw: str, option: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2025-01-31 (got {raw!r})")


def _public_url(url: str) -> str:
    """The endpoint as the report shows it: no user, password or query (where keys may hide)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
