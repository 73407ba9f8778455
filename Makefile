# One command per daily task. `make run` and `make test` set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SDK_VENV := var/sdk-venv

.PHONY: run test lint fuzz bench validate setup system assets toolchains migrate bank worker prod-run sdk-venv clean

# --- setup -------------------------------------------------------------------------------
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The judge runs submissions with Debian's interpreter inside nsjail (see docs/security.md).
system:
	@bash deploy/system-packages.sh

assets: frontend/node_modules/.installed

setup: system $(VENV)/.installed assets

# What the languages build once per host (C++'s precompiled header, ~10 s the first time).
toolchains: setup
	$(PY) manage.py prepare_judge

migrate: setup
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0

bank: migrate toolchains
	$(PY) manage.py load_bank

# --- daily tasks ---------------------------------------------------------------------------
run: bank
	@echo "CodeArena on http://$(HOST):$(PORT)/  (embedded mode: SQLite, in-process judge)"
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws websockets --no-access-log

$(SDK_VENV)/.installed: requirements-sdk.txt
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install -q -r requirements-sdk.txt
	touch $@

sdk-venv: $(SDK_VENV)/.installed

# The whole suite on the embedded default (SQLite), then again on PostgreSQL (bank loading
# included), minus the tests that start their own servers: those run PostgreSQL already
# (production) or test the embedded mode's processes (browser, SDK, MCP), and the language
# modules' tests (tests/judge/languages: the compile and run jails, no database).
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/codearena

test: setup sdk-venv toolchains
	WITH_BROWSER=1 bash deploy/system-packages.sh
	$(VENV)/bin/pytest
	DATABASE_URL=$(TEST_PG_URL) $(VENV)/bin/pytest -m "not browser and not sdk and not production and not mcp and not judging_only" --ignore=tests/judge/languages

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The API against its own OpenAPI schema (tests/arena/test_fuzz.py), with more generated requests
# per operation than the suite's run, on SQLite and on PostgreSQL (which refuses what SQLite takes).
FUZZ_EXAMPLES ?= 100

fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/arena/test_fuzz.py
	DATABASE_URL=$(TEST_PG_URL) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/arena/test_fuzz.py

# Every problem of the bank: references on stored and fresh cases, samples, costs; prints the table.
validate: bank
	$(PY) manage.py validate --seeds 2

bench: bank
	$(PY) bench/sandbox.py
	$(PY) bench/boundary.py
	$(PY) bench/latency.py
	$(PY) bench/leaderboard.py
	$(PY) bench/stability.py
	$(PY) bench/draw_spread.py
	$(PY) bench/production.py
	$(PY) bench/languages.py

# Production processes (PostgreSQL + Redis from DATABASE_URL / REDIS_URL; see deploy/).
# `make worker` is the one-host shortcut: both queues and beat in one process. A deployment runs
# the separate units of deploy/systemd, so a judging backlog cannot delay the sweeper.
worker: setup
	DJANGO_SETTINGS_MODULE=config.settings.production DATABASE_POOL_MAX=0 $(VENV)/bin/celery -A config worker -Q judge,maintenance -B -c 2 -l info

prod-run: setup
	DJANGO_SETTINGS_MODULE=config.settings.production $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --workers 2

clean:
	rm -rf var/static var/sdk-venv
