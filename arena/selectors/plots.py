"""Plot figures (plotly JSON) for the leaderboard, problem and submission pages.

Figures are built on the server with plotly's Python package; the page draws them with the
plotly.js bundled in that same package (served as a static file, no CDN).
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.db.models import Count, Q, QuerySet

from arena.models import Language, LeaderboardSnapshot, Problem, ReferenceCost, Submission
from arena.selectors.leaderboard import LeaderboardRow
from arena.units import cost_text, quantity_label

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


# Costs of one problem spread over decades (a quadratic solution next to a linear one), so the
# cost axis is logarithmic. plotly's own histogram bins in linear space, so on a log axis its bins
# are uneven and the first one starts at or below zero, which a log axis cannot draw; the bins
# are computed here, evenly in log space, and drawn as bars from edge to edge.
COST_BINS_MIN = 7
COST_BINS_MAX = 31
ACCEPTED_COLOR = "#4c6ef5"
REFERENCE_COLOR = "#2b8a3e"
# One colour per language when a chart compares languages (colour-blind safe, Okabe-Ito).
LANGUAGE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
HIGHLIGHT_COLOR = "#d9480f"


@dataclass(frozen=True)
class CostPool:
    """Costs that may be compared: one problem, one judge host, one meter (and fingerprint)."""

    host: str
    meter: str
    environment: str = ""


@dataclass(frozen=True)
class LiveCost:
    """A cost the "efficiency" event announced, before the verdict (and the cost) are stored."""

    cost: float
    unit: str
    meter: str


def submission_cost_distribution(*, submission: Submission, live: LiveCost | None = None) -> str | None:
    """The problem's costs with this submission marked: at its stored cost, or, while the verdict
    is being written (status G), at the cost its page heard in the live event."""
    if submission.cost is not None:
        pool = CostPool(
            host=submission.judge_host, meter=submission.cost_meter, environment=submission.cost_environment
        )
        highlight, unit = submission.cost, submission.cost_unit
    elif live is not None and submission.status == Submission.Status.GRADING:
        # The fingerprint is not in the event: the pool is every cost of this meter on the host
        # until the verdict is stored and the page asks again.
        pool, highlight, unit = CostPool(host=submission.judge_host, meter=live.meter), live.cost, live.unit
    else:
        return None
    return cost_distribution(problem=submission.problem, pool=pool, highlight=highlight, highlight_unit=unit)


def problem_cost_distribution(
    *, problem: Problem, host: str, language: str = "PY3", across_languages: bool = False
) -> str | None:
    """The problem page's chart: the pool the judge on ``host`` measures ``language`` into now.
    ``across_languages``: every language measured with the same meter beside it, each its own
    colour (their costs are one meter's counts, but of different programs and runtimes)."""
    pool = cost_pool(problem=problem, host=host, language=language)
    return cost_distribution(problem=problem, pool=pool, across_languages=across_languages)


def cost_pool(*, problem: Problem, host: str, language: str = "PY3") -> CostPool | None:
    """The pool the judge on ``host`` measures ``language`` into now: that of its latest reference
    calibration, else of its latest accepted submission (a problem page names no meter of its own)."""
    latest = (
        ReferenceCost.objects.filter(reference__problem=problem, reference__language=language, host=host)
        .order_by("-measured_at", "-id")
        .values_list("meter", "environment")
        .first()
    )
    if latest is None:
        latest = (
            _accepted(problem)
            .filter(judge_host=host, language=language)
            .order_by("-judged_at", "-id")
            .values_list("cost_meter", "cost_environment")
            .first()
        )
    return None if latest is None else CostPool(host=host, meter=latest[0], environment=latest[1])


def _accepted(problem: Problem) -> QuerySet[Submission]:
    # Campaign samples are never part of a problem's pool of accepted solutions (docs/scoring.md, ES).
    return Submission.objects.filter(
        problem=problem, verdict=Submission.Verdict.AC, cost__isnull=False, campaign__isnull=True
    )


def log_bin_edges(values: list[float], *, count: int) -> list[float]:
    """``count`` bins, evenly spaced in log10, covering every (positive) value with a margin."""
    low, high = math.log10(min(values)), math.log10(max(values))
    margin = max(0.05, 0.05 * (high - low))  # in decades; also widens a single value into a range
    low, high = low - margin, high + margin
    return [10 ** (low + (high - low) * i / count) for i in range(count + 1)]


def cost_distribution(
    *,
    problem: Problem,
    pool: CostPool | None,
    highlight: float | None = None,
    highlight_unit: str = "",
    across_languages: bool = False,
) -> str | None:
    """Costs of the references and of every accepted solution in one pool, like a runtime histogram
    on a log axis, with ``highlight`` ("this submission") marked at its own cost. Each language is
    a pool of its own; ``across_languages`` shows every language measured with the pool's meter on
    the host, stacked by language."""
    if pool is None:
        return None
    references = ReferenceCost.objects.filter(reference__problem=problem, host=pool.host, meter=pool.meter)
    accepted = _accepted(problem).filter(judge_host=pool.host, cost_meter=pool.meter)
    if pool.environment and not across_languages:
        references = references.filter(environment=pool.environment)
        accepted = accepted.filter(cost_environment=pool.environment)
    names = dict(Language.choices)
    reference_rows = sorted(
        (cost, label if not across_languages else f"{names.get(language, language)}: {label}", unit)
        for cost, label, unit, language in references.values_list(
            "cost", "reference__label", "unit", "reference__language"
        )
    )
    accepted_rows = [(c, u) for c, u in accepted.values_list("cost", "cost_unit") if c is not None]
    groups: dict[str, list[float]] | None = None
    if across_languages:
        groups = {}
        for cost, language in accepted.values_list("cost", "language"):
            if cost is not None:
                groups.setdefault(names.get(language, language), []).append(cost)
    if not reference_rows and not accepted_rows and highlight is None:
        return None
    # One meter, one unit: any stored row says which; the highlight's is the fallback.
    unit = next((u for u in [*(r[2] for r in reference_rows), *(u for _, u in accepted_rows)] if u), highlight_unit)
    return _json(_cost_figure(
        references=[(c, label) for c, label, _ in reference_rows], accepted=[c for c, _ in accepted_rows],
        highlight=highlight, unit=unit, meter=pool.meter, groups=groups,
    ))  # fmt: skip


def _cost_figure(
    *,
    references: list[tuple[float, str]],
    accepted: list[float],
    highlight: float | None,
    unit: str,
    meter: str,
    groups: dict[str, list[float]] | None = None,
) -> go.Figure:
    # A log axis has no place for a cost of zero (a program no costlier than the empty run).
    shown = [c for c in accepted if c > 0]
    references_shown = [(c, name) for c, name in references if c > 0]
    highlight = highlight if highlight is not None and highlight > 0 else None
    everything = shown + [c for c, _ in references_shown] + ([highlight] if highlight is not None else [])
    if not everything:
        return go.Figure(layout={**LAYOUT, "title": "No cost above zero to show on a log axis"})
    # Odd, so that equal costs (valgrind's are whole quanta) sit in the middle of a bin, not on an edge.
    bin_count = min(COST_BINS_MAX, max(COST_BINS_MIN, math.ceil(2 * math.sqrt(len(shown))))) | 1
    edges = log_bin_edges(everything, count=bin_count)
    counts = [0] * bin_count
    for c in shown:
        counts[min(bin_count - 1, bisect.bisect_right(edges, c) - 1)] += 1
    top = max([*counts, 1])
    figure = go.Figure(layout={
        **LAYOUT,
        "height": 360,
        "margin": {"l": 55, "r": 20, "t": 30, "b": 95},
        "title": {"text": f"Cost on the performance inputs ({meter} meter, this judge host)", "font": {"size": 13}},
        "hovermode": "closest",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -0.32, "yanchor": "top"},
        # A log axis's range is given in log10 units; SI prefixes (k, M, G) as on the rest of the page.
        "xaxis": {"title": {"text": f"{quantity_label(unit)}, log scale"}, "type": "log",
                  "exponentformat": "SI", "range": [math.log10(edges[0]), math.log10(edges[-1])]},
        "yaxis": {"title": {"text": "accepted solutions"}, "rangemode": "tozero", "range": [0, top * 1.65],
                  "tick0": 0, "dtick": max(1, math.ceil(top / 5)), "tickformat": "d"},
    })  # fmt: skip
    if shown and groups:
        figure.update_layout(barmode="stack")
        for index, (name, costs) in enumerate(sorted(groups.items())):
            group_counts = [0] * bin_count
            for c in costs:
                if c > 0:
                    group_counts[min(bin_count - 1, bisect.bisect_right(edges, c) - 1)] += 1
            bars = _accepted_bars(edges, group_counts, unit=unit)
            bars.name = f"{name} ({sum(group_counts)})"
            bars.marker.color = LANGUAGE_COLORS[index % len(LANGUAGE_COLORS)]
            figure.add_trace(bars)
    elif shown:
        figure.add_trace(_accepted_bars(edges, counts, unit=unit))
    if references_shown:
        figure.add_traces(_reference_marks(references_shown, top=top, span=edges[-1] / edges[0], unit=unit))
    if highlight is not None:
        text = f"this submission: {cost_text(highlight, unit)}"
        figure.add_trace(go.Scatter(
            x=[highlight, highlight], y=[0, top * 1.6], mode="lines+markers", name=text,
            line={"color": HIGHLIGHT_COLOR, "width": 3, "dash": "dash"},
            marker={"symbol": "triangle-down", "size": [0, 12], "color": HIGHLIGHT_COLOR},
            hovertemplate=f"{text}<extra></extra>",
        ))  # fmt: skip
    hidden = len(accepted) - len(shown) + len(references) - len(references_shown)
    if hidden:
        figure.add_annotation(
            text=f"not shown on the log axis: {hidden} cost(s) of 0", xref="paper", yref="paper", x=1, y=1,
            xanchor="right", showarrow=False, font={"size": 11},
        )  # fmt: skip
    return figure


