"""What a language is to the judge, and the registry of them.

A language module (one file in this package) says how a submission becomes a running program:
the files it writes into a build directory, the compiler command (if any), the command that runs
the result, what the jail must mount for both, its limits, its starter code and the driver that
reads each case, calls the contestant's function and writes the answer. Everything else (the
jail, the step loop, grading, verdicts, meters) is shared with Python.

Every language but Python speaks the same wire format with the worker (``encode_case`` below):
the worker sends one case at a time as typed tokens, and the driver answers one JSON record per
case on the result descriptor named in the header line, exactly like judge/harness/harness.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from judge.languages.types import Signature, SigType, UnsupportedSignature, parse_signature

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


class CaseEncodingError(ValueError):
    """A case's value does not fit the language's types (an int beyond 64 bits, say)."""


@dataclass(frozen=True)
class Program:
    """How the run jail starts a built program.

    ``argv`` runs inside the jail with /box (the build's directory, read-only) as its working
    directory; ``mounts`` are extra read-only binds (``host`` or ``host:jail``) the runtime
    needs; ``address_space``: apply RLIMIT_AS (runtimes that reserve far more address space
    than they use, the JVM and V8, are held by the memory cgroup and their own heap flag
    instead); ``address_space_mb``: that limit when it is not the jail's memory limit (Go
    reserves a few hundred MB of address space it never touches, but must meet a refusal fast
    when a program asks for terabytes); ``max_pids``: the runtime's threads (each one counts
    against the pids limit).
    """

    argv: tuple[str, ...]
    box: str | None = None
    mounts: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    address_space: bool = True
    address_space_mb: int | None = None
    max_pids: int | None = None
    stack_mb: int | None = None
    # A read-only procfs of the jail's own pid namespace (the JVM reads /proc/self).
    proc: bool = False
    # The compile jail writes its artefact into /box.
    writable: bool = False


@dataclass(frozen=True)
class Toolchain:
    """The compiler of a language: its command in the jail, what to mount, what identifies it."""

    argv: tuple[str, ...]
    mounts: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    # Paths whose size and mtime change when the toolchain is upgraded (part of the cache key).
    identity: tuple[str, ...] = ()
    address_space_mb: int | None = 1024
    max_pids: int = 32
    cpu_time_s: int = 20
    memory_mb: int = 1024
    # The artefact the build must leave in /box (refused as a compile error when missing).
    artefact: str = "main"


@dataclass
class Build:
    """The outcome of compiling one submission: a directory to run, or the compiler's message."""

    ok: bool
    box: str = ""
    message: str = ""
    compile_ms: float = 0.0
    cached: bool = False


class Language:
    """One language. Subclasses set the class attributes and implement the generators."""

    key: ClassVar[str]
    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    editor_mode: ClassVar[str] = "text"
    extension: ClassVar[str] = "txt"
    # The cost meters of the language's pools, in order of preference: the first this host can
    # run is used (arena/services/calibration.py, ``meter_for``). "valgrind" stands for the
    # deployment's meter (JUDGE_METER); "instructions" is the PMU's count, kept by the kernel
    # outside the jailed process; "cpu" is CPU time, available everywhere (docs/languages.md).
    meters: ClassVar[tuple[str, ...]] = ("valgrind",)
    # Exception names a hidden test may show (the runtime's own, never a class of the program's).
    builtin_errors: ClassVar[frozenset[str]] = frozenset()
    # The runtime's memory on top of the problem's limit (the JVM's and V8's own heaps).
    extra_memory_mb: ClassVar[int] = 0
    # Start-up and loading time on top of the problem's per-test limit, once per run.
    load_allowance_ms: ClassVar[int] = 0
    comment: ClassVar[str] = "//"
    # Runs in the Python harness (judge/harness/harness.py) rather than as a built program.
    harness: ClassVar[bool] = False

    @property
    def compiled(self) -> bool:
        return self.toolchain() is not None

    # --- what a problem offers ---------------------------------------------------------------
    def unsupported(self, signature: dict[str, Any]) -> str | None:
        """Why this language cannot express the signature, or None when it can."""
        try:
            self.check_signature(parse_signature(signature))
        except UnsupportedSignature as exc:
            return str(exc)
        return None

    def check_signature(self, sig: Signature) -> None:
        """Raise UnsupportedSignature for what parse_signature accepts but this language cannot say."""

    def starter(self, signature: dict[str, Any]) -> str:
        return self.starter_code(parse_signature(signature))

    def starter_code(self, sig: Signature) -> str:
        raise NotImplementedError

    # --- building ----------------------------------------------------------------------------
    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        """The files of the build directory: the contestant's source and the driver."""
        raise NotImplementedError

    def toolchain(self) -> Toolchain | None:
        return None

    def compile_hint(self, source: str, message: str) -> str:
        """A failed build's message, with what the source did that this judge cannot build
        (when the compiler's own words would mislead)."""
        return message

    def ran_out_of_memory(self, stderr: bytes) -> bool:
        """Whether a program that exited by itself said, in the runtime's own words, that its
        memory ran out (what it printed first, up to 4 KB, is all that is kept). A program that
        prints the words itself only trades one failing verdict for another."""
        return False

    def prepare(self) -> None:
        """Work done once per host ahead of the first build, so no contestant waits for it (C++:
        its precompiled header). Idempotent; ``manage.py prepare_judge`` runs it."""

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        """How the run jail starts the build in ``box``. ``memory_mb``: the problem's memory limit
        (a runtime with a heap flag sizes its heap by it; None: the runtime's default)."""
        raise NotImplementedError

    def identity(self) -> tuple[str, ...]:
        """The binaries whose version decides its costs (the compiler, or the runtime)."""
        toolchain = self.toolchain()
        return toolchain.identity if toolchain is not None else ()

    def noop_source(self) -> str | None:
        """A program whose function ``noop()`` takes nothing and returns the int 0 (style
        "function"): the meters' empty run, subtracted from every cost."""
        return None

    def clean_message(self, text: str) -> str:
        """The compiler's output as the contestant may see it: jail paths gone, cut short."""
        return clean_compiler_output(text)

    # --- cases ---------------------------------------------------------------------------------
    def encode_case(self, signature: dict[str, Any], args: list[Any]) -> bytes:
        return encode_case(parse_signature(signature), args)


