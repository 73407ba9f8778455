"""Keep Standing rows in step with verdicts: incrementally per verdict, or rebuilt in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from arena.models import Participant, Standing, Submission

_FIELDS = ("id", "participant_id", "problem_id", "verdict", "language", "es", "beyond", "dps")


class _Judged(NamedTuple):
    id: int
    participant_id: int
    problem_id: int
    verdict: str
    language: str
    es: float | None
    beyond: float | None
    dps: float | None


def _judged() -> object:
    return (
        Submission.objects.filter(status=Submission.Status.DONE, campaign__isnull=True)
        .exclude(verdict__in=["", Submission.Verdict.IE])
        .order_by("id")
        .values_list(*_FIELDS)
    )


def _counted(kind: str, submissions: Iterable[_Judged]) -> tuple[_Judged | None, int]:
    """The submission that counts, and the number of judged attempts (submissions ordered by id).

    A model's first judged submission counts (pass@1); a human's accepted one with the best ES.
    """
    counted: _Judged | None = None
    attempts = 0
    for sub in submissions:
        attempts += 1
        if kind == Participant.Kind.MODEL:
            counted = counted or sub
        elif sub.verdict == Submission.Verdict.AC and (counted is None or (sub.es or 0) > (counted.es or 0)):
            counted = sub
    return counted, attempts


def _fields(counted: _Judged | None, attempts: int) -> dict[str, object]:
    solved = counted is not None and counted.verdict == Submission.Verdict.AC
    return {
        "submission_id": counted.id if counted else None,
        "solved": solved,
        "language": counted.language if counted else "",
        "es": counted.es if solved and counted else None,
        "beyond": counted.beyond if solved and counted else None,
        "dps": counted.dps if solved and counted else None,
        "attempts": attempts,
        "updated_at": timezone.now(),
    }


def standing_update(*, participant_id: int, problem_id: int) -> Standing:
    """Recompute one participant's standing on one problem (a verdict arrived): one small query."""
    kind = Participant.objects.values_list("kind", flat=True).get(id=participant_id)
    rows = _judged().filter(participant_id=participant_id, problem_id=problem_id)  # type: ignore[attr-defined]
    counted, attempts = _counted(kind, (_Judged(*row) for row in rows))
    standing, _ = Standing.objects.update_or_create(
        participant_id=participant_id, problem_id=problem_id, defaults=_fields(counted, attempts)
    )
    return standing


@transaction.atomic
def standings_rebuild() -> int:
    """Full recompute from every judged submission in one scan; returns the number of rows."""
    kinds = dict(Participant.objects.values_list("id", "kind"))
    grouped: dict[tuple[int, int], list[_Judged]] = {}
    for row in _judged().iterator(chunk_size=10_000):  # type: ignore[attr-defined]
        sub = _Judged(*row)
        grouped.setdefault((sub.participant_id, sub.problem_id), []).append(sub)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for (participant_id, problem_id), subs in grouped.items():
        counted, attempts = _counted(kinds[participant_id], subs)
        f = _fields(counted, attempts)
        rows.append((participant_id, problem_id, f["submission_id"], f["solved"], f["language"], f["es"],
                     f["beyond"], f["dps"], attempts, now))  # fmt: skip
    Standing.objects.all().delete()
    # One prepared INSERT for every row: ORM bulk_create spends most of its time adapting each
    # field of each object, which dominates a full rebuild.
    table = Standing._meta.db_table
    columns = "participant_id, problem_id, submission_id, solved, language, es, beyond, dps, attempts, updated_at"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows[start : start + 5000],  # type: ignore[arg-type]
            )
    return len(rows)
