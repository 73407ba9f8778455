"""CodeArena's MCP tools: problems, runs, submissions, verdicts and standings (docs/mcp.md).

Thin, like the REST views: each tool calls one selector or service and renders with the REST
serializers, so both APIs show the same fields. The tools are synchronous and the SDK runs each
call in a worker thread, off the event loop, where Django's ORM may be used; the one that waits
(``wait_for_verdict``) sleeps on the loop and reads in a thread.

A service's refusal (``AppError``: a bad filter, an unknown language, a fair-use limit)
becomes the tool's error with the service's message; anything unexpected becomes the SDK's
generic "Error executing tool ..." (logged with its traceback), never a crashed server.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
import anyio.to_thread
from django.db import connections
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from arena.api.serializers import (
    LeaderboardRowSerializer,
    ProblemDetailSerializer,
    ProblemSummarySerializer,
    SubmissionSerializer,
)
from arena.errors import AppError
from arena.mcp.auth import SCOPE_KEY, STDIO_ADDRESS, Caller, caller_authenticate
from arena.models import Problem, Submission
from arena.outages import outage_of
from arena.selectors.leaderboard import leaderboard_filters_from, leaderboard_rows
from arena.selectors.problems import problem_get, problem_list
from arena.selectors.submissions import access_submission, submission_list, submission_state
from arena.services import throttling
from arena.services.runs import RunRequest, code_run
from arena.services.submissions import submission_create
from judge.languages import all_languages

P = ParamSpec("P")
T = TypeVar("T")

MAX_WAIT_S = 120  # one wait_for_verdict call; a reverse proxy in front must allow a bit more
POLL_EVERY_S = 0.5
MAX_LISTED_SUBMISSIONS = 200  # as GET /api/submissions/
MAX_LEADERBOARD_ROWS = 1000

INSTRUCTIONS = """\
CodeArena is an online judge that ranks code by correctness and efficiency.
Work a problem like this: list_problems, get_problem (statement, signature, starter code,
samples), run_code on the samples or your own inputs (nothing is stored), then submit and
wait_for_verdict. For model participants the first submission to a problem is the one that counts
on the leaderboard (pass@1), so run before you submit. Runs and submissions share the fair-use
limits of the REST API; a refused call says when to try again.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
RUNS_CODE = ToolAnnotations(read_only_hint=True, idempotent_hint=False, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)

LANGUAGE_KEYS = ", ".join(language.key for language in all_languages())
LANGUAGE_HELP = (
    f"One of {LANGUAGE_KEYS} (or a name: python, cpp, java, javascript, go, rust); the problem lists the ones "
    "it offers."
)
LANGUAGE_FILTER_HELP = f"Only solutions in this language ({LANGUAGE_KEYS}); empty for all."


@dataclass(frozen=True)
class ServerState:
    """What a server was started with: over stdio, the token it serves; over HTTP, nothing (each
    request brings its own)."""

    stdio_token: str | None = None


def build_server(*, stdio_token: str | None = None) -> MCPServer[ServerState]:
    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        yield ServerState(stdio_token=stdio_token)

    server: MCPServer[ServerState] = MCPServer(
        "codearena", title="CodeArena", instructions=INSTRUCTIONS, lifespan=lifespan
    )
    for tool in (list_problems, get_problem, my_submissions, leaderboard, wait_for_verdict):
        server.add_tool(tool, annotations=READ_ONLY)
    server.add_tool(run_code, annotations=RUNS_CODE)
    server.add_tool(submit, annotations=WRITES)
    return server


# --- the tools ---------------------------------------------------------------------------------
# Docstrings and Field descriptions are what the agent reads (the tool list); comments are not.


def list_problems(
    ctx: Context,
    difficulty: Annotated[str, Field(description="easy, medium or hard; empty for all.")] = "",
    search: Annotated[str, Field(description="Text in the problem's code or title.")] = "",
    tag: Annotated[str, Field(description="Only problems with this tag.")] = "",
) -> dict[str, Any]:
    """The published problems, easy to hard: code, title, difficulty, points, tags, publication
    date and how many participants solved each."""
    with _tool_call():
        _caller(ctx)
        problems = problem_list(difficulty=difficulty, search=search, tag=tag)
        return {"problems": ProblemSummarySerializer(problems, many=True).data}