LANGUAGES: dict[str, Language] = {}


def register_language(cls: type[Language]) -> type[Language]:
    LANGUAGES[cls.key] = cls()
    return cls


def get_language(key: str) -> Language:
    from judge import languages  # noqa: F401 - importing the package registers every module

    try:
        return LANGUAGES[key]
    except KeyError:
        raise KeyError(f"unknown language {key!r}") from None


def all_languages() -> list[Language]:
    from judge import languages  # noqa: F401

    return list(LANGUAGES.values())


# --- compiler messages --------------------------------------------------------------------------
MAX_MESSAGE_CHARS = 4000
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean_compiler_output(text: str, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Strip colour codes and the build directory from compiler output, keep the first ``limit``
    characters (the first error is the one that matters)."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    text = text.replace("/box/", "").replace("/box", ".")
    text = re.sub(r"/usr/(?:lib|include|share)/(?:[^\s:'\"]*/)?", "", text)
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch >= " ")
    if len(text) > limit:
        text = text[:limit].rstrip() + "\n… (cut)"
    return text.strip()


# --- the case wire format ------------------------------------------------------------------------
def encode_case(sig: Signature, args: list[Any]) -> bytes:
    """One case as the drivers read it: the arguments in order, as tokens separated by one space,
    ended by a newline. int: decimal; float: Python's repr; bool: 1 or 0; str: its UTF-8 length,
    one space, the raw bytes; a list (and a ListNode): its length, then its items; a TreeNode:
    its LeetCode level order's length, then each item (an int, or ``n`` for null)."""
    if not isinstance(args, list) or len(args) != len(sig.params):
        raise CaseEncodingError(f"expected {len(sig.params)} arguments")
    out: list[bytes] = []
    for param, value in zip(sig.params, args):
        _encode(param.type, value, out)
    return b" ".join(out) + b"\n"


def _int(value: Any) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseEncodingError(f"{value!r} is not an integer")
    if not INT64_MIN <= value <= INT64_MAX:
        raise CaseEncodingError(f"{value} does not fit in 64 bits")
    return str(value).encode()


def _encode(t: SigType, value: Any, out: list[bytes]) -> None:
    kind = t.kind
    if kind == "int":
        out.append(_int(value))
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CaseEncodingError(f"{value!r} is not a finite number")
        out.append(repr(float(value)).encode())
    elif kind == "bool":
        if not isinstance(value, bool):
            raise CaseEncodingError(f"{value!r} is not a boolean")
        out.append(b"1" if value else b"0")
    elif kind == "str":
        if not isinstance(value, str):
            raise CaseEncodingError(f"{value!r} is not a string")
        raw = value.encode("utf-8", "surrogatepass")
        out.append(str(len(raw)).encode() + b" " + raw)
    elif kind == "ListNode":
        _encode(SigType("list", SigType("int")), value if value is not None else [], out)
    elif kind == "TreeNode":
        values = value if value is not None else []
        if not isinstance(values, list):
            raise CaseEncodingError("a tree is given as its level order")
        out.append(str(len(values)).encode())
        out.extend(b"n" if item is None else _int(item) for item in values)
    else:
        assert t.item is not None
        if not isinstance(value, list):
            raise CaseEncodingError(f"{value!r} is not a list")
        out.append(str(len(value)).encode())
        for item in value:
            _encode(t.item, item, out)


# --- shared generator helpers ---------------------------------------------------------------------
@dataclass
class Lines:
    """A small code writer: ``add`` lines at the current indent, ``block`` to nest."""

    indent: str = "    "
    lines: list[str] = field(default_factory=list)
    level: int = 0

    def add(self, *texts: str) -> Lines:
        for text in texts:
            self.lines.append(self.indent * self.level + text if text else "")
        return self

    def extend(self, texts: Iterable[str]) -> Lines:
        return self.add(*texts)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
