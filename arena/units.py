"""Costs as people read them, in the unit of the meter that measured them.

A cost is stored as a bare number beside its unit (``Submission.cost_unit``,
``ReferenceCost.unit``), so every page formats it through here: ``41.2 M instructions``,
``12.3 ms``. ``frontend/static/frontend/js/units.js`` mirrors ``cost_text`` for live events.

No estimated time is shown beside an instruction count: turning instructions into milliseconds
needs an instructions-per-second rate for the jailed interpreter on the judge host, and nothing
measures one (the `cpu` and `valgrind` meters are not run side by side on the same programs).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# Valgrind calls what it counts "Ir" (instruction reads): the instructions the program executed.
UNIT_LABELS: dict[str, str] = {"ms": "ms", "instructions": "instructions", "Ir": "instructions"}
COUNT_UNITS = frozenset({"instructions", "Ir"})
_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def quantity_label(unit: str) -> str:
    """What a cost in ``unit`` counts, for an axis title: ``CPU time (ms)``, ``instructions executed``."""
    if unit == "ms":
        return "CPU time (ms)"
    if unit in COUNT_UNITS:
        return "instructions executed"
    return f"cost ({unit})" if unit else "cost"


def unit_label(unit: str) -> str:
    """The unit's name for people: ``Ir`` is shown as ``instructions``."""
    return UNIT_LABELS.get(unit, unit)


def _rounded(value: float, digits: int = 3) -> float:
    """Rounded half away from zero on the float's exact value, as JavaScript's toPrecision does
    (Python's format rounds an exact tie to even): 39,250 is 39.3 k on the page and in the JS."""
    if value == 0:
        return 0.0
    exact = Decimal(value)
    return float(exact.quantize(Decimal(1).scaleb(exact.adjusted() - digits + 1), rounding=ROUND_HALF_UP))


def _significant(value: float, digits: int = 3) -> str:
    """``41.23`` → ``41.2``, ``123.4`` → ``123``, ``2`` → ``2.00``: a fixed number of significant digits."""
    value = _rounded(value, digits)
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def cost_text(value: float | None, unit: str) -> str:
    """``41.2 M instructions``, ``12.3 ms``, ``1.23 s``; ``—`` when there is no cost."""
    if value is None or not math.isfinite(value):
        return "—"
    # Scales are chosen after rounding: 999.96 ms is "1.00 s", 999,950 instructions "1.00 M".
    if unit == "ms":
        return f"{_significant(value / 1000)} s" if abs(_rounded(value)) >= 1000 else f"{_significant(value)} ms"
    if unit in COUNT_UNITS:
        scale, prefix = next(((s, p) for s, p in _PREFIXES if abs(_rounded(value)) >= s), (1.0, ""))
        number = f"{_significant(value / scale)} {prefix}" if prefix else _significant(value)
        return f"{number} {unit_label(unit)}"
    return f"{_significant(value)} {unit}".strip()
