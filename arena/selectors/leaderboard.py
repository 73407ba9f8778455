"""Leaderboard rows from the Standing table: Dynamic Points, Pass %, mean efficiency, per difficulty.

Two queries whatever the size: the eligible problems, and the standings joined with their
participant. Filters: participant kind, difficulty, language of the counted submission, and a
contamination window — only problems published after a date, or (window="cutoff") after each
model's own training cut-off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from arena.models import Participant, Problem, Standing
from arena.scoring.rules import get_rule


@dataclass
class LeaderboardRow:
    rank: int
    participant_id: int
    name: str
    username: str  # the address of the public profile, /u/<username>/
    kind: str
    dp: float
    solved: int
    attempted: int
    pass_rate: float
    mean_beyond: float | None
    mean_dps: float | None
    mean_es: float | None
    solved_by_difficulty: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LeaderboardFilters:
    kind: str = "all"
    difficulty: str = ""
    language: str = ""
    published_after: dt.datetime | None = None
    window: str = "all"  # "all" | "cutoff": models only count problems newer than their training cut-off
    rule: str = "slide"


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def leaderboard_rows(*, filters: LeaderboardFilters | None = None, kind: str | None = None) -> list[LeaderboardRow]:
    filters = filters or LeaderboardFilters(kind=kind or "all")
    problems_qs = Problem.objects.filter(is_public=True)
    if filters.difficulty:
        problems_qs = problems_qs.filter(difficulty=filters.difficulty)
    if filters.published_after is not None:
        problems_qs = problems_qs.filter(published_at__gt=filters.published_after)
    problems = {pk: (points, difficulty, published) for pk, points, difficulty, published in
                problems_qs.values_list("id", "points", "difficulty", "published_at")}  # fmt: skip

    standings = Standing.objects.filter(problem_id__in=problems.keys()).values_list(
        "participant_id", "problem_id", "solved", "language", "es", "beyond", "dps",
        "participant__display_name", "participant__kind", "participant__training_cutoff",
        "participant__user__username",
    )  # fmt: skip
    if filters.kind in (Participant.Kind.HUMAN, Participant.Kind.MODEL):
        standings = standings.filter(participant__kind=filters.kind)

    people: dict[int, dict[str, Any]] = {}
    solved_rows: list[tuple[int, int, float]] = []
    solvers: dict[int, int] = {}
    attempters: dict[int, int] = {}
    for pid, prob, solved, language, es, beyond, dps, name, pkind, cutoff, username in standings:
        too_old = cutoff is not None and problems[prob][2].date() <= cutoff
        if filters.window == "cutoff" and pkind == Participant.Kind.MODEL and too_old:
            continue
        person = people.setdefault(
            pid, {"name": name, "username": username, "kind": pkind, "cutoff": cutoff, "solved": [], "beyond": [],
                  "dps": [], "es": [], "attempted": 0, "by_difficulty": {"easy": 0, "medium": 0, "hard": 0}},
        )  # fmt: skip
        person["attempted"] += 1
        attempters[prob] = attempters.get(prob, 0) + 1
        if not solved or (filters.language and language != filters.language):
            continue
        solvers[prob] = solvers.get(prob, 0) + 1
        solved_rows.append((pid, prob, es or 0.0))
        person["solved"].append(prob)
        person["by_difficulty"][problems[prob][1]] += 1
        for key, value in (("beyond", beyond), ("dps", dps), ("es", es)):
            if value is not None:
                person[key].append(value)

    rule = get_rule(filters.rule)
    dp: dict[int, float] = {}
    for pid, prob, es in solved_rows:
        cs = rule.challenge_score(points=problems[prob][0], solvers=solvers[prob], attempters=attempters[prob])
        dp[pid] = dp.get(pid, 0.0) + cs + es

    rows: list[LeaderboardRow] = []
    for pid, person in people.items():
        eligible = len(problems)
        if filters.window == "cutoff" and person["kind"] == Participant.Kind.MODEL and person["cutoff"] is not None:
            eligible = sum(1 for _, _, published in problems.values() if published.date() > person["cutoff"])
        rows.append(
            LeaderboardRow(
                rank=0,
                participant_id=pid,
                name=person["name"],
                username=person["username"],
                kind=person["kind"],
                dp=round(dp.get(pid, 0.0), 4),
                solved=len(person["solved"]),
                attempted=person["attempted"],
                pass_rate=round(100.0 * len(person["solved"]) / max(1, eligible), 2),
                mean_beyond=_mean(person["beyond"]),
                mean_dps=_mean(person["dps"]),
                mean_es=_mean(person["es"]),
                solved_by_difficulty=person["by_difficulty"],
            )
        )
    rows.sort(key=lambda r: (-r.dp, -r.solved, r.name))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows


def leaderboard_filters_from(params: Any) -> LeaderboardFilters:
    """Parse query parameters; raise AppError (a 400) with a readable message on bad input."""
    from arena.errors import AppError
    from arena.scoring.rules import RULES
    from arena.services.languages import language_choices, language_resolve

    def choice(name: str, allowed: set[str], default: str) -> str:
        value = str(params.get(name, default) or default)
        if value not in allowed:
            raise AppError(f"invalid_{name}", f"{name} must be one of: {', '.join(sorted(allowed))}.")
        return value

    published_after = None
    raw_date = params.get("published_after") or ""
    if raw_date:
        try:
            published_after = dt.datetime.combine(dt.date.fromisoformat(raw_date), dt.time(), tzinfo=dt.UTC)
        except ValueError:
            raise AppError("invalid_published_after", "published_after must be a date like 2025-01-31.")
    language = str(params.get("language") or "")
    if language:
        # Every registered language, by key, name or alias (cpp, c++, python...).
        try:
            language = language_resolve(language)
        except AppError:
            allowed = ", ".join(key for key, _ in language_choices())
            raise AppError("invalid_language", f"language must be one of: {allowed}.") from None
    return LeaderboardFilters(
        kind=choice("kind", {"all", "human", "model"}, "all"),
        difficulty=choice("difficulty", {"", "easy", "medium", "hard"}, ""),
        language=language,
        published_after=published_after,
        window=choice("window", {"all", "cutoff"}, "all"),
        rule=choice("rule", set(RULES), "slide"),
    )
