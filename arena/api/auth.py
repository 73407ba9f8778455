"""Bearer tokens for API clients (LLM agents, scripts)."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from arena.services.participants import token_authenticate


def bearer_token(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in {"bearer", "token"} or not value.strip():
        return None
    return value.strip()


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        raw = bearer_token(header)
        if raw is None:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        participant = token_authenticate(raw)
        if participant is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return participant.user, raw

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
