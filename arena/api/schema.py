"""The OpenAPI schema documents the errors too: which statuses each operation may answer, and
their one body, the ErrorEnvelope (arena/api/errors.py).

Added by rule, where they can happen:
  400  everywhere: a NUL in the path, query or cookies (arena/middleware.py); and validation;
  401  everywhere: a wrong or revoked token is refused before the view, whatever it allows;
  403  operations that need an account, and every write (a session's CSRF check);
  413, 415  operations with a request body (arena/api/parsers.py);
  404  operations with path parameters;
  429  every POST (fair use, queue caps), and operations with other throttles;
  405, 503  everywhere (wrong method; Redis or the database down, arena/outages.py).
A view declares the others it can answer with ``error_responses`` (a 404 for a problem code named
in the body). 500 is never documented: it is a bug.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from arena.api.throttles import FairUseThrottle

ERROR_DESCRIPTIONS = {
    400: "Invalid input: a body that does not validate, malformed JSON, nesting deeper than 32, bad query "
    "parameters, or a NUL character in the path, query string or cookies.",
    401: "No token where one is needed, or a wrong or revoked token.",
    403: "Not allowed for this account.",
    404: "No such object, or not yours.",
    405: "The path does not support this method.",
    413: "The body, or a source in it, is over its size limit.",
    415: "The body is not JSON (Content-Type: application/json).",
    429: "Over a fair-use limit or the queue cap; wait Retry-After seconds.",
    503: "A backing service (judge queue, database) is unavailable; nothing was stored; retry after "
    "Retry-After seconds.",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. unknown_language, throttled.")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """For ``@extend_schema(responses={201: X, **error_responses(404)})``."""
    return {code: OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[code]) for code in statuses}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "arena.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in sorted(self._error_statuses()):
            if str(code) not in responses:
                response = OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses

    def _get_response_headers_for_code(self, status_code: str, direction: Any = "response") -> dict[str, Any]:
        headers: dict[str, Any] = super()._get_response_headers_for_code(status_code, direction)
        if status_code in {"429", "503"}:
            headers = {**_RETRY_AFTER, **headers}
        return headers

    def _error_statuses(self) -> set[int]:
        statuses = {400, 401, 405, 503}
        writes = self.method in {"POST", "PUT", "PATCH", "DELETE"}
        if writes or any(not isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses.add(403)
        if self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None:
            statuses |= {413, 415}
        if "{" in self.path:
            statuses.add(404)
        # The fair-use throttles meter POSTs only (arena/api/throttles.py).
        if self.method == "POST" or any(not isinstance(t, FairUseThrottle) for t in self.view.get_throttles()):
            statuses.add(429)
        return statuses
