"""Importers bring problems from public datasets (Mercury, HumanEval, our own open-data exports).

Everything they take from a dataset is untrusted: solutions, generators and tests run only in
the sandbox while importing, expected outputs come from the canonical reference run there, and
code that the platform would later run *outside* the jail (a generator, a custom checker) is
kept only when the curator says ``trust_code``. This module holds what the importers share:
the sandbox helper, the value normalisation the harness applies, and the idempotent upsert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from django.db import transaction

from arena.models import Problem, ReferenceSolution, TestCase
from arena.services.performance import performance_seed
from judge.reference import ReferenceAnswer, run_reference

# Part of every import digest: bump it when an importer's output for the same record changes,
# so a re-run refreshes problems imported by the older logic instead of calling them unchanged.
IMPORTER_VERSION = "2"  # 2: performance inputs drawn from secret seeds
GENERATOR_TIME_MS = 2000  # per draw, times GENEROUS_FACTOR

Status = Literal["imported", "updated", "unchanged", "skipped"]


class ImportSkip(Exception):
    """This record cannot become a problem; the message says why (shown in the summary)."""


@dataclass
class ImportOutcome:
    key: str  # the record's id in its dataset (slug, task id, code)
    status: Status
    code: str = ""
    reason: str = ""
    cases: int = 0
    references: int = 0
    notes: list[str] = field(default_factory=list)

    STATUSES: ClassVar[tuple[Status, ...]] = ("imported", "updated", "unchanged", "skipped")


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


@dataclass
class ImportedProblem:
    """Everything a problem row, its cases and its references are made of."""

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
    digest: str
    tags: list[str] = field(default_factory=list)
    time_limit_ms: int = 2000
    memory_limit_kb: int = 256 * 1024
    checker: str = Problem.Checker.EXACT
    checker_source: str = ""
    float_tolerance: float = 1e-6
    generator_source: str = ""
    perf_scale: int = 0


# One input's outcome in a reference run: its output, or why there is none.
RunResult = ReferenceAnswer


def record_digest(record: Any, *, origin: str) -> str:
    """Stable hash of a dataset record (stored in ``Problem.bank_hash``) to skip unchanged re-imports."""
    payload = json.dumps(record, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(f"{origin}:{IMPORTER_VERSION}:{payload}".encode()).hexdigest()


def plain(value: Any) -> Any:
    """A Python value as the harness would send it back: what an expected output must look like.

    Mirrors ``_plain`` in judge/harness/harness.py (tuples become lists, dict keys strings, sets
    sorted lists, non-finite floats their repr), so a literal from a dataset compares with a
    sandbox output on equal terms.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    raise ImportSkip(f"a value of type {type(value).__name__} has no JSON form")


def json_argument(value: Any) -> tuple[Any, bool]:
    """An input argument as JSON. Returns (value, changed): tuples become lists (changed=True);
    anything JSON cannot carry faithfully (sets, non-string dict keys, bytes, NaN) is refused."""
    if value is None or isinstance(value, bool | int | str):
        return value, False
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ImportSkip(f"input {value!r} is not a finite number, which JSON cannot carry")
        return value, False
    if isinstance(value, list | tuple):
        items = [json_argument(v) for v in value]
        return [v for v, _ in items], isinstance(value, tuple) or any(c for _, c in items)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ImportSkip(f"input dict {_short(value)} has non-string keys, which JSON turns into strings")
        entries = {k: json_argument(v) for k, v in value.items()}
        return {k: v for k, (v, _) in entries.items()}, any(c for _, c in entries.values())
    raise ImportSkip(f"input {_short(value)} ({type(value).__name__}) has no JSON form")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sandbox_run(
    *, source: str, signature: dict[str, Any], inputs: list[list[Any]], time_limit_ms: int
) -> list[RunResult]:
    """Run a dataset solution on every input in ONE jail (generous limits) and report each input.

    Raises ImportSkip when the source does not even load. Inputs the run never reached (after a
    time-out, a crash of the interpreter) come back as failures, never as silence.
    """
    run = run_reference(source=source, signature=signature, inputs=inputs, time_limit_ms=time_limit_ms)
    if run.load_error:
        raise ImportSkip(f"does not load: {run.load_error[:200]}")
    return run.answers


