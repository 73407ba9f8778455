"""Dynamic Points rules (DESIGN §8) as plug-ins. The slide rule is the default."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

RULES: dict[str, type[ScoringRule]] = {}


def register_rule(cls: type[ScoringRule]) -> type[ScoringRule]:
    RULES[cls.key] = cls
    return cls


class ScoringRule(ABC):
    key: ClassVar[str]
    title: ClassVar[str]

    @abstractmethod
    def challenge_score(self, *, points: float, solvers: int, attempters: int) -> float:
        """CS for one solver of a problem worth ``points``."""


@register_rule
class SlideRule(ScoringRule):
    """CS = P / |S|: a problem's points are shared by everyone who solves it."""

    key = "slide"
    title = "Points shared by solvers"

    def challenge_score(self, *, points: float, solvers: int, attempters: int) -> float:
        return points / solvers if solvers else 0.0


@register_rule
class AcceptanceRule(ScoringRule):
    """CS = P × (1 − acceptance rate), the paper's alternative statement."""

    key = "acceptance"
    title = "Points times (1 - acceptance rate)"

    def challenge_score(self, *, points: float, solvers: int, attempters: int) -> float:
        if not attempters:
            return 0.0
        return points * (1.0 - solvers / attempters)


def get_rule(key: str = "slide") -> ScoringRule:
    try:
        return RULES[key]()
    except KeyError:
        raise ValueError(f"unknown scoring rule {key!r}; known: {', '.join(sorted(RULES))}") from None


def dynamic_points(
    solved: dict[str, dict[str, float]], points: dict[str, float], *, rule: ScoringRule, attempters: dict[str, int]
) -> dict[str, float]:
    """DP per participant: Σ over solved problems of CS + ES.

    ``solved`` maps participant → {problem: ES of the counted solution}.
    """
    solvers: dict[str, int] = {}
    for problems in solved.values():
        for problem in problems:
            solvers[problem] = solvers.get(problem, 0) + 1
    totals: dict[str, float] = {}
    for participant, problems in solved.items():
        total = 0.0
        for problem, es in problems.items():
            cs = rule.challenge_score(
                points=points[problem], solvers=solvers[problem], attempters=attempters.get(problem, solvers[problem])
            )
            total += cs + es
        totals[participant] = total
    return totals
