"""Test settings: same as the embedded mode, with fast password hashing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from config.env import Rate, env_str
from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Every test client shares one address and the cache outlives each test: limits that never bite,
# except where tests/arena/test_fair_use.py lowers them.
FAIR_USE_RATES = {scope: Rate(10_000, 60) for scope in FAIR_USE_RATES}  # noqa: F405
JUDGE_EAGER = True
JUDGE_PERF_REPEATS = 1
# The suite judges hundreds of accepted submissions. Under valgrind tests/judge alone took 398 s
# against 166 s with cpu, and the measuring jail differs from the judging jail in ways some
# hostile tests look at (/proc, no fork). The valgrind meter has tests of its own
# (tests/judge/test_valgrind_integrity.py, test_meters.py); JUDGE_METER=valgrind runs it all so.
JUDGE_METER = env_str("JUDGE_METER", "cpu")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in embedded mode, rather than Django's shared-cache memory database: there,
    # concurrent writers fail with "database table is locked" instead of waiting their turn, so
    # tests of concurrency could not run. One file per test process: runs may overlap.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"codearena-test-{os.getpid()}.sqlite3")
    }
