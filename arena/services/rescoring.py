"""Keep efficiency scores live: ES depends on every accepted solution of the problem, Beyond and
DPS on the references' calibrated costs, so one verdict or one calibration re-scores the problem.

Only costs measured with one meter, one fingerprint (meter method + interpreter) and on one host
are ever compared. Costs measured under another fingerprint keep the scores they were given
(a re-judge measures them again); the current pool never mixes them in.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from arena.models import ReferenceCost, Standing, Submission
from arena.scoring.efficiency import SharePool, beyond, cluster_references, dps
from judge.meters import tie_share
from judge.meters.base import fingerprint_language


class Pool(NamedTuple):
    """Where a cost was measured: costs are comparable only within one pool."""

    host: str
    meter: str
    environment: str


class _Measured(NamedTuple):
    id: int
    cost: float
    campaign_id: int | None
    beyond: float | None
    dps: float | None
    dps_norm: float | None
    es: float | None


SCORE_FIELDS = ("beyond", "dps", "dps_norm", "es")


class Scorer:
    """Beyond, DPS, DPS_norm and ES of costs against one problem's references and pool."""

    def __init__(self, references: list[float], pooled: list[float], *, tie: float) -> None:
        self.references = references
        self.clusters = cluster_references(references)
        self.shares = SharePool(references + pooled, tie=tie)
        self.tie = tie

    def scores(self, cost: float, *, outside: bool = False) -> dict[str, float | None]:
        """Rounded as stored. ``outside``: the solution is not part of the pool (see SharePool)."""
        dps_score, dps_norm = dps(cost, self.clusters, tie=self.tie)
        known = bool(self.references)
        return {
            "beyond": round(beyond(cost, self.references), 4) if known else None,
            "dps": round(dps_score, 4) if known else None,
            "dps_norm": round(dps_norm, 4) if known else None,
            "es": round(self.shares.share(cost, outside=outside), 4),
        }


def pool_references(*, problem_id: int, pool: Pool) -> list[float]:
    return list(
        ReferenceCost.objects.filter(
            reference__problem_id=problem_id, host=pool.host, meter=pool.meter, environment=pool.environment
        ).values_list("cost", flat=True)
    )


def anchored_costs_refresh(*, problem_id: int, pool: Pool) -> int:
    """After a re-calibration: costs measured beside a reference (``cost_detail["anchor"]``) are
    that reference's calibrated cost times the measured ratio, so they follow its new cost.
    Returns how many costs changed; call problem_rescore afterwards."""
    calibrated = dict(
        ReferenceCost.objects.filter(
            reference__problem_id=problem_id, host=pool.host, meter=pool.meter, environment=pool.environment
        ).values_list("reference_id", "cost")
    )
    changed: list[Submission] = []
    for submission in Submission.objects.filter(
        problem_id=problem_id,
        status=Submission.Status.DONE,
        judge_host=pool.host,
        cost_meter=pool.meter,
        cost_environment=pool.environment,
        cost__isnull=False,
    ).only("id", "cost", "cost_detail"):
        detail = submission.cost_detail or {}
        reference_cost = calibrated.get(detail.get("anchor"))  # type: ignore[arg-type]
        if reference_cost is None or "ratio" not in detail:
            continue
        cost = round(float(detail["ratio"]) * reference_cost, 3)
        if cost != submission.cost:
            submission.cost = cost
            submission.cost_detail = {**detail, "anchor_calibrated": round(reference_cost, 3)}
            changed.append(submission)
    Submission.objects.bulk_update(changed, ["cost", "cost_detail"], batch_size=500)
    return len(changed)


def problem_rescore(*, problem_id: int, pool: Pool) -> int:
    """Re-score every accepted submission of the problem measured in ``pool`` and the standings
    that count them. Four statements whatever the size (two reads, one prepared update executed for
    each submission whose scores moved, one update of their standings). Returns how many moved.

    Evaluation-campaign samples are scored against the pool (as one more member of it) but are
    never part of it, so a campaign cannot move anyone's ES.
    """
    references = pool_references(problem_id=problem_id, pool=pool)
    rows = [
        _Measured(*row)
        for row in Submission.objects.filter(
            problem_id=problem_id,
            verdict=Submission.Verdict.AC,
            status=Submission.Status.DONE,
            judge_host=pool.host,
            cost_meter=pool.meter,
            cost_environment=pool.environment,
            cost__isnull=False,
        ).values_list("id", "cost", "campaign_id", *SCORE_FIELDS)
    ]
    scorer = Scorer(references, [row.cost for row in rows if row.campaign_id is None], tie=tie_share(pool.meter))
    # Python's scores wait for its references. Another language's ES ranks its accepted programs
    # among themselves from the first one (Beyond and DPS wait for references in that language).
    es_from_day_one = fingerprint_language(pool.environment) != "PY3"
    moved: list[tuple[float | None, ...]] = []  # the new scores, then the submission id
    moved_ids: list[int] = []
    for row in rows:
        # Without calibrated references there is nothing to score against yet: the scores stay
        # empty ("pending") rather than ranking the accepted solutions only among themselves.
        scores = (
            scorer.scores(row.cost, outside=row.campaign_id is not None)
            if references or es_from_day_one
            else dict.fromkeys(SCORE_FIELDS)
        )
        if any(getattr(row, name) != scores[name] for name in SCORE_FIELDS):
            moved.append((*(scores[name] for name in SCORE_FIELDS), row.id))
            moved_ids.append(row.id)
    if not moved:
        return 0
    # One prepared UPDATE for every moved row: ORM bulk_update compiles a CASE WHEN expression
    # per row and field, ~50 ms of Python for 60 rows (bench/leaderboard.py), against ~1 ms.
    table = Submission._meta.db_table
    assignments = ", ".join(f"{name} = %s" for name in SCORE_FIELDS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                moved,
            )
        counted = Submission.objects.filter(pk=OuterRef("submission_id"))
        Standing.objects.filter(problem_id=problem_id, solved=True, submission_id__in=moved_ids).update(
            **{name: Subquery(counted.values(name)[:1]) for name in ("es", "beyond", "dps")}
        )
    return len(moved)
