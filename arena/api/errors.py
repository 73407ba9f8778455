"""Every API error is JSON: {"error": {"code": <stable string>, "message": <human text>}}."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from arena.services.submissions import SubmissionRejected


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SubmissionRejected):
        return Response({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
    message = _flatten(getattr(exc, "detail", str(exc)))
    if isinstance(exc, exceptions.ParseError):
        code, message = "malformed_request", f"The request body could not be parsed: {message}"
    if response.status_code == status.HTTP_401_UNAUTHORIZED and code == "not_authenticated":
        message = "Authentication required: send 'Authorization: Bearer <token>'."
    response.data = {"error": {"code": code, "message": message}}
    return response
