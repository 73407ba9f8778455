"""Which CodeMirror 5 scripts a language's ``editor_mode`` needs, as static paths.

CodeMirror is served from frontend/node_modules/codemirror under ``vendor/codemirror/`` by
Django's staticfiles (config/settings/base.py), never from a CDN. A language module names its mode
by CodeMirror's mode name ("python", "go") or a MIME type ("text/x-c++src"); one mode file may
serve several MIME types (clike: C, C++, Java...).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.contrib.staticfiles import finders

CODEMIRROR = "vendor/codemirror"

# MIME types (as CodeMirror's mode/meta.js lists them) → the mode that defines them.
MIME_MODES = {
    "text/x-python": "python",
    "text/x-csrc": "clike",
    "text/x-c++src": "clike",
    "text/x-java": "clike",
    "text/x-kotlin": "clike",
    "text/x-csharp": "clike",
    "text/x-scala": "clike",
    "text/javascript": "javascript",
    "application/javascript": "javascript",
    "application/typescript": "javascript",
    "text/typescript": "javascript",
    "text/x-go": "go",
    "text/x-rustsrc": "rust",
}
# Scripts a mode's own file requires before it, beyond lib/codemirror.js.
MODE_NEEDS = {"rust": ("addon/mode/simple.js",)}


@lru_cache(maxsize=64)
def mode_name(editor_mode: str) -> str | None:
    """The CodeMirror mode (a directory of mode/) that ``editor_mode`` needs, if it is shipped."""
    name = MIME_MODES.get(editor_mode, editor_mode)
    if name in MIME_MODES.values():
        return name
    if "/" in name or not name.replace("-", "").isalnum():
        return None
    # A mode this table does not know (a language added later): served if CodeMirror ships it.
    return name if finders.find(f"{CODEMIRROR}/mode/{name}/{name}.js") else None


def mode_scripts(editor_modes: Iterable[str]) -> list[str]:
    """The static paths of the scripts these modes need, each once, dependencies first."""
    paths: list[str] = []
    for editor_mode in editor_modes:
        name = mode_name(editor_mode)
        if name is None:
            continue  # CodeMirror shows the code as plain text
        for script in (*MODE_NEEDS.get(name, ()), f"mode/{name}/{name}.js"):
            path = f"{CODEMIRROR}/{script}"
            if path not in paths:
                paths.append(path)
    return paths
