"""What every source turns a problem into before it is saved, the errors on the way, and the
per-record outcomes the import commands and the admin report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from arena.models import Problem

# Part of every import digest: bump it when an importer's output for the same record changes,
# so a re-run refreshes problems imported by the older logic instead of calling them unchanged.
IMPORTER_VERSION = "2"  # 2: performance inputs drawn from secret seeds

Status = Literal["imported", "updated", "unchanged", "skipped"]


class IngestError(Exception):
    """A source cannot become (or replace) a problem; the message says why and is shown as is."""


class ImportSkip(IngestError):
    """This dataset record cannot become a problem (shown in the import summary)."""


@dataclass
class CaseRow:
    kind: str  # sample | hidden | performance
    args: list[Any]
    expected: Any
    ordinal: int | None = None  # kept when the source has its own numbering (open data)


@dataclass
class ReferenceRow:
    label: str
    source: str
    is_canonical: bool = False
    language: str = "PY3"


@dataclass
class ProblemSpec:
    """Everything a problem row, its cases and its references are made of.

    ``origin_id`` is the record's id in its dataset; bank folders have none (``""``) and are
    known by their code. The last three fields say how a save treats what curators decide on
    the site (``arena/ingest/save.py``).
    """

    origin: str
    origin_id: str
    code: str
    title: str
    statement: str
    difficulty: str
    points: float
    published_at: dt.datetime
    signature: dict[str, Any]
    starter_code: dict[str, str]
    cases: list[CaseRow]
    references: list[ReferenceRow]
    digest: str  # stored in Problem.bank_hash: an unchanged source is skipped without sandbox work
    tags: list[str] = field(default_factory=list)
    time_limit_ms: int = 2000
    memory_limit_kb: int = 256 * 1024
    checker: str = Problem.Checker.EXACT
    checker_source: str = ""
    float_tolerance: float = 1e-6
    generator_source: str = ""
    perf_scale: int = 0
    # None: the source does not say (datasets); the site's setting stays, a new problem gets the default.
    hidden_feedback: str | None = None
    # True when the source states the release date (a bank folder's problem.toml): every save
    # applies it. False when it is only a bound (a dataset's publication): the site's date wins
    # after the first save.
    release_date_stated: bool = False
    # Saved unpublished, new or not: it must pass the validating Publish action (an admin upload).
    unpublished: bool = False


@dataclass
class ImportOutcome:
    key: str  # the record's id in its dataset (slug, task id, code, folder name)
    status: Status
    code: str = ""
    reason: str = ""
    cases: int = 0
    references: int = 0
    notes: list[str] = field(default_factory=list)

    STATUSES: ClassVar[tuple[Status, ...]] = ("imported", "updated", "unchanged", "skipped")


def record_digest(record: Any, *, origin: str) -> str:
    """Stable hash of a dataset record (stored in ``Problem.bank_hash``) to skip unchanged re-imports."""
    payload = json.dumps(record, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(f"{origin}:{IMPORTER_VERSION}:{payload}".encode()).hexdigest()


def outcomes_summary(outcomes: list[ImportOutcome]) -> str:
    """The summary table the import commands print: one row per record, then the counts."""
    from arena.management.progress import table

    rows = [
        (o.key, o.code, o.status, o.cases or "", o.references or "", o.reason or ("; ".join(o.notes)[:100]))
        for o in outcomes
    ]
    counts = {status: sum(o.status == status for o in outcomes) for status in ImportOutcome.STATUSES}
    totals = ", ".join(f"{n} {status}" for status, n in counts.items())
    return table(("record", "code", "status", "cases", "refs", "reason / notes"), rows) + f"\n{totals}"
