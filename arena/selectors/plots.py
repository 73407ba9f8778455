"""Plot figures (plotly JSON) for the leaderboard, problem and submission pages.

Figures are built on the server with plotly's Python package; the page draws them with the
plotly.js bundled in that same package (served as a static file, no CDN).
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
from django.db.models import Count, Q

from arena.models import LeaderboardSnapshot, Problem, ReferenceCost, Submission
from arena.selectors.leaderboard import LeaderboardRow

LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 20, "t": 40, "b": 45},
    "height": 320,
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "font": {"size": 12},
}


def _json(figure: go.Figure) -> str:
    # Names come from participants: keep "</script>" from closing the page's script element.
    return json.dumps(figure.to_plotly_json(), default=str).replace("</", "<\\/")


def dp_over_time(*, kind: str = "all", top: int = 10) -> str | None:
    snapshots = list(
        LeaderboardSnapshot.objects.filter(kind=kind).order_by("taken_at").values("taken_at", "rows")[:365]
    )
    if not snapshots:
        return None
    leaders = [row["name"] for row in snapshots[-1]["rows"][:top]]
    figure = go.Figure(layout={**LAYOUT, "title": "Dynamic Points over time", "yaxis": {"title": "DP"}})
    for name in leaders:
        points = [(s["taken_at"], next((r["dp"] for r in s["rows"] if r["name"] == name), None)) for s in snapshots]
        figure.add_trace(
            go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers", name=name)
        )
    return _json(figure)


def pass_vs_beyond(rows: list[LeaderboardRow]) -> str | None:
    scored = [r for r in rows if r.mean_beyond is not None]
    if not scored:
        return None
    figure = go.Figure(
        layout={**LAYOUT, "title": "Correctness vs efficiency", "xaxis": {"title": "Pass %"},
                "yaxis": {"title": "mean Beyond", "range": [0, 1.05]}},
    )  # fmt: skip
    for kind in ("human", "model"):
        group = [r for r in scored if r.kind == kind]
        if group:
            figure.add_trace(
                go.Scatter(x=[r.pass_rate for r in group], y=[r.mean_beyond for r in group], mode="markers",
                           text=[r.name for r in group], name=f"{kind}s", marker={"size": 10})
            )  # fmt: skip
    return _json(figure)


def acceptance_by_difficulty() -> str | None:
    judged = (
        Submission.objects.filter(status=Submission.Status.DONE, campaign__isnull=True)
        .exclude(verdict__in=["", Submission.Verdict.IE])
        .values("problem__difficulty")
        .annotate(total=Count("id"), accepted=Count("id", filter=Q(verdict=Submission.Verdict.AC)))
    )
    by_difficulty = {row["problem__difficulty"]: row for row in judged}
    if not by_difficulty:
        return None
    order = [d for d in Problem.Difficulty.values if d in by_difficulty]
    rates = [100.0 * by_difficulty[d]["accepted"] / by_difficulty[d]["total"] for d in order]
    figure = go.Figure(
        go.Bar(x=order, y=rates, text=[f"{r:.0f}%" for r in rates], textposition="auto"),
        layout={
            **LAYOUT,
            "title": "Acceptance rate by difficulty",
            "yaxis": {"title": "% accepted", "range": [0, 100]},
        },
    )
    return _json(figure)


def cost_distribution(
    *, problem: Problem, host: str = "", meter: str = "cpu", highlight: float | None = None
) -> str | None:
    """Costs of the references and of every accepted solution measured on one host, like a runtime
    histogram — but only comparable measurements (same host, same meter) go into it."""
    references = ReferenceCost.objects.filter(reference__problem=problem, meter=meter)
    accepted = Submission.objects.filter(problem=problem, verdict=Submission.Verdict.AC, cost_meter=meter)
    if host:
        references = references.filter(host=host)
        accepted = accepted.filter(judge_host=host)
    reference_points = list(references.values_list("cost", "reference__label"))
    accepted_costs = [c for c in accepted.exclude(cost__isnull=True).values_list("cost", flat=True)]
    if not reference_points and not accepted_costs:
        return None
    figure = go.Figure(
        layout={**LAYOUT, "title": "Cost on the performance inputs (CPU ms, this judge host)", "barmode": "overlay",
                "xaxis": {"title": "CPU ms (log scale)", "type": "log"}, "yaxis": {"title": "solutions"}},
    )  # fmt: skip
    if accepted_costs:
        figure.add_trace(go.Histogram(x=accepted_costs, name="accepted submissions", opacity=0.7, nbinsx=30))
    if reference_points:
        figure.add_trace(
            go.Scatter(x=[c for c, _ in reference_points], y=[0] * len(reference_points), mode="markers",
                       marker={"symbol": "diamond", "size": 12}, text=[label for _, label in reference_points],
                       name="reference solutions")
        )  # fmt: skip
    if highlight is not None:
        figure.add_vline(x=max(highlight, 1e-3), line_width=3, line_dash="dash", line_color="#d9480f",
                         annotation_text="this submission", annotation_position="top")  # fmt: skip
    return _json(figure)