def _accepted_bars(edges: list[float], counts: list[int], *, unit: str) -> go.Bar:
    # Each bar spans its bin edge to edge: ``offset=0`` and ``width`` in data units put its sides
    # at the two edges, which stays right on a log axis (a centred bar would not be).
    bins = [i for i, n in enumerate(counts) if n]
    return go.Bar(
        x=[edges[i] for i in bins], width=[edges[i + 1] - edges[i] for i in bins], offset=0,
        y=[counts[i] for i in bins], name=f"accepted solutions ({sum(counts)})",
        marker={"color": ACCEPTED_COLOR, "line": {"width": 0}}, opacity=0.75,
        hovertext=[f"{counts[i]} accepted, {cost_text(edges[i], unit)} to {cost_text(edges[i + 1], unit)}"
                   for i in bins],
        hovertemplate="%{hovertext}<extra></extra>",
    )  # fmt: skip


def _reference_marks(references: list[tuple[float, str]], *, top: int, span: float, unit: str) -> list[go.Scatter]:
    """A dotted vertical line for each reference, topped by a diamond with its label."""
    # Labels stand above the tallest bar, a line of text (~1/10 of the axis) apart.
    heights = [top * (1.08 + 0.16 * level) for level in _label_levels([c for c, _ in references], span=span)]
    lines = go.Scatter(
        x=[x for c, _ in references for x in (c, c, None)], y=[y for h in heights for y in (0, h, None)],
        mode="lines", line={"color": REFERENCE_COLOR, "width": 1.5, "dash": "dot"},
        legendgroup="references", showlegend=False, hoverinfo="skip", name="reference lines",
    )  # fmt: skip
    marks = go.Scatter(
        x=[c for c, _ in references], y=heights, mode="markers+text", name=f"reference solutions ({len(references)})",
        marker={"symbol": "diamond", "size": 9, "color": REFERENCE_COLOR}, legendgroup="references",
        text=[name for _, name in references], textposition="top center", textfont={"size": 11},
        hovertext=[f"reference “{name}”: {cost_text(c, unit)}" for c, name in references],
        hovertemplate="%{hovertext}<extra></extra>",
    )  # fmt: skip
    return [lines, marks]


def _label_levels(costs: list[float], *, span: float) -> list[int]:
    """A height (0, 1 or 2) for the label of each of the sorted ``costs``, so that labels close
    together on the axis (``span``: the axis's max / min) stand at different heights."""
    gap = 0.12 * math.log10(span)  # in decades: about a short label's width on a 700 px chart
    levels: list[int] = []
    last_at: dict[int, float] = {}
    for c in costs:
        x = math.log10(c)
        level = next((lv for lv in range(3) if lv not in last_at or x - last_at[lv] >= gap), len(levels) % 3)
        last_at[level] = x
        levels.append(level)
    return levels