def get_problem(
    ctx: Context, code: Annotated[str, Field(description="The problem's code, e.g. two-sum.")]
) -> dict[str, Any]:
    """One problem: the statement (Markdown), the call signature, starter code per language, the
    sample cases (input and expected output), the time limit (ms) and memory limit (KB), the
    checker and the languages."""
    with _tool_call():
        _caller(ctx)
        data = dict(ProblemDetailSerializer(_problem(code)).data)
        data.pop("statement_html")  # the Markdown says the same in half the tokens
        return data


def run_code(
    ctx: Context,
    problem: Annotated[str, Field(description="The problem's code.")],
    source: Annotated[str, Field(description="The whole program, e.g. the starter code's class completed.")],
    language: Annotated[str, Field(description=LANGUAGE_HELP)] = "PY3",
    inputs: Annotated[
        list[Any] | None,
        Field(
            description="Up to 10 inputs of your own, each a list of the arguments in order or an object "
            "keyed by parameter name; omit to run the problem's samples."
        ),
    ] = None,
) -> dict[str, Any]:
    """Run a program without submitting it: on the samples (each with its expected output and a
    verdict) or on your own inputs (verdict OK when it returned). Each case shows what the program
    returned, what it printed (stdout and stderr, cut at 4 KB), its time and memory. Nothing is
    stored or measured for efficiency, and nothing counts on the leaderboard."""
    with _tool_call():
        caller = _caller(ctx)
        found = _problem(problem)
        request = RunRequest(problem=found, language=language, source=source, inputs=inputs)
        return code_run(participant=caller.participant, request=request, ip=caller.address)


def submit(
    ctx: Context,
    problem: Annotated[str, Field(description="The problem's code.")],
    source: Annotated[str, Field(description="The whole program.")],
    language: Annotated[str, Field(description=LANGUAGE_HELP)] = "PY3",
) -> dict[str, Any]:
    """Submit a solution for judging on every test and for efficiency. Returns the submission
    (its id, and status QU: queued); follow it with wait_for_verdict. For a model participant the
    first submission to a problem is the one that counts on the leaderboard."""
    with _tool_call():
        caller = _caller(ctx)
        found = _problem(problem)
        throttling.throttle_take(throttling.SUBMIT, account=caller.account, ip=caller.address)
        created = submission_create(participant=caller.participant, problem=found, language=language, source=source)
        return dict(SubmissionSerializer(created).data)


async def wait_for_verdict(
    ctx: Context,
    submission_id: Annotated[int, Field(description="The id submit returned.")],
    timeout_s: Annotated[
        float, Field(ge=0, le=MAX_WAIT_S, description=f"How long to wait, at most {MAX_WAIT_S} s.")
    ] = 60,
) -> dict[str, Any]:
    """Wait until one of your submissions is judged, or the timeout passes. Returns its status
    (QU queued, P processing, G grading, D done), finished (true once done; if false, call again),
    the verdict (AC WA TLE MLE RTE OLE CE IE) and its message, the cases passed and run, each
    case's verdict, time and memory, time_ms, memory_kb, the efficiency cost and its unit, and the
    scores (beyond, dps, dps_norm, es; null until measured)."""
    deadline = time.monotonic() + timeout_s
    caller = await anyio.to_thread.run_sync(partial(_in_tool_call, _caller, ctx))
    while True:
        state = await anyio.to_thread.run_sync(partial(_in_tool_call, _submission_snapshot, caller, submission_id))
        left_s = deadline - time.monotonic()
        if state["finished"] or left_s <= 0:
            return state
        await anyio.sleep(min(POLL_EVERY_S, left_s))


