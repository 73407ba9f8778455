"""Import Mercury-schema records (LeetCode-style ``class Solution`` tasks with historical solutions).

A record: ``slug_name``, ``difficulty`` (Easy/Medium/Hard), ``pretty_content`` (statement text,
a list of strings or one string), ``prompt`` (starter code with ``class Solution`` and the
method), ``entry_point`` (the method's name), ``test_cases`` ({"input": [args…], "expected": …},
as JSON values or as strings of Python literals; the whole list may itself be a JSON string, as
in the published dataset), ``solutions`` ([{"solution": source, "runtime": "56ms"}]) and
optionally ``generator_code`` (defining ``generate_test_case()``), ``convert_online``,
``convert_offline`` and ``evaluate_offline``.

Nothing from the record runs outside the sandbox. Every solution runs there on every input (one
jail per solution); the canonical reference is the solution with the smallest reported runtime
that reproduces every stated expected output, and the stored expected outputs are its outputs.
The other solutions stay as references only if they agree with it on every case.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.ingest.bank import DEFAULT_POINTS
from arena.ingest.sandbox import RunResult, json_argument, performance_inputs_in_jail, plain, sandbox_run
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
from judge.grading import outputs_match
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job

ORIGIN = "mercury"
# Mercury (arXiv 2402.07844) was released in February 2024. Its tasks are older LeetCode
# problems, so this is an upper bound of when each became public; override per import.
PUBLISHED_AT = dt.datetime(2024, 2, 12, tzinfo=dt.UTC)
SAMPLE_COUNT = 2
PERF_COUNT = 2
GENERATOR_DRAWS = 16  # generator inputs drawn in the sandbox; the largest become performance inputs
TIME_LIMIT_MS = 2000
NODE_TYPES = ("ListNode", "TreeNode")
SUPPORTED_NODE_PARAMS = {"ListNode", "TreeNode", "List[ListNode]"}

# Names LeetCode's judge (and Mercury's evaluator) makes available without an import. The
# harness only provides ``typing``, so a reference that relies on them gets exactly the import
# lines it uses — not a blanket prelude, which would add its import time to the measured cost.
IMPLICIT_IMPORTS: dict[str, str] = {
    **{
        module: f"import {module}"
        for module in (
            "bisect",
            "collections",
            "copy",
            "functools",
            "heapq",
            "itertools",
            "math",
            "operator",
            "random",
            "re",
            "string",
            "sys",
        )
    },
    **{name: f"from bisect import {name}" for name in ("bisect_left", "bisect_right", "insort")},
    **{name: f"from collections import {name}" for name in ("Counter", "OrderedDict", "defaultdict", "deque")},
    **{name: f"from functools import {name}" for name in ("cache", "lru_cache", "reduce", "cmp_to_key")},
    **{
        name: f"from heapq import {name}"
        for name in ("heapify", "heappop", "heappush", "heappushpop", "heapreplace", "nlargest", "nsmallest")
    },
    **{
        name: f"from itertools import {name}"
        for name in (
            "accumulate",
            "chain",
            "combinations",
            "groupby",
            "pairwise",
            "permutations",
            "product",
            "zip_longest",
        )
    },
    **{name: f"from math import {name}" for name in ("ceil", "comb", "factorial", "floor", "gcd", "inf", "sqrt")},
    "maxsize": "from sys import maxsize",
}


def mercury_records_read(*, path: Path) -> list[dict[str, Any]]:
    """A .jsonl file (one record a line) or a .json file (a list of records, or one record)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        data = json.loads(text)
        records = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) for r in records):
        raise ValueError(f"{path}: every record must be a JSON object")
    return records


