"""Request helpers shared by the API tests."""

from __future__ import annotations


def auth(token: str) -> dict[str, str]:
    """Django test-client keyword arguments that send ``token`` as a bearer token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
