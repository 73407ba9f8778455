"""The open-data repository: export public problems, their tests and references, and accepted
submissions with their measured cost, as JSONL and Parquet; import such an export elsewhere.

Participants are pseudonymous unless they opted in (``Participant.open_data_opt_in``): the
pseudonym is an HMAC of their id under the instance's secret, so it is stable from one export to
the next yet cannot be reversed by enumerating ids. A non-opted-in participant's source is
withheld when it contains their name or username, since a comment can sign a program.

Performance inputs — the inputs accepted submissions' costs are measured on — are never
exported: they are drawn from a per-deployment secret (arena/services/performance.py) so that
nobody can answer them from a table. An export says how many a problem has and at what
generator scale; an instance importing it draws its own, from its own secret.

The tables and every column are declared once (``TABLES``): the writers, the reader and the
README shipped in each export all come from that declaration, so the documentation cannot drift
from the files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from arena.importers import (
    CaseRow,
    ImportedProblem,
    ImportOutcome,
    ImportSkip,
    ReferenceRow,
    imported_problem_find,
    imported_problem_save,
    performance_inputs_in_jail,
    record_digest,
    sandbox_run,
)
from arena.models import Participant, Problem, ReferenceCost, ReferenceSolution, Submission, TestCase
from judge.grading import outputs_match
from judge.protocol import CheckerSpec

ORIGIN = "open-data"
FORMAT_VERSION = "2"  # 2: performance inputs are no longer exported; problems carry perf_count
FORMATS = ("jsonl", "parquet")
MAX_PERF_COUNT = 16  # performance inputs an import draws for one problem

ColumnType = Literal["string", "int", "float", "bool", "json", "timestamp", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]


TABLES: tuple[Table, ...] = (
    Table(
        "problems",
        "One row per public problem.",
        (
            Column("code", "string", "Stable identifier (slug); other tables refer to problems by it."),
            Column("title", "string", "Display title."),
            Column("statement", "string", "Problem statement in Markdown (rendered and sanitised on the site)."),
            Column("difficulty", "string", "easy, medium or hard."),
            Column("points", "float", "Base points P, shared by everyone who solves it (Dynamic Points)."),
            Column("published_at", "timestamp", "Release date (UTC): drives contamination windows."),
            Column("tags", "json", "List of topic tags."),
            Column("time_limit_ms", "int", "CPU time limit per test case, in milliseconds."),
            Column("memory_limit_kb", "int", "Memory limit, in KiB."),
            Column(
                "signature",
                "json",
                'Call signature: {"style": "class"|"function", "name", "params": [{"name", "type"}], "returns"}. '
                "Class style calls Solution().<name>(...); ListNode/TreeNode arguments and results are "
                "LeetCode-style level-order arrays.",
            ),
            Column("starter_code", "json", "Object: language key (e.g. PY3) to starter source."),
            Column("checker", "string", "How outputs compare: exact, float, unordered or custom."),
            Column(
                "checker_source", "string", "For checker = custom: Python defining evaluate(args, output, expected)."
            ),
            Column("float_tolerance", "float", "Relative and absolute tolerance of the float checker."),
            Column(
                "generator_source", "string", "Python defining generate(rng, scale) -> list of arguments; may be empty."
            ),
            Column("perf_scale", "int", "Generator scale of the performance inputs (0 = not from a scaled generator)."),
            Column(
                "perf_count",
                "int",
                "How many performance inputs it has. The inputs are secret and not exported: an importing instance "
                "draws its own from the generator at perf_scale.",
            ),
            Column(
                "origin", "string", "Where the exporting instance got it: bank, admin, mercury, humaneval, open-data."
            ),
            Column("origin_id", "string", "Its id at that origin (e.g. HumanEval/0); empty for the bank."),
            Column("reference_labels", "json", "Labels of its reference solutions (full rows in references)."),
        ),
    ),
    Table(
        "tests",
        "One row per sample or hidden test case. Expected outputs come from the canonical reference solution. "
        "Performance inputs (what cost is measured on) and their outputs are secret and not exported.",
        (
            Column("problem", "string", "Problem code."),
            Column("ordinal", "int", "Position of the case within its problem (cases run in this order)."),
            Column("kind", "string", "sample (shown in the statement) or hidden."),
            Column("input", "json", "List of positional arguments."),
            Column("expected", "json", "Expected return value, as JSON.", nullable=True),
        ),
    ),
    Table(
        "references",
        "One row per reference solution: the yardsticks of the efficiency scores.",
        (
            Column("problem", "string", "Problem code."),
            Column(
                "label", "string", 'Human-readable label, e.g. "O(n^2) brute force" or "Mercury solution 3 (56ms)".'
            ),
            Column("source", "string", "Python source."),
            Column("is_canonical", "bool", "True for the solution whose outputs are the expected outputs."),
            Column(
                "costs",
                "json",
                "Its measured costs, one object per judge host and meter: host, meter, unit, cost, samples "
                "(every repeat), cluster (0 = slowest), cumulative_share (DPS), environment, measured_at.",
            ),
        ),
    ),
    Table(
        "submissions",
        "One row per accepted submission to a public problem.",
        (
            Column("submission", "string", "Pseudonymous id of the submission, stable across exports."),
            Column("problem", "string", "Problem code."),
            Column(
                "participant",
                "string",
                "The participant's display name if they opted in to open data, else a stable pseudonym "
                '"participant-<hash>".',
            ),
            Column("participant_kind", "string", "human or model."),
            Column("language", "string", "Language key, e.g. PY3."),
            Column(
                "source",
                "string",
                "The accepted program; null when withheld because it contains the name of a participant who "
                "did not opt in.",
                nullable=True,
            ),
            Column("verdict", "string", "Always AC in this table."),
            Column("time_ms", "float", "Sum of per-case wall times measured by the harness, ms.", nullable=True),
            Column("memory_kb", "int", "Peak resident memory of the run, KiB.", nullable=True),
            Column("cost", "float", "Cost on the performance inputs (median of repeats).", nullable=True),
            Column("cost_unit", "string", "Unit of cost, e.g. ms or instructions."),
            Column("cost_meter", "string", "Meter that measured it: cpu, instructions or valgrind."),
            Column(
                "judge_host", "string", "Judge host that measured it; compare costs only within one host and meter."
            ),
            Column("beyond", "float", "Beyond score in [0, 1] against the references on that host.", nullable=True),
            Column("dps", "float", "DPS score in [0, 1] (cumulative share of the matched cluster).", nullable=True),
            Column("dps_norm", "float", "DPS_norm in [0, 1] ((j+1)/m for the matched cluster j).", nullable=True),
            Column("es", "float", "Efficiency share in [0, 1] among all accepted solutions.", nullable=True),
            Column("submitted_on", "date", "Day the submission was made (UTC)."),
        ),
    ),
)
TABLE_BY_NAME = {table.name: table for table in TABLES}
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


# --- export ---------------------------------------------------------------------------------


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


# --- import ---------------------------------------------------------------------------------


def open_data_read(*, directory: Path, table: str) -> list[dict[str, Any]]:
    """A table of an export as rows of plain values (JSONL preferred, else Parquet)."""
    spec = TABLE_BY_NAME[table]
    jsonl, parquet = directory / f"{table}.jsonl", directory / f"{table}.parquet"
    if jsonl.exists():
        with jsonl.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    elif parquet.exists():
        json_columns = {c.name for c in spec.columns if c.type == "json"}
        rows = [
            {k: json.loads(v) if k in json_columns and isinstance(v, str) else v for k, v in row.items()}
            for row in pq.read_table(parquet).to_pylist()
        ]
    else:
        raise FileNotFoundError(f"{directory} has neither {jsonl.name} nor {parquet.name}")
    required = {c.name for c in spec.columns}
    # Both formats read back identically: timestamps and dates as ISO strings, as in JSONL.
    dated = [c.name for c in spec.columns if c.type in ("timestamp", "date")]
    for number, row in enumerate(rows, start=1):
        missing = required - set(row)
        if missing:
            raise ValueError(f"{table} row {number} lacks {', '.join(sorted(missing))}")
        for name in dated:
            if isinstance(row[name], dt.date):
                row[name] = (_timestamp(row[name]) if isinstance(row[name], dt.datetime) else row[name]).isoformat()
    return rows


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def open_data_import(
    *, directory: Path, verify: bool = True, trust_code: bool = False, force: bool = False
) -> list[ImportOutcome]:
    """Import the problems, tests and references of an export (origin "open-data").

    ``verify`` re-runs each canonical reference in the sandbox and requires it to reproduce the
    exported expected outputs. Code that would run outside the jail — generators, custom
    checkers — comes only with ``trust_code``: without it generators are dropped and problems
    with a custom checker are skipped.
    """
    problems = open_data_read(directory=directory, table="problems")
    tests: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in open_data_read(directory=directory, table="tests"):
        tests[row["problem"]].append(row)
    references: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in open_data_read(directory=directory, table="references"):
        references[row["problem"]].append(row)
    return [
        _import_problem(
            row, tests[row["code"]], references[row["code"]], verify=verify, trust_code=trust_code, force=force
        )
        for row in problems
    ]


def _import_problem(
    row: dict[str, Any],
    tests: list[dict[str, Any]],
    references: list[dict[str, Any]],
    *,
    verify: bool,
    trust_code: bool,
    force: bool,
) -> ImportOutcome:
    code = str(row["code"])
    digest = record_digest(
        {"problem": row, "tests": tests, "references": references, "trust": trust_code}, origin=ORIGIN
    )
    existing = imported_problem_find(origin=ORIGIN, origin_id=code)
    if existing is not None and existing.bank_hash == digest and not force:
        return ImportOutcome(code, "unchanged", code=code, cases=len(tests), references=len(references))
    notes: list[str] = []
    try:
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", code):
            raise ImportSkip("code is not a slug")
        if row["checker"] == Problem.Checker.CUSTOM and not trust_code:
            raise ImportSkip("custom checker runs outside the jail; import with --trust-code to accept it")
        if row["difficulty"] not in Problem.Difficulty.values or row["checker"] not in Problem.Checker.values:
            raise ImportSkip(f"unknown difficulty {row['difficulty']!r} or checker {row['checker']!r}")
        canonical = [r for r in references if r["is_canonical"]]
        if len(canonical) != 1:
            raise ImportSkip(f"needs exactly one canonical reference, has {len(canonical)}")
        cases = [
            CaseRow(kind=t["kind"], args=t["input"], expected=t["expected"], ordinal=int(t["ordinal"]))
            for t in sorted(tests, key=lambda t: int(t["ordinal"]))
        ]
        published = [c for c in cases if c.kind == TestCase.Kind.PERFORMANCE]
        if published:
            # Inputs anyone can read are no measure of efficiency: ours are drawn below instead.
            notes.append(f"{len(published)} exported performance input(s) ignored: they are public")
            cases = [c for c in cases if c.kind != TestCase.Kind.PERFORMANCE]
        if not cases or any(c.kind not in TestCase.Kind.values or not isinstance(c.args, list) for c in cases):
            raise ImportSkip("no test cases, or a case with an unknown kind or non-list input")
        checker = CheckerSpec(
            kind=row["checker"], float_tolerance=float(row["float_tolerance"]), source=row["checker_source"] or ""
        )
        if verify:
            _verify_expected(canonical[0]["source"], row["signature"], cases, checker, int(row["time_limit_ms"]))
        generator = str(row["generator_source"] or "")
        perf_scale, perf_count = int(row["perf_scale"] or 0), int(row["perf_count"] or 0)
        if not 0 <= perf_count <= MAX_PERF_COUNT:
            raise ImportSkip(f"perf_count {perf_count} is outside 0..{MAX_PERF_COUNT}")
        generation = existing.perf_generation if existing is not None else 1
        if generator and perf_count:
            perf_cases, perf_notes = _performance_cases(
                code=code,
                generation=generation,
                generator=generator,
                scale=perf_scale,
                count=perf_count,
                canonical_source=canonical[0]["source"],
                signature=row["signature"],
                time_limit_ms=int(row["time_limit_ms"]),
                after=max(c.ordinal or 0 for c in cases),
            )
            cases += perf_cases
            notes += perf_notes
        elif perf_count:
            notes.append(f"{perf_count} performance input(s) not drawn: the export has no generator")
        has_perf = any(c.kind == TestCase.Kind.PERFORMANCE for c in cases)
        if generator and not trust_code:
            notes.append("generator dropped (runs outside the jail; import with --trust-code to keep it)")
            generator = ""
        spec = ImportedProblem(
            origin=ORIGIN,
            origin_id=code,
            code=code,
            title=str(row["title"]),
            statement=str(row["statement"]),
            difficulty=row["difficulty"],
            points=float(row["points"]),
            published_at=_timestamp(row["published_at"]),
            tags=list(row["tags"] or []),
            time_limit_ms=int(row["time_limit_ms"]),
            memory_limit_kb=int(row["memory_limit_kb"]),
            signature=row["signature"],
            starter_code=row["starter_code"] or {},
            checker=row["checker"],
            checker_source=row["checker_source"] or "",
            float_tolerance=float(row["float_tolerance"]),
            generator_source=generator,
            perf_scale=perf_scale if generator or has_perf else 0,
            cases=cases,
            references=[ReferenceRow(r["label"], r["source"], bool(r["is_canonical"])) for r in references],
            digest=digest,
        )
        problem, created = imported_problem_save(spec=spec)
    except ImportSkip as exc:
        return ImportOutcome(code, "skipped", code=code, reason=str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return ImportOutcome(code, "skipped", code=code, reason=f"malformed row: {type(exc).__name__}: {exc}")
    return ImportOutcome(
        code,
        "imported" if created else "updated",
        code=problem.code,
        cases=len(cases),
        references=len(references),
        notes=notes,
    )


def _verify_expected(
    source: str, signature: dict[str, Any], cases: list[CaseRow], checker: CheckerSpec, time_limit_ms: int
) -> None:
    results = sandbox_run(
        source=source, signature=signature, inputs=[c.args for c in cases], time_limit_ms=time_limit_ms
    )
    for case, result in zip(cases, results):
        if not result.ok:
            raise ImportSkip(f"canonical reference fails on case {case.ordinal}: {result.error}")
        if not outputs_match(checker, case.args, result.output, case.expected):
            raise ImportSkip(f"canonical reference does not reproduce the expected output of case {case.ordinal}")


def _performance_cases(
    *,
    code: str,
    generation: int,
    generator: str,
    scale: int,
    count: int,
    canonical_source: str,
    signature: dict[str, Any],
    time_limit_ms: int,
    after: int,
) -> tuple[list[CaseRow], list[str]]:
    """This instance's own secret performance inputs, numbered after ``after``: drawn from the
    exported generator in the sandbox (it is dataset code, trusted or not), answered by the
    canonical reference there. Returns them and notes on the draws that failed."""
    inputs, problems = performance_inputs_in_jail(
        generator_source=generator,
        problem_code=code,
        generation=generation,
        scale=scale,
        count=count,
        arity=len(signature["params"]),
    )
    notes = problems[:3]
    if not inputs:
        return [], [*notes, "no performance inputs could be drawn: scored on correctness only"]
    results = sandbox_run(source=canonical_source, signature=signature, inputs=inputs, time_limit_ms=time_limit_ms)
    for number, result in enumerate(results, start=1):
        if not result.ok:
            raise ImportSkip(f"canonical reference fails on performance input {number}: {result.error}")
    cases = [
        CaseRow(kind=TestCase.Kind.PERFORMANCE, args=args, expected=result.output, ordinal=after + i)
        for i, (args, result) in enumerate(zip(inputs, results), start=1)
    ]
    return cases, notes
