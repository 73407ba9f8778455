"""Production: PostgreSQL, Redis (Celery broker, Channels layer, cache), separate judge workers."""

from __future__ import annotations

from config.env import env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import _database

SECRET_KEY = env_str("SECRET_KEY")
DATABASES = {"default": _database(env_str("DATABASE_URL"))}
# Web processes serve each request in a thread of its own (ASGI), and a persistent connection
# per thread grew with the crowd until PostgreSQL refused new clients. A psycopg pool per
# process bounds them: DATABASE_POOL_MAX per web process, waited for up to
# DATABASE_POOL_TIMEOUT_S (then a JSON 503). Celery workers run one task per process and keep
# one persistent connection each: their units set DATABASE_POOL_MAX=0 (docs/operations.md, "Sizing").
DATABASE_POOL_MAX = env_int("DATABASE_POOL_MAX", 8, minimum=0)
if DATABASE_POOL_MAX and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": min(2, DATABASE_POOL_MAX),
            "max_size": DATABASE_POOL_MAX,
            "timeout": env_int("DATABASE_POOL_TIMEOUT_S", 10, minimum=1),
        }
    }
JUDGE_BACKEND = "celery"
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # redis-py 8 defaults to a 5 s socket timeout, the same as channels_redis's 5 s blocking
        # pop: an idle socket would then die with TimeoutError. Give reads more time than that.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}]},
    }
}
# One pool per process (arena/cache.py), short timeouts: with Redis away a write is refused
# within seconds (JSON 503), it does not hang.
CACHES = {
    "default": {
        "BACKEND": "arena.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            # At most 32 connections per process; a request waits up to 5 s for a free one.
            "pool_class": "redis.BlockingConnectionPool",
            "max_connections": 32,
            "timeout": 5,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        },
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
