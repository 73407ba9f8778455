"""Embedded default: SQLite, judge in-process, in-memory channel layer. Nothing else to run."""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
