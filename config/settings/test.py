"""Test settings: same as the embedded mode, with fast password hashing."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"submissions": "10000/min"}}  # noqa: F405
JUDGE_EAGER = True
JUDGE_PERF_REPEATS = 1
