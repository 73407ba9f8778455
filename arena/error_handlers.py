"""Django's error handlers (config/urls.py): JSON under /api/, the site's pages elsewhere.

These answer what no view did: unknown paths, bodies Django itself refuses, and exceptions that
escaped a view. Under DEBUG Django shows its technical pages for 404 and 500 instead; the
middleware (arena/middleware.py) still answers outages and oversized API bodies there.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views import defaults

from arena.api.errors import api_error, api_flavour, api_outage, outage_log
from arena.api.parsers import body_limit_message
from arena.errors import AppError
from arena.outages import DATABASE, RETRY_AFTER_S, Outage, outage_of

logger = logging.getLogger(__name__)

# Served if even the outage page cannot be rendered: no template, no database, no session.
_BARE_OUTAGE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable · CodeArena</title>'
    "</head><body><h1>Temporarily unavailable</h1><p>{banner}</p><p>Please try again in a minute.</p></body></html>"
)


def outage_page(request: HttpRequest, outage: Outage) -> HttpResponse:
    """The site's 503: the base layout with a banner, never a traceback."""
    context: dict[str, object] = {"banner": outage.banner, "retry_after_s": RETRY_AFTER_S, "messages": []}
    if outage is DATABASE:
        # The header would look the user up in the database that is down.
        context["user"] = AnonymousUser()
    body: str
    try:
        body = render_to_string("503.html", context, request=request)
    except Exception:  # the page must not fail too: the outage may be what it renders through
        logger.exception("could not render the outage page")
        body = _BARE_OUTAGE_PAGE.format(banner=escape(outage.banner))
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


PAGE_TITLES = {401: "Log in first", 403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Too large",
               429: "Too many requests", 503: "Temporarily unavailable"}  # fmt: skip


def app_error_page(request: HttpRequest, exc: AppError) -> HttpResponse:
    """An AppError that reached a page of the site: its message on the site's layout, its status."""
    context = {"title": PAGE_TITLES.get(exc.status, "That did not work"), "message": exc.message,
               "retry_after_s": exc.retry_after_s}  # fmt: skip
    response = HttpResponse(render_to_string("error.html", context, request=request), status=exc.status)
    for name, value in exc.headers().items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if api_flavour(request) is None:
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error(
            request,
            status_code=413,
            code="request_too_large",
            message=body_limit_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0),
        )
    return api_error(request, status_code=400, code="bad_request", message="The request is malformed.")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if api_flavour(request) is None:
        return defaults.permission_denied(request, exception)
    return api_error(request, status_code=403, code="permission_denied", message="You may not do this.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if api_flavour(request) is None:
        return defaults.page_not_found(request, exception)
    return api_error(
        request,
        status_code=404,
        code="not_found",
        message=f"No API endpoint at {request.path}; the endpoints are listed at /api/docs/.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception (and has logged it): it is still current.
    exc = sys.exc_info()[1]
    outage = outage_of(exc) if exc is not None else None
    if exc is not None and outage is not None:
        outage_log(request, outage, exc)
        return api_outage(request, outage) if api_flavour(request) else outage_page(request, outage)
    if api_flavour(request) is None:
        return defaults.server_error(request)
    return api_error(
        request,
        status_code=500,
        code="server_error",
        message="Something went wrong on our side; it has been logged. Please try again later.",
    )
