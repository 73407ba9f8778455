"""Import the problems, tests and references of an open-data export (origin "open-data").

An export is another instance's data, so it is treated as a dataset: each canonical reference
is re-run in the sandbox and must reproduce the exported expected outputs, code that would run
outside the jail (a generator, a custom checker) is kept only with ``trust_code``, and the
performance inputs — never exported — are drawn here from this deployment's secret.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from arena.ingest.open_data_tables import TABLE_BY_NAME
from arena.ingest.sandbox import performance_inputs_in_jail, sandbox_run
from arena.ingest.save import problem_find, problem_save
from arena.ingest.spec import (
    CaseRow,
    ImportOutcome,
    ImportSkip,
    IngestError,
    ProblemSpec,
    ReferenceRow,
    record_digest,
)
from arena.models import Problem, TestCase
from judge.grading import outputs_match
from judge.languages import LANGUAGES
from judge.protocol import CheckerSpec

ORIGIN = "open-data"
MAX_PERF_COUNT = 16  # performance inputs an import draws for one problem


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
    existing = problem_find(origin=ORIGIN, origin_id=code, code=code)
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
        # The Python canonical defines the outputs; other languages' canonicals are its translations.
        canonical = [r for r in references if r["is_canonical"] and r.get("language", "PY3") == "PY3"]
        unknown = {str(r.get("language")) for r in references if r.get("language", "PY3") not in LANGUAGES}
        if unknown:
            raise ImportSkip(f"references in unknown languages: {', '.join(sorted(unknown))}")
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
        spec = ProblemSpec(
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
            references=[
                ReferenceRow(r["label"], r["source"], bool(r["is_canonical"]), str(r.get("language") or "PY3"))
                for r in references
            ],
            digest=digest,
        )
        problem, created = problem_save(spec=spec)
    except IngestError as exc:
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
