"""The typed boundary between arena (models, services) and judge (sandbox, grading, meters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckerKind = Literal["exact", "float", "unordered", "custom"]
HiddenFeedback = Literal["error-type", "verdict"]


@dataclass(frozen=True)
class CaseSpec:
    ordinal: int
    kind: str  # sample | hidden | performance
    args: list[Any]
    expected: Any


@dataclass(frozen=True)
class CheckerSpec:
    kind: CheckerKind = "exact"
    float_tolerance: float = 1e-6
    source: str = ""


@dataclass(frozen=True)
class JudgeJob:
    source: str
    signature: dict[str, Any]
    cases: list[CaseSpec]
    checker: CheckerSpec
    time_limit_ms: int
    memory_limit_kb: int
    # What a failing hidden test's message may say: "error-type" (a built-in exception's name)
    # or "verdict" (nothing but the verdict). Samples show everything; performance inputs the verdict.
    hidden_feedback: HiddenFeedback = "error-type"
    # A key of judge/languages/ (PY3, CPP17, JAVA17, JS, GO, RUST).
    language: str = "PY3"


@dataclass
class CaseOutcome:
    ordinal: int
    kind: str
    verdict: str
    time_ms: float = 0.0
    memory_kb: int = 0
    message: str = ""


@dataclass
class JudgeOutcome:
    verdict: str
    message: str
    cases: list[CaseOutcome] = field(default_factory=list)
    time_ms: float = 0.0
    memory_kb: int = 0
    cpu_ms: float = 0.0
