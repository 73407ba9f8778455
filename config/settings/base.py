"""Settings shared by every mode. Everything configurable comes from the environment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ARENA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a random key in var/ (embedded mode only)."""
    given = env_str("SECRET_KEY", "")
    if given:
        return given
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _perf_secret(secret_key: str) -> str:
    """JUDGE_PERF_SECRET when given; otherwise one derived from SECRET_KEY (per deployment too).

    Performance inputs are drawn with seeds keyed by it (arena/services/performance.py), so it
    must be as unguessable as SECRET_KEY: a short one would let a contestant search for it.
    """
    given = env_str("JUDGE_PERF_SECRET", "").strip()
    if given:
        if len(given) < 32:
            raise ImproperlyConfigured("JUDGE_PERF_SECRET must be at least 32 characters.")
        return given
    return hmac.new(secret_key.encode(), b"codearena:judge-perf-secret", hashlib.sha256).hexdigest()


def _database(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:]) if parsed.path.startswith("//") else unquote(parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or str(VAR_DIR / "arena.sqlite3"),
            # WAL lets the in-process judge write while pages read; IMMEDIATE avoids
            # "database is locked" upgrades from read to write locks.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (sqlite, postgres).")


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "arena",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: oversized API bodies are refused before any work; outages -> 503.
    "arena.middleware.ErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'arena.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "problem-list"
LOGOUT_REDIRECT_URL = "problem-list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "frontend" / "static",
    ("vendor/codemirror", BASE_DIR / "frontend" / "node_modules" / "codemirror"),
    # plotly.js ships inside the plotly Python package: no CDN, nothing fetched at run time.
    ("vendor/plotly", Path(str(__import__("plotly").__file__)).parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "arena.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON in, JSON out: bodies bounded in size and nesting (arena/api/parsers.py), anything else
    # a 415; answers, errors included, always JSON (the interactive docs are /api/docs/).
    "DEFAULT_PARSER_CLASSES": ["arena.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "arena.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "arena.api.errors.exception_handler",
    # The fair-use throttles are arena.api.throttles (rates in FAIR_USE_RATES below). Should a DRF
    # throttle be used, it must key on REMOTE_ADDR (which uvicorn --proxy-headers sets from what
    # nginx saw), not on X-Forwarded-For, whose left part the client writes: NUM_PROXIES=None would
    # trust all of it.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CodeArena API",
    "DESCRIPTION": "Fetch problems, submit solutions, read verdicts, efficiency scores and leaderboards.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Judge -----------------------------------------------------------------------------
# "inprocess": the web process judges in a thread pool (embedded default, no broker).
# "celery": submissions go to the Celery queue "judge" and separate worker processes judge.
JUDGE_BACKEND = env_choice("JUDGE_BACKEND", "inprocess", ("inprocess", "celery"))
JUDGE_THREADS = env_int("JUDGE_THREADS", 2, minimum=1)
# Judge inside the committing thread instead of a pool (the test suite; like Celery eager mode).
JUDGE_EAGER = env_bool("JUDGE_EAGER", False)
JUDGE_WORK_DIR = Path(env_str("JUDGE_WORK_DIR", "/tmp/codearena-runs"))
JUDGE_HOST = env_str("JUDGE_HOST", "")  # defaults to the machine's hostname
JUDGE_PERF_REPEATS = env_int("JUDGE_PERF_REPEATS", 3, minimum=1)
JUDGE_PERF_SECRET = _perf_secret(SECRET_KEY)
# Recovery (docs/operations.md, "Failures and recovery"): a judge marks the submission it holds
# alive every JUDGE_HEARTBEAT_S; the sweeper, every JUDGE_SWEEP_EVERY_S, re-queues claims whose
# heartbeat stopped for JUDGE_HEARTBEAT_STALE_S and re-sends queued submissions that have had no
# message in the broker for JUDGE_DISPATCH_GRACE_S. JUDGE_STUCK_AFTER_S is the fallback where the
# broker cannot be inspected (and for the in-process judge).
JUDGE_HEARTBEAT_S = env_int("JUDGE_HEARTBEAT_S", 3, minimum=1)
JUDGE_HEARTBEAT_STALE_S = env_int("JUDGE_HEARTBEAT_STALE_S", 15, minimum=5)
JUDGE_SWEEP_EVERY_S = env_int("JUDGE_SWEEP_EVERY_S", 5, minimum=1)
JUDGE_DISPATCH_GRACE_S = env_int("JUDGE_DISPATCH_GRACE_S", 20, minimum=5)
JUDGE_STUCK_AFTER_S = env_int("JUDGE_STUCK_AFTER_S", 600, minimum=30)
# Embedded mode: calibrate published problems that lack it, in the background, at start-up.
JUDGE_CALIBRATE_AT_START = env_bool("JUDGE_CALIBRATE_AT_START", True)
if JUDGE_HEARTBEAT_STALE_S < 3 * JUDGE_HEARTBEAT_S:
    raise ImproperlyConfigured("JUDGE_HEARTBEAT_STALE_S must be at least 3 x JUDGE_HEARTBEAT_S.")
JUDGE_MAX_QUEUED_PER_PARTICIPANT = env_int("JUDGE_MAX_QUEUED_PER_PARTICIPANT", 20, minimum=1)
SUBMISSION_MAX_BYTES = env_int("SUBMISSION_MAX_BYTES", 64 * 1024, minimum=1024)
# Any API request body (arena/middleware.py, arena/api/parsers.py): a batch of 50 sources at the
# limit above, with room for JSON escaping. A reverse proxy in front must allow at least this much.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 4 * 1024 * 1024, minimum=SUBMISSION_MAX_BYTES)

# --- Fair use (docs/api.md, "Fair use"; arena/services/throttling.py) -----------------------
# Rates are "<count>/<window>": 120/min, 5/15min, 10/hour, 100/day. Counted in the cache: Redis in
# production (shared by every process); in embedded mode each process counts on its own.
# "per account" is per participant (log-in failures: per username), "per IP" per client address.
FAIR_USE_RATES = {
    "submit": env_rate("SUBMISSION_RATE", "120/min"),
    "submit-ip": env_rate("SUBMISSION_RATE_PER_IP", "240/min"),
    "login-failures": env_rate("LOGIN_FAILURES", "5/15min"),
    "login-failures-ip": env_rate("LOGIN_FAILURES_PER_IP", "50/15min"),
    "signup-ip": env_rate("SIGNUP_RATE_PER_IP", "20/hour"),
    "token-create": env_rate("TOKEN_CREATE_RATE", "10/hour"),
    "token-create-ip": env_rate("TOKEN_CREATE_RATE_PER_IP", "30/hour"),
    "campaign-create": env_rate("CAMPAIGN_CREATE_RATE", "10/hour"),
    "campaign-create-ip": env_rate("CAMPAIGN_CREATE_RATE_PER_IP", "30/hour"),
    # "Run" (samples or custom input, no submission): its own budget, counted per input run.
    "run": env_rate("RUN_RATE", "60/min"),
    "run-ip": env_rate("RUN_RATE_PER_IP", "120/min"),
}
# The longest a request waits for a run's result from the judge (then a 503: try again).
RUN_WAIT_MAX_S = env_int("RUN_WAIT_MAX_S", 60, minimum=5)
CAMPAIGN_MAX_PER_PARTICIPANT = env_int("CAMPAIGN_MAX_PER_PARTICIPANT", 100, minimum=1)

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Delivered but unacknowledged messages (acks_late) go back to the queue after the visibility
# timeout; kombu checks every 5 s. A message whose judge is still running comes back too, and is
# dropped at once: the running judge holds the claim (arena/services/judging.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("JUDGE_VISIBILITY_TIMEOUT_S", 45, minimum=10),
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Two queues, each with its own process in deploy/systemd (tests/deploy/test_processes.py checks
# that every task's queue has one): "judge" (codearena-judge, on the judge hosts) and
# "maintenance" (codearena-maintenance: the sweeper and the snapshot), so a judging backlog
# never delays the sweeper. The judging tasks live in arena/tasks.py under their historical
# names "judge.tasks.*". Anything without a route goes to "maintenance", never to a queue
# nobody consumes.
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TASK_ROUTES = {
    "judge.tasks.judge_submission": {"queue": "judge"},
    "arena.tasks.calibrate_problem": {"queue": "judge"},  # measured where the judging happens
    "judge.tasks.run_trial": {"queue": "judge"},
    "arena.tasks.run_curation_task": {"queue": "judge"},
    "judge.tasks.sweep_stuck": {"queue": "maintenance"},
    "arena.tasks.snapshot_leaderboard": {"queue": "maintenance"},
}
# A sweep that could not run in its slot is dropped, not run late back to back with the next.
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-submissions": {
        "task": "judge.tasks.sweep_stuck",
        "schedule": float(JUDGE_SWEEP_EVERY_S),
        "options": {"expires": float(JUDGE_SWEEP_EVERY_S)},
    },
    "snapshot-leaderboard": {
        "task": "arena.tasks.snapshot_leaderboard",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600.0},
    },
}

# --- Channels ---------------------------------------------------------------------------
CHANNEL_LAYERS: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "arena.channel_layer.ThreadSafeInMemoryChannelLayer"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The MCP SDK logs every stateless HTTP request at INFO ("Terminating session: None"); its
    # warnings and tracebacks are what an operator needs.
    "loggers": {"django.channels.server": {"level": "WARNING"}, "mcp": {"level": "WARNING"}},
}
# The deterministic count: the same program gets the same cost on every run and every host with
# the same interpreter build (docs/scoring.md, "Meters"). cpu and instructions remain settings.
JUDGE_METER = env_str("JUDGE_METER", "valgrind")
# An accepted program's measurement stops at this many times the slowest reference's cost; it is
# then scored as slower than every reference (docs/scoring.md, "A budget").
JUDGE_COST_BUDGET_FACTOR = env_int("JUDGE_COST_BUDGET_FACTOR", 3, minimum=1)
