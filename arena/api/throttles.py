"""DRF throttles for the fair-use limits of arena/services/throttling.py.

A refused request is a 429 with Retry-After, in the API's error envelope (arena/api/errors.py):
``{"error": {"code": "throttled", "message": "Too many submissions from this account: ..."}}``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from arena.services import throttling


class FairUseThrottle(BaseThrottle):
    """Meters ``action`` on POST only, per account and per client address."""

    action: throttling.Action

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method != "POST":
            return True
        account = str(request.user.pk) if request.user.is_authenticated else None
        try:
            throttling.throttle_take(
                self.action, account=account, ip=throttling.client_ip(request), cost=self.cost(request)
            )
        except throttling.Throttled as exc:
            # Raised rather than returning False: DRF's own message would not say which limit.
            raise exceptions.Throttled(wait=exc.retry_after_s, detail=exc.message) from exc
        return True

    def cost(self, request: Request) -> int:
        return 1


class SubmissionThrottle(FairUseThrottle):
    """Shared by every submission route, so using several of them does not multiply the rate.
    A batch costs one per submission in it."""

    action = throttling.SUBMIT

    def cost(self, request: Request) -> int:
        from arena.api.views import MAX_BATCH

        # An over-long list is refused by the view; it costs no more than the longest allowed.
        return min(len(request.data), MAX_BATCH) if isinstance(request.data, list) and request.data else 1


class TokenCreateThrottle(FairUseThrottle):
    action = throttling.TOKEN_CREATE


class CampaignCreateThrottle(FairUseThrottle):
    action = throttling.CAMPAIGN_CREATE