def with_implicit_imports(source: str) -> str:
    """Prefix the import lines for LeetCode's implicit names that ``source`` uses but never binds."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # reported when it fails to load in the sandbox
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    needed = sorted({IMPLICIT_IMPORTS[name] for name in used - bound if name in IMPLICIT_IMPORTS})
    if not needed:
        return source
    return (
        "# Imports LeetCode provides implicitly (added by the Mercury importer).\n" + "\n".join(needed) + "\n" + source
    )


# --- the record ---------------------------------------------------------------------------------


def _type_name(annotation: ast.expr | None) -> str:
    if annotation is None:
        return "Any"
    text = ast.unparse(annotation).replace("'", "").replace('"', "")
    # An empty list or tree arrives as None: Optional[ListNode] is a ListNode to the harness.
    text = re.sub(r"Optional\[(ListNode|TreeNode)\]", r"\1", text)
    return re.sub(r"(ListNode|TreeNode) \| None", r"\1", text)


def _method(prompt: str, entry_point: str) -> ast.FunctionDef:
    """The entry method in the prompt. LeetCode prompts stop after the ``def`` line, so a body is
    added when the prompt alone does not parse."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        match = re.search(rf"^([ \t]*)def\s+{re.escape(entry_point)}\s*\(", prompt, re.MULTILINE)
        if match is None:
            raise ImportSkip(f"prompt has no method {entry_point}()")
        try:
            tree = ast.parse(prompt.rstrip() + "\n" + match.group(1) + "    pass\n")
        except SyntaxError as exc:
            raise ImportSkip(f"prompt does not parse: {exc.msg} (line {exc.lineno})")
    solution = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Solution"), None)
    if solution is None:
        raise ImportSkip("prompt has no class Solution")
    method = next((n for n in solution.body if isinstance(n, ast.FunctionDef) and n.name == entry_point), None)
    if method is None:
        raise ImportSkip(f"class Solution has no method {entry_point}()")
    return method


def mercury_signature(*, prompt: str, entry_point: str) -> dict[str, Any]:
    method = _method(prompt, entry_point)
    args = method.args
    if args.vararg or args.kwarg or args.kwonlyargs:
        raise ImportSkip("the method takes *args, **kwargs or keyword-only arguments")
    positional = args.posonlyargs + args.args
    if not positional or positional[0].arg != "self":
        raise ImportSkip(f"{entry_point}() is not an instance method")
    params = [{"name": a.arg, "type": _type_name(a.annotation)} for a in positional[1:]]
    for param in params:
        if any(node in param["type"] for node in NODE_TYPES) and param["type"] not in SUPPORTED_NODE_PARAMS:
            raise ImportSkip(f"parameter {param['name']}: {param['type']} is not a supported node type")
        if re.search(r"\bNode\b", param["type"]):
            raise ImportSkip(f"parameter {param['name']}: custom type {param['type']} is not supported")
    return {"style": "class", "name": entry_point, "params": params, "returns": _type_name(method.returns)}


def _parse_literal(text: str, *, param_names: list[str] | None = None) -> Any:
    """A value written as JSON or as a Python literal; for inputs also ``a = 1, b = [2]``."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    if param_names is not None and "=" in text:
        try:
            call = ast.parse(f"f({text})", mode="eval").body
            if isinstance(call, ast.Call) and not call.args:
                named = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
                if set(named) == set(param_names):
                    return [named[name] for name in param_names]
        except (ValueError, SyntaxError):
            pass
    raise ValueError(f"not a literal: {text[:60]!r}")


@dataclass
class StatedCase:
    args: list[Any]
    readings: list[Any]  # the stated expected output, as each plausible reading of it (see below)


def mercury_test_cases(*, raw: Any, params: list[dict[str, Any]]) -> list[StatedCase]:
    names = [p["name"] for p in params]
    if isinstance(raw, str):
        try:
            raw = _parse_literal(raw)
        except ValueError:
            raise ImportSkip("test_cases is a string that is neither JSON nor a Python literal")
    if not isinstance(raw, list) or not raw:
        raise ImportSkip("no test cases")
    cases: list[StatedCase] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "input" not in item:
            raise ImportSkip(f"test {number} is not an object with an input")
        args = item["input"]
        if isinstance(args, str):
            try:
                args = _parse_literal(args, param_names=names)
            except ValueError as exc:
                raise ImportSkip(f"test {number}: {exc}")
        if isinstance(args, dict) and set(args) == set(names):
            args = [args[name] for name in names]
        if isinstance(args, tuple):
            args = list(args)
        if not isinstance(args, list) or len(args) != len(names):
            raise ImportSkip(f"test {number} does not give the {len(names)} argument(s) of the method")
        json_args, _ = json_argument(args)
        stated = item.get("expected", item.get("output"))
        # A string may be the answer itself or a literal standing for it ("[0, 1]"): keep every
        # reading and accept the solution that matches one; its output becomes the expectation.
        readings = [stated]
        if isinstance(stated, str):
            for parse in (json.loads, ast.literal_eval):
                try:
                    value = parse(stated)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    continue
                readings.insert(0, value)
        clean: list[Any] = []
        for reading in readings:
            try:
                value = plain(reading)
            except ImportSkip:
                continue
            if value not in clean:
                clean.append(value)
        cases.append(StatedCase(args=json_args, readings=clean))
    return cases


def mercury_checker(*, evaluate_offline: str) -> CheckerSpec:
    """Mercury's ``evaluate_offline`` is code we do not run; its shape says how answers compare."""
    if re.search(r"\bsorted\(|\bset\(|\bCounter\(", evaluate_offline):
        return CheckerSpec(kind="unordered")
    if re.search(r"\babs\(|isclose", evaluate_offline):
        return CheckerSpec(kind="float", float_tolerance=1e-5)
    return CheckerSpec(kind="exact")


def runtime_ms(solution: dict[str, Any]) -> float:
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*ms\s*$", str(solution.get("runtime", "")))
    return float(match.group(1)) if match else math.inf


def generator_source(*, generator_code: str, single_argument: bool) -> str:
    """Mercury's ``generate_test_case()`` behind the bank's ``generate(rng, scale)`` contract.

    Mercury generators have no scale knob (``scale`` is ignored) and draw from the global
    ``random`` module; rebinding that name to ``rng`` makes every draw reproducible by seed.
    """
    wrap = "[value]" if single_argument else "list(value)"
    return (
        with_implicit_imports(generator_code).rstrip()
        + "\n\n\ndef generate(rng, scale):\n"
        + '    """Mercury generator adapter: scale is ignored; rng replaces the global random."""\n'
        + '    globals()["random"] = rng\n'
        + "    value = generate_test_case()\n"
        + f"    return {wrap}\n"
    )


def _size(args: list[Any]) -> int:
    return len(json.dumps(args))


@dataclass
class SolutionRun:
    index: int  # 1-based position in the record's solutions
    source: str
    runtime: str
    results: list[RunResult]

    @property
    def label(self) -> str:
        return f"Mercury solution {self.index} ({self.runtime or 'runtime not reported'})"


def mercury_problem_import(
    *,
    record: dict[str, Any],
    force: bool = False,
    trust_code: bool = False,
    published_at: dt.datetime | None = None,
) -> ImportOutcome:
    """Import (or refresh) one Mercury record. ``trust_code`` keeps its generator on the problem,
    where curation runs it outside the jail; without it the generator only runs here, jailed."""
    slug = str(record.get("slug_name") or "").strip()
    if not slug:
        return ImportOutcome("(no slug_name)", "skipped", reason="record has no slug_name")
    code = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-")[:64]
    digest = record_digest({"record": record, "trust_code": trust_code}, origin=ORIGIN)
    existing = problem_find(origin=ORIGIN, origin_id=slug, code=code)
    if existing is not None and existing.bank_hash == digest and not force:
        return ImportOutcome(
            slug, "unchanged", code=existing.code, cases=existing.cases.count(), references=existing.references.count()
        )
    try:
        generation = existing.perf_generation if existing is not None else 1
        spec, notes = _build(record, slug=slug, code=code, digest=digest, trust_code=trust_code, generation=generation)
        spec.published_at = published_at or PUBLISHED_AT
        problem, created = problem_save(spec=spec)
    except IngestError as exc:
        return ImportOutcome(slug, "skipped", code=code, reason=str(exc))
    except (KeyError, TypeError, AttributeError) as exc:
        return ImportOutcome(slug, "skipped", code=code, reason=f"malformed record: {type(exc).__name__}: {exc}")
    return ImportOutcome(
        slug,
        "imported" if created else "updated",
        code=problem.code,
        cases=len(spec.cases),
        references=len(spec.references),
        notes=notes,
    )


def _statement(record: dict[str, Any], slug: str) -> str:
    content = record.get("pretty_content") or ""
    text = "\n\n".join(str(p).strip() for p in content) if isinstance(content, list) else str(content).strip()
    if not text:
        raise ImportSkip("pretty_content is empty")
    return f"{text}\n\n*From the Mercury benchmark (LeetCode problem `{slug}`).*\n"


def _build(
    record: dict[str, Any], *, slug: str, code: str, digest: str, trust_code: bool, generation: int
) -> tuple[ProblemSpec, list[str]]:
    difficulty = str(record.get("difficulty", "")).strip().lower()
    if difficulty not in DEFAULT_POINTS:
        raise ImportSkip(f"difficulty {record.get('difficulty')!r} is not Easy, Medium or Hard")
    prompt, entry_point = str(record.get("prompt") or ""), str(record.get("entry_point") or "")
    if not entry_point:
        raise ImportSkip("record has no entry_point")
    signature = mercury_signature(prompt=prompt, entry_point=entry_point)
    statement = _statement(record, slug)
    stated = mercury_test_cases(raw=record.get("test_cases"), params=signature["params"])
    checker = mercury_checker(evaluate_offline=str(record.get("evaluate_offline") or ""))
    notes: list[str] = []

    # Performance inputs: the largest of a few generator draws, or else the largest tests.
    generator = ""
    perf_inputs: list[list[Any]] = []
    if str(record.get("generator_code") or "").strip():
        generator = generator_source(
            generator_code=str(record["generator_code"]), single_argument=len(signature["params"]) == 1
        )
        # Secret seeds (scale 0: Mercury generators have no scale knob), so the inputs cost is
        # measured on cannot be recomputed from the public dataset.
        drawn, problems = performance_inputs_in_jail(
            generator_source=generator,
            problem_code=code,
            generation=generation,
            scale=0,
            count=GENERATOR_DRAWS,
            arity=len(signature["params"]),
        )
        notes += problems[:3]
        perf_inputs = sorted(drawn, key=_size, reverse=True)[:PERF_COUNT]
    if not perf_inputs:
        perf_inputs = [c.args for c in sorted(stated, key=lambda c: _size(c.args), reverse=True)[:PERF_COUNT]]
    test_inputs = [c.args for c in stated]
    inputs = test_inputs + perf_inputs

    solutions = [s for s in record.get("solutions") or [] if isinstance(s, dict) and s.get("solution")]
    if not solutions:
        raise ImportSkip("record has no solutions")
    order = sorted(range(len(solutions)), key=lambda i: (runtime_ms(solutions[i]), i))
    runs: list[SolutionRun] = []
    for index in order:
        source = with_implicit_imports(str(solutions[index]["solution"]))
        try:
            results = sandbox_run(source=source, signature=signature, inputs=inputs, time_limit_ms=TIME_LIMIT_MS)
        except ImportSkip as exc:
            notes.append(f"Mercury solution {index + 1} dropped: {exc}")
            continue
        runs.append(SolutionRun(index + 1, source, str(solutions[index].get("runtime") or ""), results))

    canonical: SolutionRun | None = None
    rejections: list[str] = []
    for run in runs:
        failure = _stated_failure(run, stated, checker, len(test_inputs))
        if failure is None:
            canonical = run
            break
        rejections.append(f"{run.label}: {failure}")
    if canonical is None:
        detail = "; ".join(rejections[:2]) or "none loads"
        raise ImportSkip(f"no solution reproduces the stated expected outputs ({detail})")
    expected = [r.output for r in canonical.results]
    for number, (case, output) in enumerate(zip(stated, expected), start=1):
        if output not in case.readings:
            notes.append(f"test {number}: stated {_short(case.readings[0])}, canonical gives {_short(output)}")

    references = [ReferenceRow(label=canonical.label, source=canonical.source, is_canonical=True)]
    for run in runs:
        if run is canonical:
            continue
        disagreement = _disagreement(run, inputs, expected, checker)
        if disagreement:
            notes.append(f"{run.label} dropped: {disagreement}")
        else:
            references.append(ReferenceRow(label=run.label, source=run.source))

    samples = min(SAMPLE_COUNT, len(test_inputs) - 1)
    rows = [
        CaseRow(kind="sample" if i < samples else "hidden", args=args, expected=out)
        for i, (args, out) in enumerate(zip(test_inputs, expected))
    ]
    rows += [
        CaseRow(kind="performance", args=args, expected=out)
        for args, out in zip(perf_inputs, expected[len(test_inputs) :])
    ]
    _verify(signature, canonical, rows, checker)
    if generator and not trust_code:
        notes.append("generator ran in the sandbox only; not stored (import with --trust-code to keep it)")
    spec = ProblemSpec(
        origin=ORIGIN,
        origin_id=slug,
        code=code,
        title=slug.replace("-", " ").title(),
        statement=statement,
        difficulty=difficulty,
        points=DEFAULT_POINTS[difficulty],
        published_at=PUBLISHED_AT,
        tags=["mercury"],
        time_limit_ms=TIME_LIMIT_MS,
        signature=signature,
        starter_code={"PY3": prompt.rstrip() + "\n"},
        checker=checker.kind,
        float_tolerance=checker.float_tolerance,
        generator_source=generator if trust_code else "",
        cases=rows,
        references=references,
        digest=digest,
    )
    return spec, notes


def _stated_failure(run: SolutionRun, stated: list[StatedCase], checker: CheckerSpec, tests: int) -> str | None:
    """Why this solution cannot be canonical: a stated answer it misses, or an input it fails."""
    for number, (case, result) in enumerate(zip(stated, run.results[:tests]), start=1):
        if not result.ok:
            return f"test {number}: {result.error}"
        if not any(outputs_match(checker, case.args, result.output, reading) for reading in case.readings):
            return f"test {number}: gives {_short(result.output)}, stated {_short(case.readings[0])}"
    for number, result in enumerate(run.results[tests:], start=1):
        if not result.ok:
            return f"performance input {number}: {result.error}"
    return None


def _disagreement(run: SolutionRun, inputs: list[list[Any]], expected: list[Any], checker: CheckerSpec) -> str:
    for number, (args, result, want) in enumerate(zip(inputs, run.results, expected), start=1):
        if not result.ok:
            return f"case {number}: {result.error}"
        if not outputs_match(checker, args, result.output, want):
            return f"case {number}: gives {_short(result.output)}, canonical {_short(want)}"
    return ""


def _verify(signature: dict[str, Any], canonical: SolutionRun, rows: list[CaseRow], checker: CheckerSpec) -> None:
    """The canonical reference must be AC when judged like a submission, within the problem's limits."""
    specs = [CaseSpec(ordinal=i, kind=r.kind, args=r.args, expected=r.expected) for i, r in enumerate(rows, start=1)]
    outcome = judge_job(
        JudgeJob(
            source=canonical.source,
            signature=signature,
            cases=specs,
            checker=checker,
            time_limit_ms=TIME_LIMIT_MS,
            memory_limit_kb=256 * 1024,
        )
    )
    if outcome.verdict != "AC":
        raise ImportSkip(f"{canonical.label} is {outcome.verdict} when judged: {outcome.message[:160]}")


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"
