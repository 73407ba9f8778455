"""Participants as others see them (public profiles) and as their owners manage them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from arena.models import ApiToken, Campaign, LeaderboardSnapshot, Participant, Problem, Submission
from arena.selectors.leaderboard import LeaderboardFilters, LeaderboardRow, leaderboard_rows
from arena.selectors.plots import LAYOUT, _json
from arena.selectors.problems import problems_published

RECENT_ACCEPTED = 20
PROGRESS_SNAPSHOTS = 365  # the daily snapshots of about a year
DIFFICULTIES = ("easy", "medium", "hard")


def owned_models(owner: AbstractBaseUser) -> list[Participant]:
    """The models ``owner`` registered, with their tokens and latest campaigns: three queries."""
    return list(
        Participant.objects.filter(owner_id=owner.pk)
        .select_related("user")
        .prefetch_related(
            Prefetch("tokens", queryset=ApiToken.objects.order_by("-id")),
            Prefetch("campaigns", queryset=Campaign.objects.order_by("-id")),
        )
        .order_by("display_name", "id")
    )


def owned_model_access(user: AbstractBaseUser | AnonymousUser, participant_id: int) -> Participant | None:
    """A model that ``user`` registered and may manage (tokens), or None."""
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(id=participant_id, owner_id=user.pk, kind=Participant.Kind.MODEL).first()


def token_access(user: AbstractBaseUser | AnonymousUser, token_id: int) -> ApiToken | None:
    """A token that ``user`` may revoke: one of their own, or one of a model they registered."""
    if not user.is_authenticated:
        return None
    return (
        ApiToken.objects.select_related("participant")
        .filter(Q(participant__user_id=user.pk) | Q(participant__owner_id=user.pk), id=token_id)
        .first()
    )


def participant_public_get(username: str) -> Participant | None:
    return Participant.objects.select_related("user").filter(user__username=username).first()


@dataclass
class SolvedCount:
    difficulty: str
    solved: int
    total: int


@dataclass
class PublicProfile:
    participant: Participant
    standing: LeaderboardRow | None  # None: nothing judged on a public problem yet
    solved: list[SolvedCount]
    recent_accepted: Sequence[Mapping[str, Any]]
    progress_figure: str | None


def participant_public_profile(participant: Participant) -> PublicProfile:
    """What anyone may see of a participant: the leaderboard's figures for them (DP, solved by
    difficulty, mean efficiency), their DP and efficiency over time, and their latest accepted
    solutions without the code (sources are private: docs/api.md, open data)."""
    rows = leaderboard_rows(filters=LeaderboardFilters())
    standing = next((row for row in rows if row.participant_id == participant.pk), None)
    totals = dict(
        Problem.objects.filter(is_public=True)
        .values_list("difficulty")
        .annotate(n=Count("id"))
        .values_list("difficulty", "n")
    )
    by_difficulty = standing.solved_by_difficulty if standing is not None else {}
    solved = [SolvedCount(d, by_difficulty.get(d, 0), totals.get(d, 0)) for d in DIFFICULTIES]
    recent = list(
        # values(): the source column is never read, so no template can show it by mistake.
        Submission.objects.filter(
            participant=participant,
            verdict=Submission.Verdict.AC,
            campaign__isnull=True,  # campaign samples belong to their campaign's private report
            problem__in=problems_published(),
        )
        .order_by("-id")
        .values(
            "problem__code", "problem__title", "problem__difficulty", "verdict", "cost", "cost_unit", "es",
            "beyond", "created_at",
        )[:RECENT_ACCEPTED]
    )  # fmt: skip
    return PublicProfile(
        participant=participant,
        standing=standing,
        solved=solved,
        recent_accepted=recent,
        progress_figure=progress_figure(participant_progress(participant, now=standing)),
    )


@dataclass(frozen=True)
class ProgressPoint:
    at: dt.datetime
    dp: float
    mean_es: float | None
    mean_beyond: float | None


def participant_progress(participant: Participant, *, now: LeaderboardRow | None) -> list[ProgressPoint]:
    """DP and mean efficiency from the daily snapshots of everyone's standings, then as of now."""
    snapshots = LeaderboardSnapshot.objects.filter(kind="all").order_by("-taken_at").values_list("taken_at", "rows")
    points = []
    for taken_at, rows in snapshots[:PROGRESS_SNAPSHOTS]:
        row = next((r for r in rows if r.get("participant_id") == participant.pk), None)
        if row is not None:
            points.append(ProgressPoint(taken_at, row["dp"], row.get("mean_es"), row.get("mean_beyond")))
    points.reverse()
    if now is not None:
        points.append(ProgressPoint(timezone.now(), now.dp, now.mean_es, now.mean_beyond))
    return points


def progress_figure(points: list[ProgressPoint]) -> str | None:
    if not points:
        return None
    x = [p.at for p in points]
    # A day at least, so that a first point (or a day's) is not drawn on an axis of milliseconds.
    span = max(dt.timedelta(days=1), x[-1] - x[0])
    pad = span / 20
    figure = go.Figure(
        layout={
            **LAYOUT,
            "title": "Dynamic Points and mean efficiency over time",
            "hovermode": "x unified",
            "legend": {"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"},
            "xaxis": {"type": "date", "range": [x[-1] - span - pad, x[-1] + pad]},
            "yaxis": {"title": {"text": "DP"}, "rangemode": "tozero"},
            # ES and Beyond are shares in [0, 1]; DP grows without bound: two axes.
            "yaxis2": {
                "title": {"text": "mean ES / Beyond"}, "overlaying": "y", "side": "right", "range": [0, 1.05],
                "tick0": 0, "dtick": 0.25, "showgrid": False,
            },
        }
    )  # fmt: skip
    series: list[tuple[str, list[float | None], str]] = [
        ("DP", [p.dp for p in points], "y"),
        ("mean ES", [p.mean_es for p in points], "y2"),
        ("mean Beyond", [p.mean_beyond for p in points], "y2"),
    ]
    for name, values, axis in series:
        if any(value is not None for value in values):
            figure.add_trace(go.Scatter(x=x, y=values, mode="lines+markers", name=name, yaxis=axis))
    return _json(figure)
