"""First and last stop of every request: API bodies over the limit, and backing services that are down.

Before anything else runs (sessions, authentication, throttles, the view), an API request whose
declared body is over ``API_MAX_BODY_BYTES`` is answered 413 in its API's envelope. (The body
parser enforces the same limit on what is actually read.)

An API path is served with or without its trailing slash (``_api_slash``): a client that POSTs
to the other form would otherwise get a 404, or a redirect that drops its body.

A NUL character in the path, the query string or a cookie is a 400 (see ``_has_nul``).

An ``AppError`` (arena/errors.py) that escaped a view is answered in the API's envelope under
/api/, and as the site's error page, with its message and status, elsewhere.

When a view fails because Redis or the database cannot be reached (arena/outages.py), the caller
gets a 503 with ``Retry-After``: JSON in the API's envelope under /api/, the site's outage page
elsewhere. Other exceptions are left to Django, which logs them and calls config/urls.py's
handler500.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.deprecation import MiddlewareMixin
from django.views import defaults

from arena.api.errors import api_error, api_flavour, api_outage, app_error_answer, outage_log
from arena.api.parsers import body_limit_message
from arena.error_handlers import app_error_page, outage_page
from arena.errors import AppError
from arena.outages import outage_of


class ErrorMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if _has_nul(request):
            message = "The path, query string or a cookie contains a NUL character."
            if api_flavour(request) is None:
                return defaults.bad_request(request, SuspiciousOperation(message))
            return api_error(request, status_code=400, code="bad_request", message=message)
        if api_flavour(request) is None:
            return None
        _api_slash(request)
        try:
            declared_bytes = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return api_error(request, status_code=400, code="bad_request", message="Content-Length is not a number.")
        limit_bytes: int = settings.API_MAX_BODY_BYTES
        if declared_bytes > limit_bytes:
            return api_error(
                request, status_code=413, code="request_too_large", message=body_limit_message(limit_bytes)
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AppError):  # the caller's error, wherever it was raised: one answer
            return app_error_answer(request, exception) if api_flavour(request) else app_error_page(request, exception)
        outage = outage_of(exception)
        if outage is None:
            return None
        outage_log(request, outage, exception)
        return api_outage(request, outage) if api_flavour(request) else outage_page(request, outage)


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _api_slash(request: HttpRequest) -> None:
    """Route an API path that only exists in its other form (with or without the final slash)
    to that form: native paths end in a slash, the DMOJ-style v2 paths do not, and clients write
    either."""
    path = request.path_info
    if path in ("", "/") or _resolves(path):
        return
    other = path[:-1] if path.endswith("/") else f"{path}/"
    if _resolves(other):
        prefix = request.path[: len(request.path) - len(path)]
        request.path_info, request.path = other, prefix + other


def _has_nul(request: HttpRequest) -> bool:
    # PostgreSQL text cannot hold NUL, so a lookup by such a value fails in the driver (a 500)
    # rather than finding nothing. No URL, parameter or cookie of ours has a use for one.
    query = request.META.get("QUERY_STRING", "")
    return (
        "\x00" in request.path_info
        or "%00" in query
        or "\x00" in query
        or any("\x00" in value for value in request.COOKIES.values())
    )
