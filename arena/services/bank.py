"""Load the problem bank from fixtures/problems/<code>/ into the database.

A folder holds problem.toml (metadata, signature, limits), statement.md, generator.py
(``generate(rng, scale) -> list of arguments``), tests.json (samples with their expected
outputs, hand-written hidden inputs), solutions/*.py (reference solutions; the canonical one
named in problem.toml) and optionally checker.py. Expected outputs of every stored case come
from running the canonical solution in the sandbox — never from a participant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from arena.models import Problem, ReferenceSolution, TestCase
from arena.services.performance import performance_inputs_draw
from judge.grading import outputs_match
from judge.protocol import CheckerSpec
from judge.reference import run_reference

BANK_DIR = Path(settings.BASE_DIR) / "fixtures" / "problems"
DEFAULT_POINTS = {"easy": 3.0, "medium": 5.0, "hard": 8.0}
NODE_TYPES = {"ListNode", "TreeNode"}


class BankError(ValueError):
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
    references: list[tuple[str, str, str]]  # (file name, label, source)

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


def read_folder(path: Path) -> ProblemFolder:
    try:
        meta = tomllib.loads((path / "problem.toml").read_text())
        statement = (path / "statement.md").read_text()
        generator_source = (path / "generator.py").read_text()
        tests = json.loads((path / "tests.json").read_text())
    except FileNotFoundError as exc:
        raise BankError(f"{path.name}: missing {Path(exc.filename or '').name}") from exc
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise BankError(f"{path.name}: {exc}") from exc
    checker_path = path / "checker.py"
    references = []
    for file in sorted((path / "solutions").glob("*.py")):
        source = file.read_text()
        first = source.splitlines()[0] if source else ""
        label = first.split(":", 1)[1].strip() if first.startswith("# label:") else file.stem
        references.append((file.name, label, source))
    folder = ProblemFolder(
        code=path.name,
        path=path,
        meta=meta,
        statement=statement,
        generator_source=generator_source,
        checker_source=checker_path.read_text() if checker_path.exists() else "",
        tests=tests,
        references=references,
    )
    if folder.meta.get("difficulty") not in DEFAULT_POINTS:
        raise BankError(f"{path.name}: difficulty must be easy, medium or hard")
    if folder.canonical_name not in {name for name, _, _ in references}:
        raise BankError(f"{path.name}: canonical solution {folder.canonical_name!r} not in solutions/")
    if folder.checker().kind == "custom" and not folder.checker_source:
        raise BankError(f"{path.name}: checker = 'custom' needs checker.py")
    return folder


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
    ones, under the problem's ``generation`` (see arena/services/performance.py)."""
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
    def hint(type_name: str) -> str:
        return f"Optional[{type_name}]" if type_name in NODE_TYPES else type_name

    params = ", ".join(f"{p['name']}: {hint(p['type'])}" for p in signature.get("params", []))
    returns = hint(signature.get("returns", "None"))
    uses = {p["type"] for p in signature.get("params", [])} | {signature.get("returns", "")}
    header = ""
    if "ListNode" in " ".join(uses):
        header += (
            "# class ListNode:\n#     def __init__(self, val=0, next=None):\n"
            "#         self.val = val\n#         self.next = next\n"
        )
    if "TreeNode" in uses:
        header += (
            "# class TreeNode:\n#     def __init__(self, val=0, left=None, right=None):\n"
            "#         self.val = val\n#         self.left = left\n#         self.right = right\n"
        )
    if signature.get("style", "class") == "class":
        return f"{header}class Solution:\n    def {signature['name']}(self, {params}) -> {returns}:\n        pass\n"
    return f"{header}def {signature['name']}({params}) -> {returns}:\n    pass\n"


def canonical_outputs(folder: ProblemFolder, inputs: list[list[Any]], *, time_limit_ms: int) -> list[Any]:
    """Run the canonical solution on ``inputs`` in the sandbox and return its outputs."""
    source = next(src for name, _, src in folder.references if name == folder.canonical_name)
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


def problem_load(*, folder: ProblemFolder, force: bool = False) -> tuple[Problem, bool]:
    """Create or update one problem from its folder. Returns (problem, changed)."""
    digest = folder_hash(folder.path)
    existing = Problem.objects.filter(code=folder.code).first()
    if existing is not None and existing.bank_hash == digest and not force:
        return existing, False

    meta = folder.meta
    time_limit_ms = int(meta.get("time_limit_ms", 2000))
    hidden_feedback = str(meta.get("hidden_feedback", Problem.HiddenFeedback.ERROR_TYPE))
    if hidden_feedback not in Problem.HiddenFeedback.values:
        raise BankError(f"{folder.code}: hidden_feedback must be one of {', '.join(Problem.HiddenFeedback.values)}")
    checker = folder.checker()
    samples = folder.tests.get("samples", [])
    fixed_hidden = [case["args"] for case in folder.tests.get("hidden", [])]
    hidden = fixed_hidden + generated_inputs(folder, kind="hidden")
    # A reload keeps the problem's generation: it must not bring back inputs rotated away.
    perf = generated_inputs(folder, kind="performance", generation=existing.perf_generation if existing else 1)
    sample_inputs = [case["args"] for case in samples]
    outputs = canonical_outputs(folder, sample_inputs + hidden + perf, time_limit_ms=time_limit_ms)
    for index, case in enumerate(samples):
        if not outputs_match(checker, case["args"], outputs[index], case["expected"]):
            raise BankError(
                f"{folder.code}: sample {index + 1} says {case['expected']!r} but the canonical solution gives "
                f"{outputs[index]!r}"
            )
    published = meta.get("published_at", "2024-01-01")
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    published_at = dt.datetime.combine(published, dt.time(), tzinfo=dt.UTC)

    with transaction.atomic():
        problem, _ = Problem.objects.update_or_create(
            code=folder.code,
            defaults={
                "title": meta["title"],
                "statement": folder.statement,
                "difficulty": meta["difficulty"],
                "points": float(meta.get("points", DEFAULT_POINTS[meta["difficulty"]])),
                "published_at": published_at,
                "tags": list(meta.get("tags", [])),
                "time_limit_ms": time_limit_ms,
                "memory_limit_kb": int(meta.get("memory_limit_mb", 256)) * 1024,
                "signature": meta["signature"],
                "starter_code": {"PY3": starter_code(meta["signature"])},
                "checker": checker.kind,
                "checker_source": folder.checker_source,
                "float_tolerance": checker.float_tolerance,
                "hidden_feedback": hidden_feedback,
                "generator_source": folder.generator_source,
                "perf_scale": int(meta.get("tests", {}).get("perf_scale", 100)),
                "bank_hash": digest,
            },
        )
        problem.cases.all().delete()
        rows: list[TestCase] = []
        ordinal = 1
        for kind, inputs in (("sample", sample_inputs), ("hidden", hidden), ("performance", perf)):
            for args in inputs:
                rows.append(
                    TestCase(problem=problem, ordinal=ordinal, kind=kind, input=args, expected=outputs[ordinal - 1])
                )
                ordinal += 1
        TestCase.objects.bulk_create(rows)
        # References are replaced; their per-host costs go with them and are re-calibrated.
        problem.references.all().delete()
        ReferenceSolution.objects.bulk_create(
            ReferenceSolution(problem=problem, label=label, source=source, is_canonical=name == folder.canonical_name)
            for name, label, source in folder.references
        )
    return problem, True


def bank_folders(directory: Path = BANK_DIR) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_dir() and (p / "problem.toml").exists())
