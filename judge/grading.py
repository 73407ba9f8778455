"""Compare a submission's output with the expected one. Runs in the worker, never in the jail."""

from __future__ import annotations

import json
import math
from typing import Any

from judge.protocol import CheckerSpec


def _float_equal(got: Any, expected: Any, tolerance: float) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(got), float(expected), rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(_float_equal(g, e, tolerance) for g, e in zip(got, expected))
    return bool(got == expected)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _exact_equal(got: Any, expected: Any) -> bool:
    # bool is an int in Python; True must not pass for 1.
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(_exact_equal(g, e) for g, e in zip(got, expected))
    return bool(got == expected)


def outputs_match(checker: CheckerSpec, args: list[Any], got: Any, expected: Any) -> bool:
    """Does the program's output ``got`` (already validated at judge/boundary.py) match?

    Any failure while comparing is the output's fault (``10**400`` on a float checker, a
    string where a custom checker wants a list): the answer is wrong, the worker carries on.
    """
    if checker.kind == "custom":
        _custom_evaluate(checker.source)  # a broken checker is the curator's error: raised, not a WA
    try:
        return _matches(checker, args, got, expected)
    except Exception:  # whatever the value makes a checker raise, it does not match
        return False


def _matches(checker: CheckerSpec, args: list[Any], got: Any, expected: Any) -> bool:
    if checker.kind == "exact":
        return _exact_equal(got, expected)
    if checker.kind == "float":
        return _float_equal(got, expected, checker.float_tolerance)
    if checker.kind == "unordered":
        if not isinstance(got, list) or not isinstance(expected, list):
            return False
        return sorted(map(_canonical, got)) == sorted(map(_canonical, expected))
    if checker.kind == "custom":
        return _custom_evaluate(checker.source)(args, got, expected)
    raise ValueError(f"unknown checker {checker.kind!r}")


_CUSTOM_CACHE: dict[str, Any] = {}


def _custom_evaluate(source: str) -> Any:
    """Custom checkers are curator code (trusted, reviewed with the problem), compiled once."""
    if source not in _CUSTOM_CACHE:
        namespace: dict[str, Any] = {}
        exec(compile(source, "checker.py", "exec"), namespace)
        evaluate = namespace.get("evaluate")
        if not callable(evaluate):
            raise ValueError("custom checker must define evaluate(args, output, expected)")
        _CUSTOM_CACHE[source] = lambda a, g, e: bool(evaluate(a, g, e))
    return _CUSTOM_CACHE[source]


def short_repr(value: Any, limit: int = 300) -> str:
    """A value for a message, cut to ``limit``. The value is the program's (already validated),
    nested as deeply as the parser allowed: the worker's deeper stack must not turn that into a crash."""
    try:
        text = json.dumps(value)
    except RecursionError:
        return "(a value nested too deeply to show)"
    return text if len(text) <= limit else text[: limit - 1] + "…"
