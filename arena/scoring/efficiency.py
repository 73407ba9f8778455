"""Efficiency scores of DESIGN §7: Beyond (Mercury), DPS / DPS_norm (EvalPerf), ES (CodeArena).

Pure functions over costs measured with one meter on one host. All scores lie in [0, 1].

``tie`` is the meter's resolution as a share of the cost (``CostMeter.tie_share``): DPS's "at
least as slow" and ES's "≥" treat two costs within it as equal. With tie = 0 (deterministic
meters) they are exactly DESIGN §7. A noisy meter needs it, or a solution that costs what a
reference costs (an LLM reproducing the canonical solution) flips a coin on every re-judge:
measured a little faster it counts the reference as "at least as slow", a little slower it
does not. The tolerance moves that knife edge from "equal cost", where such solutions sit by
construction, to "a tie-share slower", where they sit only by coincidence (docs/scoring.md).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

# Relative-drop threshold for splitting references into clusters: bias + sqrt(weight / t).
# With costs in CPU milliseconds, a 100 ms reference needs a drop above ~30% to start a new
# cluster, a 10 ms one above ~52%: small costs are noisier, so they must differ more.
DEFAULT_BIAS = 0.2
DEFAULT_WEIGHT = 1.0


def beyond(cost: float, references: Sequence[float]) -> float:
    if not references:
        return 0.0
    low, high = min(references), max(references)
    if high == low:
        return 1.0 if cost <= low else 0.0
    clipped = min(max(cost, low), high)
    return (high - clipped) / (high - low)


@dataclass(frozen=True)
class Cluster:
    representative: float  # its slowest member
    members: tuple[float, ...]
    cumulative_share: float


def cluster_references(
    references: Sequence[float], *, bias: float = DEFAULT_BIAS, weight: float = DEFAULT_WEIGHT
) -> list[Cluster]:
    """Split costs (sorted slow → fast) where the relative drop exceeds bias + sqrt(weight / t)."""
    ordered = sorted(references, reverse=True)
    if not ordered:
        return []
    groups: list[list[float]] = [[ordered[0]]]
    for slower, faster in zip(ordered, ordered[1:]):
        drop = (slower - faster) / slower if slower > 0 else 0.0
        threshold = bias + math.sqrt(weight / slower) if slower > 0 else math.inf
        if drop > threshold:
            groups.append([faster])
        else:
            groups[-1].append(faster)
    total = len(ordered)
    clusters: list[Cluster] = []
    seen = 0
    for group in groups:
        seen += len(group)
        clusters.append(Cluster(representative=group[0], members=tuple(group), cumulative_share=seen / total))
    return clusters


def at_least_as_slow(other: float, cost: float, *, tie: float = 0.0) -> bool:
    """``other`` ≥ ``cost``, where costs within ``tie`` (a share of ``cost``) are equal."""
    return other >= cost * (1.0 - tie)


def dps(cost: float, clusters: Sequence[Cluster], *, tie: float = 0.0) -> tuple[float, float]:
    """(DPS, DPS_norm): the share of the fastest cluster whose representative is at least as slow."""
    best = -1
    for index, cluster in enumerate(clusters):
        if at_least_as_slow(cluster.representative, cost, tie=tie):
            best = index
    if best < 0:
        return 0.0, 0.0
    return clusters[best].cumulative_share, (best + 1) / len(clusters)


def efficiency_share(cost: float, pool: Sequence[float], *, tie: float = 0.0) -> float:
    """ES: the share of accepted solutions (references and participants) whose cost is ≥ ``cost``."""
    if not pool:
        return 1.0
    return sum(1 for other in pool if at_least_as_slow(other, cost, tie=tie)) / len(pool)


class SharePool:
    """ES of many costs against one pool, O(log n) each: a whole problem re-scored at once."""

    def __init__(self, pool: Sequence[float], *, tie: float = 0.0) -> None:
        self.ordered = sorted(pool)
        self.tie = tie

    def share(self, cost: float, *, outside: bool = False) -> float:
        """ES of ``cost``. ``outside``: the solution is not in the pool (an evaluation-campaign
        sample) and is counted as one more member of it."""
        slower = len(self.ordered) - bisect.bisect_left(self.ordered, cost * (1.0 - self.tie))
        size = len(self.ordered)
        if outside:
            slower, size = slower + 1, size + 1
        return slower / size if size else 1.0
