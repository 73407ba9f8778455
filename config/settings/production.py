"""Production: PostgreSQL, Redis (Celery broker, Channels layer, cache), separate judge workers."""

from __future__ import annotations

from config.env import env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import _database

SECRET_KEY = env_str("SECRET_KEY")
DATABASES = {"default": _database(env_str("DATABASE_URL"))}
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
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
