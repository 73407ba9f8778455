"""Python 3: the harness (judge/harness/harness.py) loads the source itself, no build step."""

from __future__ import annotations

import builtins
from typing import Any

from judge.languages.base import Language, register_language

NODE_TYPES = ("ListNode", "TreeNode")


@register_language
class Python(Language):
    key = "PY3"
    name = "Python 3"
    aliases = ("python", "python3", "py", "py3")
    editor_mode = "python"
    extension = "py"
    comment = "#"
    harness = True
    builtin_errors = frozenset(
        name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
    )

    def unsupported(self, signature: dict[str, Any]) -> str | None:
        return None  # the harness takes any signature the bank can write

    def starter(self, signature: dict[str, Any]) -> str:
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
