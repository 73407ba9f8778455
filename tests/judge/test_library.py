"""`judge/` is a library that arena calls: it runs without Django, Celery or arena loaded, and
no file under it imports them, so the two packages cannot import each other."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

JUDGE_DIR = Path(__file__).resolve().parents[2] / "judge"
REPO = JUDGE_DIR.parent
LIBRARY_MODULES = ["judge.runner", "judge.grading", "judge.protocol", "judge.sandbox", "judge.meters"]
# Django and what only makes sense on top of it: the web app, the task queue, the project's wiring.
FORBIDDEN = ("django", "arena", "celery", "kombu", "config", "rest_framework", "channels")

PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
for name in sys.argv[2:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def foreign_modules_after_importing(modules: list[str]) -> list[str]:
    # -I: no PYTHONPATH, user site or current directory; env: no DJANGO_SETTINGS_MODULE, nothing
    # inherited from the test run (which has Django set up in this process).
    result = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(REPO), *modules],
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return [name for name in loaded if name.split(".")[0].startswith(FORBIDDEN)]


def test_the_judge_library_imports_without_django_celery_or_arena() -> None:
    assert foreign_modules_after_importing(LIBRARY_MODULES) == []


def test_the_probe_sees_django_when_it_is_imported() -> None:
    assert "django" in foreign_modules_after_importing(["judge.protocol", "django.conf"])


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Absolute module names imported anywhere in the file, function-local imports included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and called_name(node) in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def test_no_file_under_judge_imports_arena_django_or_celery() -> None:
    sources = sorted(JUDGE_DIR.rglob("*.py"))
    assert JUDGE_DIR / "runner.py" in sources
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {name}"
        for path in sources
        for line, name in imported_names(ast.parse(path.read_text(), filename=str(path)))
        if name.split(".")[0] in ("arena", "django", "celery", "config")
    ]
    assert offenders == []


def test_the_scan_finds_function_local_and_dynamic_imports() -> None:
    tree = ast.parse(
        "def f():\n    from arena.services.judging import submission_judge\n"
        "import importlib\nimportlib.import_module('arena.tasks')\n"
    )
    assert sorted(name for _, name in imported_names(tree)) == ["arena.services.judging", "arena.tasks", "importlib"]
