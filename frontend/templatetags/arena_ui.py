"""Display helpers shared by the templates. The live page's JavaScript mirrors these formats."""

from __future__ import annotations

import json
import re
from typing import Any

from django.template import Library

from arena.models import Submission
from arena.units import cost_text

register = Library()

# A statement that shows its own examples ("### Example 1", "**Example 1:**", "Example 2:").
_EXAMPLE_HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)?examples?\b(?:\s*\d+)?\s*:?(?:\*\*)?\s*:?\s*$", re.I | re.M)


@register.filter
def states_examples(statement: str) -> bool:
    """Whether the statement already shows worked examples (then the samples are not repeated)."""
    return bool(_EXAMPLE_HEADING.search(statement or ""))


_VERDICT_LABELS = dict(Submission.Verdict.choices)
# What a participant waits for in each status; "Grading" alone would not say what is going on.
STATUS_LABELS: dict[str, str] = {
    Submission.Status.QUEUED: "Queued",
    Submission.Status.PROCESSING: "Running tests",
    Submission.Status.GRADING: "Measuring efficiency",
    Submission.Status.DONE: "Done",
}


@register.filter
def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@register.filter
def call_args(args: Any, signature: dict[str, Any]) -> str:
    """``[[3, 8], 11]`` with params nums, target → ``nums = [3, 8], target = 11``."""
    if not isinstance(args, list):
        return as_json(args)
    names = [p.get("name", f"arg{i}") for i, p in enumerate(signature.get("params", []))]
    names += [f"arg{i}" for i in range(len(names), len(args))]
    return ", ".join(f"{name} = {as_json(value)}" for name, value in zip(names, args))


@register.filter
def verdict_label(code: str) -> str:
    return _VERDICT_LABELS.get(code, code)


@register.filter
def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)


@register.filter
def duration_ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value < 0.1:  # below what the per-case timer resolves
        return "<0.1 ms"
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


@register.filter
def memory_kb(value: int | None) -> str:
    if value is None:
        return "—"
    if value >= 1024:
        return f"{value // 1024} MB" if value % 1024 == 0 else f"{value / 1024:.1f} MB"
    return f"{value} KB"


@register.filter
def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@register.filter
def percent(share: float | None) -> str:
    """A share in [0, 1] as ``37.5%``."""
    return "—" if share is None else f"{100 * share:.1f}%"


@register.filter
def cost(value: float | None, unit: str = "") -> str:
    """``41.2 M instructions``, ``12.3 ms``: in the unit of the meter that measured it."""
    return cost_text(value, unit)


@register.filter
def time_limit(value_ms: int) -> str:
    return f"{value_ms / 1000:g} s" if value_ms >= 1000 else f"{value_ms} ms"
