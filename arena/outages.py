"""Which failures mean a backing service is down (not a bug in us), and what to tell the caller.

Production keeps the cache (throttles, fair-use limits), the Celery broker and the Channels layer
in Redis, and the rows in PostgreSQL behind a connection pool. When one of them is unreachable a
request fails with one of the exceptions below; callers get a 503 with ``Retry-After`` instead of
a 500, and the operators a one-line warning instead of a traceback per request.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass

RETRY_AFTER_S = 30


@dataclass(frozen=True)
class Outage:
    service: str
    api_message: str  # for API clients, who retry
    banner: str  # for people, on the site's 503 page


REDIS = Outage(
    service="redis",
    api_message=f"The judge queue is unavailable; nothing was stored; retry in {RETRY_AFTER_S} s.",
    banner="CodeArena is having trouble reaching its judge queue; reading works, submitting will be back shortly.",
)
DATABASE = Outage(
    service="database",
    api_message=f"The database is unavailable; nothing was stored; retry in {RETRY_AFTER_S} s.",
    banner="CodeArena is having trouble reaching its database; the site will be back shortly.",
)

# PostgreSQL SQLSTATEs that say "cannot talk to the server now", not "your query is wrong":
# class 08 (connection exception), 53 (insufficient resources: too many connections, disk full)
# and the shutdown/start-up states of class 57. 57014 (statement timeout) is deliberately absent.
_PG_UNAVAILABLE_CLASSES = ("08", "53")
_PG_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}


@functools.cache
def _redis_errors() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis.exceptions

    # kombu wraps broker errors in its OperationalError; the cache and channels_redis raise
    # redis-py's own (whose ConnectionError also covers authentication and a full pool).
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, kombu.exceptions.OperationalError)


def _is_database_down(exc: BaseException) -> bool:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - both are in requirements.lock
        psycopg = psycopg_pool = None  # type: ignore[assignment]
    if psycopg_pool is not None and isinstance(exc, psycopg_pool.PoolTimeout):
        return True
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate
        # No SQLSTATE: the failure happened on our side of the socket (refused, reset, closed).
        return state is None or state.startswith(_PG_UNAVAILABLE_CLASSES) or state in _PG_UNAVAILABLE_STATES
    # The embedded mode's SQLite: a writer held the lock past the 30 s busy timeout.
    return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith("database is locked")


def outage_of(exc: BaseException) -> Outage | None:
    """The outage behind ``exc``, following explicit wrapping (Django wraps driver errors)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, _redis_errors()):
            return REDIS
        if _is_database_down(seen):
            return DATABASE
        seen = seen.__cause__
    return None
