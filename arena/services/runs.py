"""Run before submitting: a program on the problem's samples or on the author's own inputs.

A run shows what the program printed (stdout and stderr, cut), what it returned, and for a
sample whether that matches. It is no submission: nothing is stored, nothing is measured for
efficiency, nothing counts in the standings, and it has its own fair-use budget. The jails run
where judging runs (arena/dispatch.py ``trial``): a judge host in production, this process in
embedded mode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from arena.errors import AppError
from arena.models import Participant, Problem
from arena.services.calibration import checker_spec
from arena.services.submissions import SubmissionDraft, draft_language_check
from arena.services.throttling import RUN, throttle_take

MAX_RUN_INPUTS = 10
MAX_RUN_INPUT_BYTES = 64 * 1024  # all custom inputs together, as JSON


@dataclass(frozen=True)
class RunRequest:
    problem: Problem
    language: str
    source: str
    # Custom inputs, each a list of positional arguments or an object keyed by parameter name;
    # None: the problem's samples.
    inputs: list[Any] | None = None


def param_names(problem: Problem) -> list[str]:
    return [str(param.get("name", f"arg{i}")) for i, param in enumerate(problem.signature.get("params", []))]


def run_inputs_parse(problem: Problem, raw: Any) -> list[list[Any]]:
    """Custom inputs as argument lists, or AppError naming the input that is wrong."""
    names = param_names(problem)
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RUN_INPUTS:
        raise AppError("invalid_input", f"inputs must be a list of 1 to {MAX_RUN_INPUTS} inputs.")
    size = len(json.dumps(raw, separators=(",", ":")))
    if size > MAX_RUN_INPUT_BYTES:
        raise AppError(
            "input_too_large", f"The inputs are {size} bytes of JSON; a run takes at most {MAX_RUN_INPUT_BYTES}.",
            status=413,
        )  # fmt: skip
    parsed = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            unknown = sorted(set(item) - set(names))
            missing = [name for name in names if name not in item]
            if unknown or missing:
                detail = f"unknown {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}"
                message = f"the arguments are {', '.join(names)} ({detail})."
                raise AppError("invalid_input", message).for_item(index)
            parsed.append([item[name] for name in names])
        elif isinstance(item, list) and len(item) == len(names):
            parsed.append(item)
        else:
            message = f"give {len(names)} argument(s) ({', '.join(names)}), as a list or an object by name."
            raise AppError("invalid_input", message).for_item(index)
    return parsed


def run_payload(request: RunRequest) -> dict[str, Any]:
    """What the judge host needs, as plain data; the request checked as a submission would be."""
    problem = request.problem
    language = draft_language_check(SubmissionDraft(problem, request.language, request.source))
    if request.inputs is None:
        cases = [
            {"ordinal": index + 1, "kind": "sample", "args": case.input, "expected": case.expected}
            for index, case in enumerate(problem.sample_cases())
        ]
        if not cases:
            raise AppError("no_samples", "This problem has no samples: give inputs of your own.")
    else:
        cases = [
            {"ordinal": index + 1, "kind": "custom", "args": args, "expected": None}
            for index, args in enumerate(run_inputs_parse(problem, request.inputs))
        ]
    checker = checker_spec(problem)
    return {
        "source": request.source,
        "signature": problem.signature,
        "checker": {"kind": checker.kind, "float_tolerance": checker.float_tolerance, "source": checker.source},
        "time_limit_ms": problem.time_limit_ms,
        "memory_limit_kb": problem.memory_limit_kb,
        "language": language,
        "cases": cases,
    }


def run_wait_s(payload: dict[str, Any]) -> float:
    """How long a run may take end to end: every input at its limits, plus room for a queue."""
    per_case_s = 2 * payload["time_limit_ms"] / 1000 + 2
    return min(settings.RUN_WAIT_MAX_S, len(payload["cases"]) * per_case_s + 10)


def code_run(*, participant: Participant, request: RunRequest, ip: str) -> dict[str, Any]:
    """Run and report: ``{"problem", "language", "verdict", "cases": [...], "submitted": false}``.
    ``verdict`` is AC when every sample matched (OK when custom inputs all returned), else the
    first failure's. Fair use counts every input run (each is a jail at the problem's limits), for
    the account and the address, once the request is known to be well-formed."""
    from arena import dispatch

    payload = run_payload(request)
    throttle_take(RUN, account=str(participant.user_id), ip=ip, cost=len(payload["cases"]))
    try:
        results = dispatch.trial(payload, timeout_s=run_wait_s(payload))
    except dispatch.TrialUnavailable as exc:
        raise AppError(
            "run_unavailable", f"The run did not come back ({exc}). Nothing was stored: run it again.", status=503
        ) from exc
    names = param_names(request.problem)
    cases = []
    for result in results:
        args = result.pop("args")
        named = dict(zip(names, args)) if len(args) == len(names) else {f"arg{i}": v for i, v in enumerate(args)}
        if result["kind"] == "custom":
            result.pop("expected", None)
        cases.append({"input": named, **result})
    first_bad = next((case for case in cases if case["verdict"] not in ("AC", "OK")), None)
    verdict = first_bad["verdict"] if first_bad else ("OK" if request.inputs is not None else "AC")
    return {
        "problem": request.problem.code,
        "language": draft_language_check(SubmissionDraft(request.problem, request.language, request.source)),
        "verdict": verdict,
        "cases": cases,
        "submitted": False,
    }
