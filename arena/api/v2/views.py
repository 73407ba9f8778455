"""CodeArena / DMOJ v2 compatible endpoints, shaped so the public `codearena` SDK works unchanged.

Envelope: {"api_version": "2.0", "method": "get"|"post", "fetched": <ISO>, "data": {...}}
or, on error, "error": {"code": <http status>, "message": "..."} instead of "data".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from arena.api.auth import bearer_token
from arena.api.errors import app_error_answer, v2_error
from arena.errors import AppError
from arena.models import Participant, Problem, Submission
from arena.rendering import render_statement
from arena.selectors.problems import problem_get, problem_list
from arena.selectors.submissions import submission_list
from arena.services.languages import PYTHON, language_resolve, problem_languages, problem_starter
from arena.services.participants import token_authenticate
from arena.services.submissions import submission_create
from arena.services.throttling import SUBMIT, client_ip, throttle_take

PAGE_SIZE = 250
FORM_MEDIA_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _envelope(
    request: HttpRequest, *, data: dict[str, Any] | None = None, error: tuple[int, str] | None = None
) -> JsonResponse:
    body: dict[str, Any] = {
        "api_version": "2.0",
        "method": request.method.lower() if request.method else "get",
        "fetched": timezone.now().isoformat(),
    }
    if error is not None:
        return v2_error(request, *error)
    body["data"] = data or {}
    return JsonResponse(body)


def _participant(request: HttpRequest, *, required: bool) -> Participant | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        if required:
            message = "Authentication required: send 'Authorization: Bearer <token>'."
            raise AppError("not_authenticated", message, status=401)
        return None
    raw = bearer_token(header)
    participant = token_authenticate(raw) if raw else None
    if participant is None:
        raise AppError("authentication_failed", "Invalid or revoked token.", status=401)
    return participant


def _v2(method: str) -> Callable[[Callable[..., JsonResponse]], Callable[..., JsonResponse]]:
    """Errors in the envelope, token auth instead of sessions (hence no CSRF), one method per view."""

    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method != method:
                return _envelope(request, error=(405, f"use {method} on this endpoint"))
            if method == "POST":
                refused = _form_refused(request)
                if refused is not None:
                    return _envelope(request, error=refused)
            try:
                return view(request, *args, **kwargs)
            except AppError as exc:  # refusals of every kind, throttling and authentication included
                return app_error_answer(request, exc)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)

    return decorate


def _form_refused(request: HttpRequest) -> tuple[int, str] | None:
    """Parse the form body before any other work; why it cannot be, as (status, message)."""
    if request.content_type not in FORM_MEDIA_TYPES and int(request.META.get("CONTENT_LENGTH") or 0) > 0:
        return 415, "send the fields form-encoded (application/x-www-form-urlencoded or multipart/form-data)"
    try:
        request.POST  # noqa: B018 - parsing is the point
    except RequestDataTooBig:
        return 413, f"the request body is over the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
    except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError) as exc:
        return 400, f"the form body could not be parsed: {exc}"
    if any("\x00" in value for _, values in request.POST.lists() for value in values):
        return 400, "form fields must not contain NUL characters"
    return None


def _paged(request: HttpRequest, items: Any, render: Callable[[Any], dict[str, Any]]) -> JsonResponse:
    try:
        page_index = int(request.GET.get("page", "1"))
    except ValueError:
        return _envelope(request, error=(400, "page must be an integer"))
    paginator = Paginator(items, PAGE_SIZE, allow_empty_first_page=True)
    try:
        page = paginator.page(page_index)
    except EmptyPage:
        return _envelope(request, error=(404, f"page {page_index} does not exist"))
    objects = [render(obj) for obj in page.object_list]
    return _envelope(
        request,
        data={
            "current_object_count": len(objects),
            "objects_per_page": PAGE_SIZE,
            "page_index": page_index,
            "has_more": page.has_next(),
            "total_objects": paginator.count,
            "total_pages": max(1, math.ceil(paginator.count / PAGE_SIZE)),
            "objects": objects,
        },
    )


def _problem_summary(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "name": problem.title,
        "types": problem.tags,
        "group": problem.get_difficulty_display(),
        "points": problem.points,
        "partial": False,
        "is_organization_private": False,
        "is_public": problem.is_public,
    }


def _problem_detail(problem: Problem, *, prompt_language: str) -> dict[str, Any]:
    """DMOJ's problem object. ``languages``: the keys of the languages the problem offers (DMOJ
    lists the languages a problem may be solved in); ``prompt``: the starter code in
    ``prompt_language`` (Python's unless the request asked for another)."""
    languages = problem_languages(problem)
    return {
        **_problem_summary(problem),
        "authors": [],
        "time_limit": problem.time_limit_ms / 1000.0,
        "memory_limit": problem.memory_limit_kb,
        "short_circuit": False,
        "languages": [language.key for language in languages if language.available],
        "unavailable_languages": {language.key: language.reason for language in languages if not language.available},
        "is_organization_private": False,
        "organizations": [],
        "description": problem.statement,
        "description_html": render_statement(problem.statement),
        "prompt": problem_starter(problem, prompt_language),
        "prompt_language": prompt_language,
        "entry_point": problem.signature.get("name", ""),
        "signature": problem.signature,
        "samples": [{"input": c.input, "expected": c.expected} for c in problem.sample_cases()],
        "difficulty": problem.difficulty,
        "published_at": problem.published_at.isoformat(),
    }


def _status(submission: Submission) -> str:
    return {"QU": "QU", "P": "P", "G": "G", "D": "D"}.get(submission.status, submission.status)


def _submission(submission: Submission, *, with_cases: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": submission.pk,
        "problem": submission.problem.code,
        "user": submission.participant.display_name,
        "date": submission.created_at.isoformat(),
        "time": (submission.time_ms / 1000.0) if submission.time_ms is not None else None,
        "memory": submission.memory_kb,
        "points": submission.problem.points if submission.verdict == Submission.Verdict.AC else 0.0,
        "language": submission.language,
        "status": _status(submission),
        "result": submission.verdict or None,
        "message": submission.message,
        "cost": submission.cost,
        "cost_unit": submission.cost_unit,
        "beyond": submission.beyond,
        "dps": submission.dps,
        "dps_norm": submission.dps_norm,
        "es": submission.es,
    }
    if with_cases:
        data["case_points"] = sum(1 for c in submission.cases.all() if c.verdict == "AC")
        data["case_total"] = submission.cases_total
        data["cases"] = [
            {
                "type": "case",
                "case_id": case.ordinal,
                "status": case.verdict,
                "time": case.time_ms / 1000.0,
                "memory": case.memory_kb,
                "points": 1.0 if case.verdict == "AC" else 0.0,
                "total": 1.0,
                "feedback": case.message,
            }
            for case in submission.cases.all()
        ]
    return data


@_v2("GET")
def problems(request: HttpRequest) -> JsonResponse:
    _participant(request, required=False)
    items = problem_list(search=request.GET.get("search", ""), difficulty=request.GET.get("difficulty", ""))
    return _paged(request, items, _problem_summary)


@_v2("GET")
def problem(request: HttpRequest, code: str) -> JsonResponse:
    _participant(request, required=False)
    found = problem_get(code)
    if found is None:
        return _envelope(request, error=(404, f"problem {code!r} does not exist"))
    # ?language=CPP17 (key, name or alias): the prompt in that language; a 400 if not offered.
    prompt_language = language_resolve(request.GET["language"]) if request.GET.get("language") else PYTHON
    return _envelope(request, data={"object": _problem_detail(found, prompt_language=prompt_language)})


@_v2("GET")
def submissions(request: HttpRequest) -> JsonResponse:
    participant = _participant(request, required=True)
    items = submission_list(participant=participant, problem_code=request.GET.get("problem", ""))
    return _paged(request, items, lambda s: _submission(s, with_cases=False))


@_v2("GET")
def submission(request: HttpRequest, submission_id: int) -> JsonResponse:
    participant = _participant(request, required=True)
    found = Submission.objects.select_related("problem", "participant").filter(id=submission_id).first()
    if found is None or participant is None or found.participant_id != participant.pk:
        return _envelope(request, error=(404, f"submission {submission_id} does not exist"))
    return _envelope(request, data={"object": _submission(found, with_cases=True)})


@_v2("POST")
def submission_post(request: HttpRequest) -> JsonResponse:
    participant = _participant(request, required=True)
    assert participant is not None
    # The same limits as the other submission routes, counted in the same buckets.
    throttle_take(SUBMIT, account=str(participant.user_id), ip=client_ip(request))
    code = request.POST.get("problem_code", "").strip()
    language = request.POST.get("language", "")
    source = request.POST.get("source", "")
    missing = [name for name, value in (("problem_code", code), ("language", language)) if not value]
    if missing:
        return _envelope(request, error=(400, f"missing form field(s): {', '.join(missing)}"))
    found = problem_get(code)
    if found is None:
        return _envelope(request, error=(404, f"problem {code!r} does not exist"))
    created = submission_create(participant=participant, problem=found, language=language, source=source)
    return _envelope(request, data={"status": "success", "id": created.pk, "submission": created.pk})
