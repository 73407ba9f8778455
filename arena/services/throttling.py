"""Fair use: rate limits per account and per client address, counted in the Django cache.

One module for every route: the DRF throttles (arena/api/throttles.py), the v2 API and the pages
call ``throttle_take``; the log-in forms (frontend/forms.py) call ``login_attempt_start`` and
``login_attempt_succeeded``. The rates are ``settings.FAIR_USE_RATES`` (docs/api.md, "Fair use").

Each counter is a fixed window that starts at its first hit: ``cache.add`` creates it with the
window as its expiry, ``cache.incr`` counts, and both are atomic on Redis (the production cache),
so concurrent requests on several processes cannot both take the last unit. A cache that cannot
be reached raises (redis ``ConnectionError``): refusing to count must not mean letting through.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from arena.errors import AppError
from config.env import Rate


class Throttled(AppError):
    """Over a fair-use limit: HTTP 429, to be retried after ``retry_after_s`` seconds."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__("throttled", message, status=429, retry_after_s=retry_after_s)


@dataclass(frozen=True)
class Action:
    """Something fair use meters, and the rate scopes (keys of FAIR_USE_RATES) that apply to it."""

    what: str  # for messages: "Too many <what> ..."
    account_scope: str | None
    address_scope: str | None


SUBMIT = Action("submissions", "submit", "submit-ip")
RUN = Action("inputs run", "run", "run-ip")  # counted per input: each is a jail
SIGNUP = Action("sign-ups", None, "signup-ip")
TOKEN_CREATE = Action("new API tokens", "token-create", "token-create-ip")
CAMPAIGN_CREATE = Action("new campaigns", "campaign-create", "campaign-create-ip")
LOGIN_FAILURE = Action("failed log-ins", "login-failures", "login-failures-ip")


def client_ip(request: HttpRequest) -> str:
    """The client's address, as a throttling identity.

    REMOTE_ADDR only, never X-Forwarded-For: behind nginx, uvicorn --proxy-headers has already
    replaced REMOTE_ADDR with the address nginx saw, while the header's left part is whatever the
    client wrote. An IPv6 client usually holds a whole /64, so that is what one address means.
    """
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def throttle_take(action: Action, *, account: str | None, ip: str, cost: int = 1) -> None:
    """Count ``cost`` events of ``action`` for the account and the address, or raise Throttled.

    A refused request takes nothing: its counts are given back, so a client that keeps knocking
    gets in once its window ends, and a batch that does not fit can be resent smaller.
    """
    taken: list[tuple[str, int]] = []
    for scope, ident, whom in _buckets(action, account=account, ip=ip):
        rate = _rate(scope)
        key = _key(scope, ident)
        count = _add(key, cost, rate)
        taken.append((key, cost))
        if count > rate.limit:
            for done_key, done_cost in taken:
                _give_back(done_key, done_cost)
            raise _refusal(action, whom, rate, key)


def login_username(raw: object) -> str:
    # Usernames are unique regardless of case (frontend SignUpForm), so ALICE and alice are one.
    return str(raw or "").strip().lower()


def login_attempt_start(*, username: str, ip: str) -> None:
    """Before a password is checked: count the attempt as a failure, or raise Throttled while the
    username or the address is locked out.

    Counted before the check, not after it fails, so that a burst of concurrent guesses cannot all
    pass a lock that none of them has recorded yet. While locked, every password is refused, the
    right one included; the lock ends with the window that the first failure opened.
    """
    throttle_take(LOGIN_FAILURE, account=login_username(username), ip=ip)


def login_attempt_succeeded(*, username: str, ip: str) -> None:
    """The password was right: the attempt was no failure, and earlier typos no longer count
    against the name (the address keeps them)."""
    scope, ident = LOGIN_FAILURE.account_scope, login_username(username)
    if scope is not None:
        key = _key(scope, ident)
        cache.delete_many([key, key + ":ends"])
    if LOGIN_FAILURE.address_scope is not None:
        _give_back(_key(LOGIN_FAILURE.address_scope, ip), 1)


def _buckets(action: Action, *, account: str | None, ip: str) -> list[tuple[str, str, str]]:
    buckets = []
    if action.account_scope is not None and account is not None:
        buckets.append((action.account_scope, account, "for this account"))
    if action.address_scope is not None:
        buckets.append((action.address_scope, ip, "from your address"))
    return buckets


def _rate(scope: str) -> Rate:
    rate: Rate = settings.FAIR_USE_RATES[scope]
    return rate


def _key(scope: str, ident: str) -> str:
    # Hashed: usernames may hold characters a cache key should not, and need not sit in Redis.
    return f"fair-use:{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def _add(key: str, cost: int, rate: Rate) -> int:
    """Count ``cost`` in the window at ``key`` (opening one if none is open); the new count."""
    if cache.add(key, cost, timeout=rate.window_s):
        _window_opened(key, rate)
        return cost
    try:
        count: int = cache.incr(key, cost)
    except ValueError:  # the window closed between add and incr: this hit opens the next one
        return _add(key, cost, rate)
    if count <= cost:
        # Nothing was counted before this hit. On Redis that may mean the key expired between
        # Django's EXISTS and INCR, and INCR recreated it without an expiry: a window that would
        # never end. Give it one.
        cache.touch(key, rate.window_s)
        _window_opened(key, rate)
    return count


def _window_opened(key: str, rate: Rate) -> None:
    cache.set(key + ":ends", time.time() + rate.window_s, timeout=rate.window_s)


def _give_back(key: str, cost: int) -> None:
    try:
        cache.decr(key, cost)
    except ValueError:  # the window closed meanwhile: nothing left to give back
        pass


def _refusal(action: Action, whom: str, rate: Rate, key: str) -> Throttled:
    ends = cache.get(key + ":ends")
    retry_after_s = max(1, math.ceil(ends - time.time())) if ends is not None else rate.window_s
    return Throttled(
        f"Too many {action.what} {whom}: the limit is {rate.limit} per {_window(rate.window_s)}. "
        f"Try again in {_duration(retry_after_s)}.",
        retry_after_s=retry_after_s,
    )


def _window(seconds: int) -> str:
    unit_s, name = next(
        (u, n) for u, n in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")) if seconds % u == 0
    )
    count = seconds // unit_s
    return name if count == 1 else f"{count} {name}s"


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    return f"{math.ceil(seconds / 60)} min"
