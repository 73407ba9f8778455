"""Every API error is JSON, in the envelope of the API that was called.

Native (``/api/…``): ``{"error": {"code": <stable string>, "message": <human text>}}``.
v2 (``/api/v2/…``): ``{"api_version": "2.0", "method", "fetched", "error": {"code": <HTTP status>,
"message"}}``, the DMOJ shape the ``codearena`` SDK reads.

DRF views end in ``exception_handler``; the v2 views in their own decorator; what escapes both
(unknown paths, bodies Django refuses, outages, bugs) in arena/middleware.py and the error handlers
of config/urls.py, which call ``api_error`` here.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from arena.errors import AppError
from arena.outages import RETRY_AFTER_S, Outage, outage_of

logger = logging.getLogger(__name__)

Flavour = Literal["native", "v2"]


def api_flavour(request: HttpRequest) -> Flavour | None:
    """Which API a request is for, by its path; None for the site's pages."""
    path = request.path_info
    if path.startswith("/api/v2/") or path == "/api/v2":
        return "v2"
    if path.startswith("/api/") or path == "/api":
        return "native"
    return None


def v2_error(request: HttpRequest, status_code: int, message: str) -> JsonResponse:
    body = {
        "api_version": "2.0",
        "method": request.method.lower() if request.method else "get",
        "fetched": timezone.now().isoformat(),
        "error": {"code": status_code, "message": message},
    }
    return JsonResponse(body, status=status_code)


def api_error(
    request: HttpRequest, *, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JsonResponse:
    """An error answer for ``request`` outside DRF, in the envelope of the API its path names."""
    if api_flavour(request) == "v2":
        response = v2_error(request, status_code, message)
    else:
        response = JsonResponse({"error": {"code": code, "message": message}}, status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def app_error_answer(request: HttpRequest, exc: AppError) -> JsonResponse:
    """An AppError in the envelope of the API the request is for (outside DRF: v2, middleware)."""
    if api_flavour(request) == "v2":
        response = v2_error(request, exc.status, exc.message)
    else:
        response = JsonResponse({"error": exc.body()}, status=exc.status)
    for name, value in exc.headers().items():
        response[name] = value
    return response


def api_outage(request: HttpRequest, outage: Outage) -> JsonResponse:
    return api_error(
        request,
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        code="service_unavailable",
        message=outage.api_message,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def outage_log(request: HttpRequest, outage: Outage, exc: BaseException) -> None:
    # One line, no traceback: during an outage every request fails the same way.
    logger.warning("%s unavailable, answered 503 to %s %s: %r", outage.service, request.method, request.path, exc)


def flatten_detail(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {flatten_detail(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(flatten_detail(item) for item in detail)
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler: APIExceptions, AppErrors and outages in the native envelope.

    Anything else is a bug: returning None lets it propagate, to be logged by Django and answered
    by config/urls.py's handler500 (a JSON 500).
    """
    if isinstance(exc, AppError):
        return Response({"error": exc.body()}, status=exc.status, headers=exc.headers())
    outage = outage_of(exc)
    if outage is not None:
        request = context.get("request")
        if request is not None:
            outage_log(request, outage, exc)
        set_rollback()
        return Response(
            {"error": {"code": "service_unavailable", "message": outage.api_message}},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    handled = drf_exception_handler(exc, context)
    if handled is None:
        return None
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
    message = flatten_detail(getattr(exc, "detail", str(exc)))
    if isinstance(exc, exceptions.ParseError) and code == "parse_error":
        code, message = "malformed_request", f"The request body could not be parsed: {message}"
    if handled.status_code == status.HTTP_401_UNAUTHORIZED and code == "not_authenticated":
        message = "Authentication required: send 'Authorization: Bearer <token>'."
    handled.data = {"error": {"code": code, "message": message}}
    return handled
