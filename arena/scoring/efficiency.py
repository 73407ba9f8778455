"""Efficiency scores of DESIGN §7: Beyond (Mercury), DPS / DPS_norm (EvalPerf), ES (CodeArena).

Pure functions over costs measured with one meter on one host. All scores lie in [0, 1].
"""

from __future__ import annotations

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


def dps(cost: float, clusters: Sequence[Cluster]) -> tuple[float, float]:
    """(DPS, DPS_norm): the share of the fastest cluster whose representative is at least as slow."""
    best = -1
    for index, cluster in enumerate(clusters):
        if cluster.representative >= cost:
            best = index
    if best < 0:
        return 0.0, 0.0
    return clusters[best].cumulative_share, (best + 1) / len(clusters)


def efficiency_share(cost: float, pool: Sequence[float]) -> float:
    """ES: the share of accepted solutions (references and participants) whose cost is ≥ ``cost``."""
    if not pool:
        return 1.0
    return sum(1 for other in pool if other >= cost) / len(pool)
