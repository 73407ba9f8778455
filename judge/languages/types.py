"""The types a problem's signature may use, parsed once for every language's code generator.

The bank's signatures are written in Python's spelling (``List[List[int]]``, ``ListNode``). A
type is a tree of ``SigType``: a scalar (int, float, bool, str), a list of a type, or one of the
LeetCode node types. Anything else (``Dict``, ``Optional``, ``Tuple``...) is a Python-only type:
the languages that cannot express it are not offered for the problem, and say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SCALARS = frozenset({"int", "float", "bool", "str"})
NODES = frozenset({"ListNode", "TreeNode"})
_LIST = re.compile(r"^(?:List|list)\[(.+)\]$")
# Deeper nesting than any problem needs, and a bound on the code generators' recursion.
MAX_DEPTH = 4


class UnsupportedSignature(ValueError):
    """The signature uses a type this language (or every language but Python) cannot express."""


@dataclass(frozen=True)
class SigType:
    """``kind`` is one of int, float, bool, str, ListNode, TreeNode or list (then ``item`` is set)."""

    kind: str
    item: SigType | None = None

    @property
    def depth(self) -> int:
        return 0 if self.item is None else 1 + self.item.depth

    def base(self) -> SigType:
        """The innermost element type: ``int`` for ``List[List[int]]``."""
        return self if self.item is None else self.item.base()

    def __str__(self) -> str:
        return f"List[{self.item}]" if self.item is not None else self.kind


@dataclass(frozen=True)
class Param:
    name: str
    type: SigType


@dataclass(frozen=True)
class Signature:
    """A problem's entry point in types every generator understands."""

    style: str  # "class" (a method of Solution) or "function"
    name: str
    params: tuple[Param, ...]
    returns: SigType


def parse_type(text: str) -> SigType:
    raw = (text or "").replace(" ", "")
    if raw in SCALARS or raw in NODES:
        return SigType(raw)
    match = _LIST.match(raw)
    if match:
        item = parse_type(match.group(1))
        if item.depth >= MAX_DEPTH:
            raise UnsupportedSignature(f"lists nested deeper than {MAX_DEPTH} levels ({text})")
        if item.kind == "TreeNode" or (item.base().kind == "ListNode" and item.depth > 0):
            raise UnsupportedSignature(f"the type {text} is not available outside Python")
        return SigType("list", item)
    raise UnsupportedSignature(f"the type {text or '(none)'} is not available outside Python")


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def parse_signature(signature: dict[str, Any]) -> Signature:
    """The typed signature, or UnsupportedSignature saying which part no generator can express."""
    name = str(signature.get("name", ""))
    if not _IDENT.match(name):
        raise UnsupportedSignature(f"the entry point name {name!r} is not an identifier")
    params = []
    for index, raw in enumerate(signature.get("params", [])):
        param_name = str(raw.get("name", f"arg{index}"))
        if not _IDENT.match(param_name):
            raise UnsupportedSignature(f"the parameter name {param_name!r} is not an identifier")
        params.append(Param(param_name, parse_type(str(raw.get("type", "")))))
    returns = parse_type(str(signature.get("returns", "")))
    if returns.kind == "list" and returns.base().kind == "ListNode":
        raise UnsupportedSignature("a list of linked lists cannot be returned outside Python")
    return Signature(style=str(signature.get("style", "class")), name=name, params=tuple(params), returns=returns)


def snake_case(name: str) -> str:
    """``countIslands`` → ``count_islands`` (Rust's naming)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
