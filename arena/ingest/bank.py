"""Bank folders: fixtures/problems/<code>/ (``load_bank``) or a zip uploaded in the admin.

A folder holds problem.toml (metadata, signature, limits), statement.md, tests.json (samples
with their expected outputs, hand-written hidden inputs), solutions/*.py (reference solutions,
first line ``# label: …``; the canonical one named in problem.toml) and, optionally,
generator.py (``generate(rng, scale) -> list of arguments``; without it there are no generated
hidden inputs and no performance inputs), checker.py (``evaluate(args, output, expected)``,
for ``checker = "custom"``) and starter.py (the Python starter code; without it the starter
is derived from the signature). Expected outputs of every stored case come from running the
canonical solution in the sandbox — never from a participant.

A folder's generator and checker are curator code, trusted like the change form's code fields:
they run in the worker. ``problem_folder_files`` writes a problem back as such a folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from arena.ingest.save import BANK_ORIGIN, problem_find, problem_save
from arena.ingest.spec import CaseRow, IngestError, ProblemSpec, ReferenceRow
from arena.models import Problem, TestCase
from arena.services.performance import performance_inputs_draw
from judge.grading import outputs_match
from judge.languages import all_languages, get_language
from judge.protocol import CheckerSpec
from judge.reference import run_reference

BANK_DIR = Path(settings.BASE_DIR) / "fixtures" / "problems"
DEFAULT_POINTS = {"easy": 3.0, "medium": 5.0, "hard": 8.0}
CODE_PATTERN = re.compile(r"[-a-zA-Z0-9_]{1,64}")
MAX_GENERATED = 1000  # hidden_count and perf_count: a typo must not hang the worker
DEFAULT_PUBLISHED_AT = "2024-01-01"


class BankError(IngestError, ValueError):
    """A problem folder is invalid; the message says which file and why."""


@dataclass
class ProblemFolder:
    code: str
    path: Path
    meta: dict[str, Any]
    statement: str
    generator_source: str
    checker_source: str
    tests: dict[str, Any]
    references: list[tuple[str, str, str, str]]  # (file name, label, source, language key)
    starter_source: str = ""

    @property
    def canonical_name(self) -> str:
        return str(self.meta.get("references", {}).get("canonical", ""))

    def checker(self) -> CheckerSpec:
        kind = self.meta.get("checker", "exact")
        return CheckerSpec(
            kind=kind, float_tolerance=float(self.meta.get("float_tolerance", 1e-6)), source=self.checker_source
        )


def folder_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _read_text(path: Path, code: str, *, optional: bool = False) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if optional:
            return ""
        raise BankError(f"{code}: missing {path.name}")
    except UnicodeDecodeError:
        raise BankError(f"{code}: {path.name} is not UTF-8 text")
    except OSError as exc:
        raise BankError(f"{code}: cannot read {path.name}: {exc.strerror}")


def read_folder(path: Path) -> ProblemFolder:
    code = path.name
    if not CODE_PATTERN.fullmatch(code):
        raise BankError(f"{code}: a folder name is the problem code: letters, digits, - and _, at most 64")
    meta_text = _read_text(path / "problem.toml", code)
    statement = _read_text(path / "statement.md", code)
    tests_text = _read_text(path / "tests.json", code)
    try:
        meta = tomllib.loads(meta_text)
        tests = json.loads(tests_text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise BankError(f"{code}: {exc}") from exc
    references = []
    by_extension = {language.extension: language for language in all_languages()}
    solutions = path / "solutions"
    for file in sorted(solutions.iterdir()) if solutions.is_dir() else []:
        language = by_extension.get(file.suffix[1:])
        if language is None or not file.is_file():
            continue
        source = _read_text(file, code)
        first = source.splitlines()[0] if source else ""
        marker = f"{language.comment} label:"
        label = first.split(":", 1)[1].strip() if first.startswith(marker) else file.stem
        references.append((file.name, label, source, language.key))
    folder = ProblemFolder(
        code=code,
        path=path,
        meta=meta,
        statement=statement,
        generator_source=_read_text(path / "generator.py", code, optional=True),
        checker_source=_read_text(path / "checker.py", code, optional=True),
        tests=tests,
        references=references,
        starter_source=_read_text(path / "starter.py", code, optional=True),
    )
    _check_meta(folder)
    _check_tests(folder)
    if folder.canonical_name not in {name for name, _, _, language in references if language == "PY3"}:
        raise BankError(f"{code}: canonical solution {folder.canonical_name!r} not in solutions/")
    if folder.checker().kind == "custom" and not folder.checker_source:
        raise BankError(f"{code}: checker = 'custom' needs checker.py")
    return folder


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _check_meta(folder: ProblemFolder) -> None:
    """problem.toml's shape, so that a folder from anywhere (an upload) fails with a sentence."""
    meta, code = folder.meta, folder.code

    def fail(message: str) -> BankError:
        return BankError(f"{code}: problem.toml: {message}")

    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise fail("title must be a non-empty string")
    if meta.get("difficulty") not in DEFAULT_POINTS:
        raise BankError(f"{code}: difficulty must be easy, medium or hard")
    if meta.get("checker", "exact") not in Problem.Checker.values:
        raise fail(f"checker must be one of {', '.join(Problem.Checker.values)}")
    hidden_feedback = meta.get("hidden_feedback", Problem.HiddenFeedback.ERROR_TYPE)
    if hidden_feedback not in Problem.HiddenFeedback.values:
        raise BankError(f"{code}: hidden_feedback must be one of {', '.join(Problem.HiddenFeedback.values)}")
    for name in ("time_limit_ms", "memory_limit_mb", "memory_limit_kb"):
        if name in meta and (not _is_int(meta[name]) or meta[name] <= 0):
            raise fail(f"{name} must be a positive integer")
    for name in ("points", "float_tolerance"):
        if name in meta and (not _is_number(meta[name]) or meta[name] < 0):
            raise fail(f"{name} must be a number ≥ 0")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise fail("tags must be a list of strings")
    _published_at(meta.get("published_at", DEFAULT_PUBLISHED_AT), code)
    signature = meta.get("signature")
    if (
        not isinstance(signature, dict)
        or not isinstance(signature.get("name"), str)
        or not signature["name"].isidentifier()
        or signature.get("style", "class") not in ("class", "function")
        or not isinstance(signature.get("returns", "None"), str)
        or not isinstance(signature.get("params"), list)
        or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("type"), str)
            for p in signature["params"]
        )
    ):
        raise fail(
            '[signature] needs style ("class" or "function"), name (an identifier), '
            "params (a list of { name, type }) and returns"
        )
    spec = meta.get("tests", {})
    if not isinstance(spec, dict) or not isinstance(meta.get("references", {}), dict):
        raise fail("[tests] and [references] must be tables")
    for name in ("hidden_count", "perf_count", "perf_scale"):
        if name in spec and (not _is_int(spec[name]) or spec[name] < 0):
            raise fail(f"[tests] {name} must be an integer ≥ 0")
    scales = spec.get("hidden_scales", [1])
    if not isinstance(scales, list) or not scales or not all(_is_int(s) and s >= 0 for s in scales):
        raise fail("[tests] hidden_scales must be a non-empty list of integers ≥ 0")
    for name in ("hidden_count", "perf_count"):
        count = spec.get(name, 0)
        if count > MAX_GENERATED:
            raise fail(f"[tests] {name} is at most {MAX_GENERATED}")
        if count and not folder.generator_source:
            raise BankError(f"{code}: [tests] {name} = {count} needs generator.py")


