"""The open-data repository: export public problems, their tests and references, and accepted
submissions with their measured cost, as JSONL and Parquet. Importing such an export elsewhere
is ingest: arena/ingest/open_data.py.

Participants are pseudonymous unless they opted in (``Participant.open_data_opt_in``): the
pseudonym is an HMAC of their id under the instance's secret, so it is stable from one export to
the next yet cannot be reversed by enumerating ids. A non-opted-in participant's source is
withheld when it contains their name or username, since a comment can sign a program.

Performance inputs — the inputs accepted submissions' costs are measured on — are never
exported: they are drawn from a per-deployment secret (arena/services/performance.py) so that
nobody can answer them from a table. An export says how many a problem has and at what
generator scale; an instance importing it draws its own, from its own secret.

The tables and every column are declared once (``arena/ingest/open_data_tables.py``): the
writers, the reader and the README shipped in each export all come from that declaration, so the
documentation cannot drift from the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from arena.ingest.open_data_tables import FORMAT_VERSION, TABLES, ColumnType, Table
from arena.models import Participant, Problem, ReferenceCost, ReferenceSolution, Submission, TestCase

FORMATS = ("jsonl", "parquet")

_ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "json": pa.string(),  # JSON text: inputs and outputs have no fixed shape across problems
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}


def _arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type], nullable=c.nullable) for c in table.columns])


def participant_pseudonym(participant: Participant) -> str:
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"open-data:participant:{participant.pk}".encode(), hashlib.sha256).hexdigest()
    return f"participant-{digest[:16]}"


def _submission_pseudonym(submission_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return (
        "submission-" + hmac.new(key, f"open-data:submission:{submission_id}".encode(), hashlib.sha256).hexdigest()[:16]
    )


def _names_of(participant: Participant) -> list[str]:
    names = {participant.display_name, participant.user.get_username()}
    return [n for n in names if len(n.strip()) >= 3]


def _mentions(text: str, names: list[str]) -> bool:
    lowered = text.lower()
    return any(name.lower() in lowered for name in names)


def open_data_problems(*, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    labels: dict[int, list[str]] = defaultdict(list)
    for problem_id, label in ReferenceSolution.objects.filter(problem__in=problems).values_list("problem_id", "label"):
        labels[problem_id].append(label)
    perf_counts = dict(
        TestCase.objects.filter(problem__in=problems, kind=TestCase.Kind.PERFORMANCE)
        .values("problem_id")
        .annotate(n=Count("id"))
        .values_list("problem_id", "n")
    )
    for p in problems:
        yield {
            "code": p.code,
            "title": p.title,
            "statement": p.statement,
            "difficulty": p.difficulty,
            "points": p.points,
            "published_at": p.published_at,
            "tags": p.tags,
            "time_limit_ms": p.time_limit_ms,
            "memory_limit_kb": p.memory_limit_kb,
            "signature": p.signature,
            "starter_code": p.starter_code,
            "checker": p.checker,
            "checker_source": p.checker_source,
            "float_tolerance": p.float_tolerance,
            "generator_source": p.generator_source,
            "perf_scale": p.perf_scale,
            "perf_count": perf_counts.get(p.pk, 0),
            "origin": p.origin,
            "origin_id": p.origin_id,
            "reference_labels": labels[p.pk],
        }


def open_data_tests(*, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    cases = (
        TestCase.objects.filter(problem__in=problems)
        .exclude(kind=TestCase.Kind.PERFORMANCE)  # secret while in use: see the module docstring
        .select_related("problem")
        .order_by("problem__code", "ordinal")
    )
    for case in cases.iterator():
        yield {
            "problem": case.problem.code,
            "ordinal": case.ordinal,
            "kind": case.kind,
            "input": case.input,
            "expected": case.expected,
        }


def open_data_references(*, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    costs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for cost in ReferenceCost.objects.filter(reference__problem__in=problems).order_by("host", "meter"):
        costs[cost.reference_id].append(
            {
                "host": cost.host,
                "meter": cost.meter,
                "unit": cost.unit,
                "cost": cost.cost,
                "samples": cost.samples,
                "cluster": cost.cluster,
                "cumulative_share": cost.cumulative_share,
                "environment": cost.environment,
                "measured_at": cost.measured_at.isoformat(),
            }
        )
    references = ReferenceSolution.objects.filter(problem__in=problems).select_related("problem")
    for ref in references.order_by("problem__code", "id"):
        yield {
            "problem": ref.problem.code,
            "label": ref.label,
            "language": ref.language,
            "source": ref.source,
            "is_canonical": ref.is_canonical,
            "costs": costs[ref.pk],
        }


def open_data_submissions(*, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    accepted = (
        Submission.objects.filter(problem__in=problems, status=Submission.Status.DONE, verdict=Submission.Verdict.AC)
        .select_related("problem", "participant__user")
        .order_by("id")
    )
    for s in accepted.iterator():
        participant = s.participant
        source: str | None = s.source
        if participant.open_data_opt_in:
            name = participant.display_name
        else:
            name = participant_pseudonym(participant)
            if _mentions(s.source, _names_of(participant)):
                source = None
        yield {
            "submission": _submission_pseudonym(s.pk),
            "problem": s.problem.code,
            "participant": name,
            "participant_kind": participant.kind,
            "language": s.language,
            "source": source,
            "verdict": s.verdict,
            "time_ms": s.time_ms,
            "memory_kb": s.memory_kb,
            "cost": s.cost,
            "cost_unit": s.cost_unit,
            "cost_meter": s.cost_meter,
            "judge_host": s.judge_host,
            "beyond": s.beyond,
            "dps": s.dps,
            "dps_norm": s.dps_norm,
            "es": s.es,
            "submitted_on": s.created_at.astimezone(dt.UTC).date(),
        }


def _jsonl_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _write_table(table: Table, rows: list[dict[str, Any]], out_dir: Path, formats: tuple[str, ...]) -> None:
    if "jsonl" in formats:
        with (out_dir / f"{table.name}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps({k: _jsonl_value(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
    if "parquet" in formats:
        json_columns = [c.name for c in table.columns if c.type == "json"]
        arrow_rows = [{**row, **{c: json.dumps(row[c], ensure_ascii=False) for c in json_columns}} for row in rows]
        pq.write_table(pa.Table.from_pylist(arrow_rows, schema=_arrow_schema(table)), out_dir / f"{table.name}.parquet")


def open_data_readme(*, counts: dict[str, int], formats: tuple[str, ...], exported_at: dt.datetime) -> str:
    lines = [
        "# CodeArena open data",
        "",
        f"Exported {exported_at:%Y-%m-%d %H:%M} UTC (format version {FORMAT_VERSION}). "
        f"Files: {', '.join(f'`<table>.{f}`' for f in formats)} for each table below.",
        "",
        "* **JSONL**: one JSON object per line; `json` columns hold JSON values, timestamps and dates ISO 8601.",
        "* **Parquet**: one file per table; `json` columns are strings holding JSON text (test inputs and outputs "
        "have no fixed shape across problems), timestamps are UTC microseconds, dates are `date32`.",
        "* Only public problems are exported, and only accepted submissions to them.",
        "* Participants appear under their display name only if they opted in to open data; otherwise under a "
        "stable pseudonym `participant-<hash>` (an HMAC of their id under this instance's secret). Their source "
        "is withheld (null) when it contains their name. No e-mail, username or account id is exported.",
        "* Costs are comparable only within one `judge_host` and `cost_meter`: efficiency is measured relative to "
        "the references on the same machine.",
        "* **Performance inputs are secret.** The inputs costs are measured on, and their expected outputs, are not "
        "in `tests`: they are drawn from a secret of the exporting instance and rotated when they may have leaked, "
        "so that nobody can answer them from a table. `problems` gives their number (`perf_count`) and generator "
        "scale (`perf_scale`); the costs in `references` and `submissions` were measured on them.",
        "* `manage.py import_open_data <dir>` loads the problems, tests and references into another CodeArena, "
        "which draws its own secret performance inputs from each problem's generator.",
        "",
    ]
    for table in TABLES:
        lines += [f"## {table.name} ({counts.get(table.name, 0)} rows)", "", table.description, ""]
        lines += ["| field | type | description |", "|---|---|---|"]
        for column in table.columns:
            kind = column.type + (" or null" if column.nullable else "")
            lines.append(f"| `{column.name}` | {kind} | {column.description.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def open_data_export(*, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> dict[str, int]:
    """Write every table in ``formats`` plus README.md into ``out_dir``. Returns row counts."""
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    problems = list(Problem.objects.filter(is_public=True).order_by("code"))
    producers = {
        "problems": open_data_problems,
        "tests": open_data_tests,
        "references": open_data_references,
        "submissions": open_data_submissions,
    }
    counts: dict[str, int] = {}
    for table in TABLES:
        rows = list(producers[table.name](problems=problems))
        _write_table(table, rows, out_dir, formats)
        counts[table.name] = len(rows)
    exported_at = timezone.now().astimezone(dt.UTC)
    (out_dir / "README.md").write_text(open_data_readme(counts=counts, formats=formats, exported_at=exported_at))
    return counts
