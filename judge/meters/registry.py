"""Meters by name, with the fallback to ``cpu`` on a host that cannot run the one configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from judge.meters.base import METERS, CostMeter

logger = logging.getLogger(__name__)

# The deterministic count (config/settings/base.py JUDGE_METER): the same program gets the same
# cost on every run, whatever the host's load.
DEFAULT_METER = "valgrind"
# What a host that cannot run the configured meter measures with (logged, shown on /healthz).
FALLBACK_METER = "cpu"


@dataclass(frozen=True)
class MeterStatus:
    configured: str
    active: str
    unit: str
    fallback_reason: str = ""


_STATUS: dict[str, MeterStatus] = {}


def tie_share(name: str) -> float:
    """The resolution of the meter that measured a stored cost (0 for one no longer registered)."""
    meter = METERS.get(name)
    return meter.tie_share if meter is not None else 0.0


def get_meter(name: str = DEFAULT_METER) -> CostMeter:
    """The meter called ``name``, or ``cpu`` (logged) when this host cannot run it."""
    try:
        meter = METERS[name]()
    except KeyError:
        raise ValueError(f"unknown cost meter {name!r}; known: {', '.join(sorted(METERS))}") from None
    reason = meter.unavailable_reason()
    if reason and name != FALLBACK_METER:
        if name not in _STATUS or not _STATUS[name].fallback_reason:
            logger.warning("cost meter %r is unavailable (%s); measuring with %r instead", name, reason, FALLBACK_METER)
        meter = METERS[FALLBACK_METER]()
    _STATUS[name] = MeterStatus(configured=name, active=meter.name, unit=meter.unit, fallback_reason=reason)
    return meter


def meter_status(name: str = DEFAULT_METER) -> MeterStatus:
    """Which meter ``name`` resolves to on this host, and why if it is not the one configured."""
    get_meter(name)
    return _STATUS[name]


class MeterRefused(ValueError):
    """The configured meter cannot be trusted with submitted code."""


def judging_meter_check(name: str) -> None:
    """Refuse, with the reason, a meter a program could fool (run at start-up, and before judging)."""
    meter = METERS.get(name)
    if meter is None:
        raise MeterRefused(f"unknown cost meter {name!r}; known: {', '.join(sorted(METERS))}")
    if meter.tamper_reason:
        raise MeterRefused(
            f"JUDGE_METER={name!r} is refused for judging: {meter.tamper_reason}. "
            "Use it to measure references only; choose a tamper-proof meter for submissions."
        )