GENERATOR_ENTRY = "__codearena_generate"


def performance_inputs_in_jail(
    *, generator_source: str, problem_code: str, generation: int, scale: int, count: int, arity: int
) -> tuple[list[list[Any]], list[str]]:
    """Draw ``count`` performance inputs from a dataset's ``generate(rng, scale)`` in the sandbox,
    seeded secretly (``performance_seed``). Returns the inputs that are lists of ``arity``
    arguments and, for each draw that is not, why."""
    runner = generator_source + (
        f"\n\ndef {GENERATOR_ENTRY}(seed, scale):\n    import random\n    return generate(random.Random(seed), scale)\n"
    )
    signature = {
        "style": "function",
        "name": GENERATOR_ENTRY,
        "params": [{"name": "seed", "type": "int"}, {"name": "scale", "type": "int"}],
    }
    seeds = [
        performance_seed(problem_code=problem_code, generation=generation, index=i, scale=scale) for i in range(count)
    ]
    results = sandbox_run(
        source=runner, signature=signature, inputs=[[seed, scale] for seed in seeds], time_limit_ms=GENERATOR_TIME_MS
    )
    inputs: list[list[Any]] = []
    problems: list[str] = []
    for index, result in enumerate(results):
        if not result.ok:
            problems.append(f"generator draw {index}: {result.error}")
        elif not isinstance(result.output, list) or len(result.output) != arity:
            problems.append(f"generator draw {index}: does not give {arity} argument(s)")
        else:
            inputs.append(result.output)
    return inputs, problems


def imported_problem_find(*, origin: str, origin_id: str) -> Problem | None:
    return Problem.objects.filter(origin=origin, origin_id=origin_id).first()


def imported_problem_save(*, spec: ImportedProblem) -> tuple[Problem, bool]:
    """Create or update the problem for (origin, origin_id). Returns (problem, created).

    A re-import replaces cases and references (their per-host costs go with them and are
    re-calibrated) but keeps what curators decide on the site: visibility and the release date.
    """
    existing = imported_problem_find(origin=spec.origin, origin_id=spec.origin_id)
    clash = Problem.objects.filter(code=spec.code)
    if existing is not None:
        clash = clash.exclude(id=existing.pk)
    other = clash.first()
    if other is not None:
        raise ImportSkip(f"code {spec.code!r} is already taken by a problem from {other.origin!r}")
    fields: dict[str, Any] = {
        "code": spec.code,
        "title": spec.title[:200],
        "statement": spec.statement,
        "difficulty": spec.difficulty,
        "points": spec.points,
        "tags": spec.tags,
        "time_limit_ms": spec.time_limit_ms,
        "memory_limit_kb": spec.memory_limit_kb,
        "signature": spec.signature,
        "starter_code": spec.starter_code,
        "checker": spec.checker,
        "checker_source": spec.checker_source,
        "float_tolerance": spec.float_tolerance,
        "generator_source": spec.generator_source,
        "perf_scale": spec.perf_scale,
        "bank_hash": spec.digest,
    }
    with transaction.atomic():
        if existing is None:
            problem = Problem.objects.create(
                origin=spec.origin, origin_id=spec.origin_id, published_at=spec.published_at, **fields
            )
        else:
            problem = existing
            for name, value in fields.items():
                setattr(problem, name, value)
            problem.save()
            problem.cases.all().delete()
            problem.references.all().delete()
        TestCase.objects.bulk_create(
            TestCase(
                problem=problem, ordinal=row.ordinal or index, kind=row.kind, input=row.args, expected=row.expected
            )
            for index, row in enumerate(spec.cases, start=1)
        )
        ReferenceSolution.objects.bulk_create(
            ReferenceSolution(problem=problem, label=ref.label[:120], source=ref.source, is_canonical=ref.is_canonical)
            for ref in spec.references
        )
    return problem, existing is None


def returns_none_source(signature: dict[str, Any]) -> str:
    """A program with the right entry point that answers None to everything: must never be AC."""
    name = signature["name"]
    if signature.get("style", "class") == "class":
        return f"class Solution:\n    def {name}(self, *args, **kwargs):\n        return None\n"
    return f"def {name}(*args, **kwargs):\n    return None\n"


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