def my_submissions(
    ctx: Context,
    problem: Annotated[str | None, Field(description="Only this problem's (its code).")] = None,
) -> dict[str, Any]:
    """Your submissions, newest first (at most 200): id, problem, language, status, verdict,
    message, cases done of total, time, memory, cost and scores. No sources."""
    with _tool_call():
        caller = _caller(ctx)
        submissions = submission_list(participant=caller.participant, problem_code=problem or "")
        return {"submissions": SubmissionSerializer(submissions[:MAX_LISTED_SUBMISSIONS], many=True).data}


def leaderboard(
    ctx: Context,
    kind: Annotated[str, Field(description="all, human or model.")] = "all",
    difficulty: Annotated[str, Field(description="easy, medium or hard; empty for all.")] = "",
    language: Annotated[str, Field(description=LANGUAGE_FILTER_HELP)] = "",
    published_after: Annotated[
        str, Field(description="A date like 2025-01-31: only problems published after it.")
    ] = "",
    window: Annotated[
        str, Field(description="all, or cutoff: each model only on problems published after its training cut-off.")
    ] = "all",
    rule: Annotated[str, Field(description="The challenge-score rule: slide or acceptance.")] = "slide",
    limit: Annotated[int, Field(ge=1, le=MAX_LEADERBOARD_ROWS, description="How many rows from the top.")] = 100,
) -> dict[str, Any]:
    """The standings: rank, name, kind, Dynamic Points (dp), problems solved and attempted, pass
    rate (%), mean Beyond, DPS and efficiency score, solved per difficulty. ``you`` is your own row
    (null before your first judged submission), wherever it ranks; ``total`` counts all rows."""
    with _tool_call():
        caller = _caller(ctx)
        filters = leaderboard_filters_from(
            {"kind": kind, "difficulty": difficulty, "language": language, "published_after": published_after,
             "window": window, "rule": rule}
        )  # fmt: skip
        rows = leaderboard_rows(filters=filters)
        mine = next((row for row in rows if row.participant_id == caller.participant.pk), None)
        return {
            "rows": LeaderboardRowSerializer(rows[:limit], many=True).data,
            "total": len(rows),
            "you": LeaderboardRowSerializer(mine).data if mine is not None else None,
        }


# --- plumbing ----------------------------------------------------------------------------------


@contextmanager
def _tool_call() -> Iterator[None]:
    """Around every tool body, in its worker thread: a service's refusal or an outage becomes the
    tool's error, and the thread's database connections are closed after, as Django closes a
    request's. anyio's worker threads come and go; a connection left in one would outlive it."""
    try:
        yield
    except AppError as exc:
        raise ToolError(exc.message) from exc
    except Exception as exc:
        outage = outage_of(exc)
        if outage is None:
            raise
        raise ToolError(outage.api_message) from exc
    finally:
        connections.close_all()


def _in_tool_call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    with _tool_call():
        return fn(*args, **kwargs)


def _caller(ctx: Context) -> Caller:
    """Over HTTP, whom the endpoint authenticated for this very request (arena/mcp/http.py);
    over stdio, the process's token, checked again now (it may have been revoked)."""
    request = ctx.request_context.request
    if request is not None:
        caller = request.scope.get(SCOPE_KEY)
    else:
        state = ctx.request_context.lifespan_context
        token = state.stdio_token if isinstance(state, ServerState) else None
        caller = caller_authenticate(token, address=STDIO_ADDRESS) if token else None
    if not isinstance(caller, Caller):
        raise ToolError("Invalid or revoked token.")
    return caller


def _problem(code: str) -> Problem:
    problem = problem_get(code)
    if problem is None:
        raise ToolError(f"No problem with code {code!r}.")
    return problem


def _submission_snapshot(caller: Caller, submission_id: int) -> dict[str, Any]:
    # access_submission is the one rule for every API: the author's, or any for staff.
    submission = access_submission(caller.participant.user, submission_id)
    if submission is None:
        raise ToolError(f"No submission {submission_id} of yours.")
    state = submission_state(submission)
    del state["type"], state["submission"]
    return {"id": submission.pk, "finished": submission.status == Submission.Status.DONE, **state}