def _check_tests(folder: ProblemFolder) -> None:
    arity = len(folder.meta["signature"]["params"])
    tests = folder.tests
    if not isinstance(tests, dict):
        raise BankError(f"{folder.code}: tests.json must be an object with samples and hidden")
    for kind in ("samples", "hidden"):
        cases = tests.get(kind, [])
        if not isinstance(cases, list):
            raise BankError(f"{folder.code}: tests.json: {kind} must be a list")
        for number, case in enumerate(cases, start=1):
            if not isinstance(case, dict) or not isinstance(case.get("args"), list) or len(case["args"]) != arity:
                raise BankError(f"{folder.code}: tests.json: {kind} {number} needs args, a list of {arity} argument(s)")
            if kind == "samples" and "expected" not in case:
                raise BankError(f"{folder.code}: tests.json: sample {number} needs expected")


def _published_at(value: Any, code: str) -> dt.datetime:
    """A TOML date or date-time, or an ISO 8601 string, as an aware datetime (UTC when naive)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise BankError(f"{code}: problem.toml: published_at {value!r} is not an ISO 8601 date")
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    raise BankError(f"{code}: problem.toml: published_at must be a date")


def load_generator(source: str, name: str) -> Callable[[random.Random, int], list[Any]]:
    """Generators are curator code from the repository (trusted), run in the worker."""
    namespace: dict[str, Any] = {}
    exec(compile(source, f"{name}/generator.py", "exec"), namespace)
    generate = namespace.get("generate")
    if not callable(generate):
        raise BankError(f"{name}: generator.py must define generate(rng, scale)")
    return generate


def generated_inputs(folder: ProblemFolder, *, kind: str, generation: int = 1) -> list[list[Any]]:
    """Hidden inputs from public seeds (they are exported anyway); performance inputs from secret
    ones, under the problem's ``generation`` (see arena/services/performance.py). None without
    a generator."""
    if not folder.generator_source:
        return []
    spec = folder.meta.get("tests", {})
    generate = load_generator(folder.generator_source, folder.code)
    if kind == "hidden":
        seed_base = int(hashlib.sha256(folder.code.encode()).hexdigest()[:8], 16)
        scales = list(spec.get("hidden_scales", [1, 2, 5, 10]))
        count = int(spec.get("hidden_count", 12))
        return [generate(random.Random(seed_base + i), scales[i % len(scales)]) for i in range(count)]
    return performance_inputs_draw(
        generate=generate,
        problem_code=folder.code,
        generation=generation,
        scale=int(spec.get("perf_scale", 100)),
        count=int(spec.get("perf_count", 2)),
    )


def starter_code(signature: dict[str, Any]) -> str:
    return get_language("PY3").starter(signature)


def canonical_outputs(folder: ProblemFolder, inputs: list[list[Any]], *, time_limit_ms: int) -> list[Any]:
    """Run the canonical solution on ``inputs`` in the sandbox and return its outputs."""
    source = next(src for name, _, src, _ in folder.references if name == folder.canonical_name)
    return reference_outputs(
        source=source, signature=folder.meta["signature"], inputs=inputs, time_limit_ms=time_limit_ms, label=folder.code
    )


def reference_outputs(
    *, source: str, signature: dict[str, Any], inputs: list[list[Any]], time_limit_ms: int, label: str
) -> list[Any]:
    """Outputs of a trusted reference on ``inputs``, run in the sandbox with generous limits."""
    run = run_reference(source=source, signature=signature, inputs=inputs, time_limit_ms=time_limit_ms)
    if not run.all_ok:
        raise BankError(f"{label}: reference solution {run.first_failure()}")
    return [answer.output for answer in run.answers]


def folder_spec(folder: ProblemFolder, *, digest: str, generation: int) -> ProblemSpec:
    """The folder as a problem: its inputs drawn (performance ones under ``generation``) and
    answered by the canonical solution in the sandbox. A sample it contradicts is an error."""
    meta = folder.meta
    time_limit_ms = int(meta.get("time_limit_ms", 2000))
    checker = folder.checker()
    samples = folder.tests.get("samples", [])
    fixed_hidden = [case["args"] for case in folder.tests.get("hidden", [])]
    try:
        hidden = fixed_hidden + generated_inputs(folder, kind="hidden")
        perf = generated_inputs(folder, kind="performance", generation=generation)
    except BankError:
        raise
    except Exception as exc:  # generator.py is curator code: its crash is the folder's error
        raise BankError(f"{folder.code}: generator.py: {type(exc).__name__}: {exc}") from exc
    sample_inputs = [case["args"] for case in samples]
    outputs = canonical_outputs(folder, sample_inputs + hidden + perf, time_limit_ms=time_limit_ms)
    try:
        agree = [outputs_match(checker, case["args"], outputs[i], case["expected"]) for i, case in enumerate(samples)]
    except Exception as exc:  # checker.py is curator code: its crash is the folder's error
        raise BankError(f"{folder.code}: checker.py: {type(exc).__name__}: {exc}") from exc
    for index, case in enumerate(samples):
        if not agree[index]:
            raise BankError(
                f"{folder.code}: sample {index + 1} says {case['expected']!r} but the canonical solution gives "
                f"{outputs[index]!r}"
            )
    kinds = ["sample"] * len(sample_inputs) + ["hidden"] * len(hidden) + ["performance"] * len(perf)
    rows = [
        CaseRow(kind=kind, args=args, expected=output)
        for kind, args, output in zip(kinds, sample_inputs + hidden + perf, outputs)
    ]
    memory_limit_kb = meta.get("memory_limit_kb") or int(meta.get("memory_limit_mb", 256)) * 1024
    return ProblemSpec(
        origin=BANK_ORIGIN,
        origin_id="",
        code=folder.code,
        title=meta["title"],
        statement=folder.statement,
        difficulty=meta["difficulty"],
        points=float(meta.get("points", DEFAULT_POINTS[meta["difficulty"]])),
        published_at=_published_at(meta.get("published_at", DEFAULT_PUBLISHED_AT), folder.code),
        release_date_stated=True,
        tags=list(meta.get("tags", [])),
        time_limit_ms=time_limit_ms,
        memory_limit_kb=int(memory_limit_kb),
        signature=meta["signature"],
        starter_code={"PY3": folder.starter_source or starter_code(meta["signature"])},
        checker=checker.kind,
        checker_source=folder.checker_source,
        float_tolerance=checker.float_tolerance,
        hidden_feedback=str(meta.get("hidden_feedback", Problem.HiddenFeedback.ERROR_TYPE)),
        generator_source=folder.generator_source,
        perf_scale=int(meta.get("tests", {}).get("perf_scale", 100)),
        cases=rows,
        references=[
            ReferenceRow(
                label=label,
                source=source,
                language=language,
                # Every language's canonical translation carries the Python canonical's name.
                is_canonical=Path(name).stem == Path(folder.canonical_name).stem,
            )
            for name, label, source, language in folder.references
        ],
        digest=digest,
    )


def problem_load(*, folder: ProblemFolder, force: bool = False, unpublished: bool = False) -> tuple[Problem, bool]:
    """Create or update one problem from its folder. Returns (problem, changed).

    An unchanged folder (same hash) is skipped without sandbox work unless ``force``. A reload
    keeps the problem's generation: it must not bring back inputs rotated away.
    ``unpublished`` saves it unpublished (an upload in the admin)."""
    digest = folder_hash(folder.path)
    existing = problem_find(origin=BANK_ORIGIN, origin_id="", code=folder.code)
    if existing is not None and existing.bank_hash == digest and not force:
        return existing, False
    spec = folder_spec(folder, digest=digest, generation=existing.perf_generation if existing else 1)
    spec.unpublished = unpublished
    problem, _ = problem_save(spec=spec)
    return problem, True


def bank_folders(directory: Path = BANK_DIR) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and (p / "problem.toml").exists())


# --- a problem written back as a folder ---------------------------------------------------------


def problem_folder_files(problem: Problem) -> dict[str, str]:
    """The files of ``problem`` as a bank folder (paths relative to the folder), which
    ``read_folder`` reads back into the same problem.

    Every hidden case is written into tests.json (``hidden_count = 0``), so the hidden inputs
    come back as they are. Performance inputs are secret and never written: an import draws its
    own from generator.py (``perf_count`` at ``perf_scale``); a problem without a generator comes
    back without them. A reference whose source does not start with its ``# label:`` line gets
    one (the label lives nowhere else in a folder).
    """
    references = list(problem.references.order_by("id"))
    canonical = [ref for ref in references if ref.is_canonical and ref.language == "PY3"]
    if len(canonical) != 1:
        raise BankError(f"{problem.code}: needs exactly one canonical reference to be written, has {len(canonical)}")
    cases = list(problem.cases.order_by("ordinal"))
    samples = [c for c in cases if c.kind == TestCase.Kind.SAMPLE]
    hidden = [c for c in cases if c.kind == TestCase.Kind.HIDDEN]
    perf_count = sum(c.kind == TestCase.Kind.PERFORMANCE for c in cases)

    files: dict[str, str] = {}
    names: set[str] = set()
    canonical_name = ""
    python_first = sorted(references, key=lambda ref: ref.language != "PY3")
    for ref in python_first:
        language = get_language(ref.language)
        if ref.is_canonical and ref.language != "PY3" and canonical_name:
            name = f"{Path(canonical_name).stem}.{language.extension}"
        else:
            name = _solution_name(ref.label, names, extension=language.extension)
        names.add(name)
        files[f"solutions/{name}"] = _labelled(ref.source, ref.label, comment=language.comment)
        if ref.is_canonical and ref.language == "PY3":
            canonical_name = name

    meta: dict[str, Any] = {
        "title": problem.title,
        "difficulty": problem.difficulty,
        "points": float(problem.points),
        "published_at": _published_at_value(problem.published_at),
        "tags": [str(tag) for tag in problem.tags or []],
        "time_limit_ms": problem.time_limit_ms,
    }
    if problem.memory_limit_kb % 1024 == 0:
        meta["memory_limit_mb"] = problem.memory_limit_kb // 1024
    else:
        meta["memory_limit_kb"] = problem.memory_limit_kb
    meta["checker"] = problem.checker
    meta["float_tolerance"] = float(problem.float_tolerance)
    meta["hidden_feedback"] = problem.hidden_feedback
    meta["signature"] = problem.signature
    meta["tests"] = {
        "hidden_count": 0,
        "perf_scale": problem.perf_scale,
        "perf_count": perf_count if problem.generator_source else 0,
    }
    meta["references"] = {"canonical": canonical_name}

    note = "# Written by CodeArena. Hidden cases are all in tests.json; performance inputs are secret and "
    if problem.generator_source:
        note += "not written:\n# an import draws its own from generator.py (perf_count at perf_scale).\n"
    else:
        note += f"not written:\n# without a generator, an import has none (this problem has {perf_count}).\n"
    files["problem.toml"] = note + _toml_document(meta, problem.code)
    files["statement.md"] = problem.statement
    files["tests.json"] = _tests_json(
        [{"args": c.input, "expected": c.expected} for c in samples], [{"args": c.input} for c in hidden]
    )
    if problem.generator_source:
        files["generator.py"] = problem.generator_source
    if problem.checker_source:
        files["checker.py"] = problem.checker_source
    starter = problem.starter_code.get("PY3", "") if isinstance(problem.starter_code, dict) else ""
    if starter and starter != starter_code(problem.signature):
        files["starter.py"] = starter
    return files


def problem_folder_write(*, problem: Problem, directory: Path) -> Path:
    """Write ``problem`` as ``directory/<code>/``; returns that folder."""
    folder = directory / problem.code
    for name, text in problem_folder_files(problem).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _solution_name(label: str, taken: set[str], *, extension: str = "py") -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:60] or "reference"
    name, number = f"{stem}.{extension}", 2
    while name in taken:
        name, number = f"{stem}_{number}.{extension}", number + 1
    return name


def _labelled(source: str, label: str, *, comment: str = "#") -> str:
    line = f"{comment} label: {' '.join(label.split())}"
    first, newline, rest = source.partition("\n")
    if first.startswith(f"{comment} label:"):
        return source if first == line else line + newline + rest
    return f"{line}\n{source}"


def _published_at_value(published_at: dt.datetime) -> str | dt.datetime:
    moment = published_at.astimezone(dt.UTC)
    return moment.date().isoformat() if moment.time() == dt.time() else moment


def _tests_json(samples: list[dict[str, Any]], hidden: list[dict[str, Any]]) -> str:
    """One case per line, as the hand-written folders have them."""

    def block(cases: list[dict[str, Any]]) -> str:
        if not cases:
            return "[]"
        return "[\n" + ",\n".join(f"    {json.dumps(case, ensure_ascii=False)}" for case in cases) + "\n  ]"

    return f'{{\n  "samples": {block(samples)},\n  "hidden": {block(hidden)}\n}}\n'


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_document(meta: dict[str, Any], code: str) -> str:
    """``meta`` as TOML: scalars first, then one [table] per dict. Read back and compared, so a
    value TOML cannot carry (None in a signature, say) is an error here, not a different problem."""
    text = ""
    try:
        lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in meta.items() if not isinstance(v, dict)]
        for key, table in meta.items():
            if isinstance(table, dict):
                lines += ["", f"[{_toml_key(key)}]"]
                lines += [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in table.items()]
        text = "\n".join(lines) + "\n"
        faithful = tomllib.loads(text) == meta
    except (TypeError, tomllib.TOMLDecodeError):
        faithful = False
    if not faithful:
        raise BankError(f"{code}: its metadata has a value problem.toml cannot hold (e.g. null in the signature)")
    return text
