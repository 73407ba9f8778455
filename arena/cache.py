"""The Redis cache with one connection pool per process.

Django keeps a cache object per thread, and each of Django's RedisCache objects opens its own
connection pool. Under ASGI every request runs in a thread of its own, so a busy web process
piled up a pool, and a connection, per request thread (about 100 per process under load). Here
the pools live at class level, one per server URL and process (redis-py's pools notice a fork
and reopen their connections), bounded by ``max_connections``.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedPoolClient(RedisCacheClient):
    _shared: dict[str, Any] = {}
    _lock = threading.Lock()

    def _get_connection_pool(self, write: bool) -> Any:
        django_client: Any = self  # the private attributes below are Django's, untyped in its stubs
        url = django_client._servers[django_client._get_connection_pool_index(write)]
        with self._lock:
            pool = self._shared.get(url)
            if pool is None:
                pool = self._shared[url] = django_client._pool_class.from_url(url, **django_client._pool_options)
            return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedPoolClient
