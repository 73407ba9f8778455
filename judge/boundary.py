"""The one strict, typed boundary for everything a jail says.

The harness runs in the program's process, so every byte on its result pipe is the program's:
it may be forged, truncated, nested thousands deep, huge, full of NaN or lone surrogates.
Lines are split here in time linear in the bytes read, each line is capped before it is
parsed, and every record is validated once into a frozen dataclass. Anything invalid raises
``BoundaryError``, which the runner turns into the program's verdict (RTE, OLE or WA), never
into a crash of the worker. The rest of the judge only ever sees the typed records.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# A record never needs more than this, whatever the problem (the bank's largest expected output
# is a few MB of JSON); it bounds the worker's buffer before a newline is found.
MAX_RECORD_BYTES = 64 << 20
# A returned value whose JSON is much larger than the expected output's cannot be right; it is
# refused before parsing, so parsing costs (time and memory) stay proportional to the expected
# output, not to what the program chooses to write.
RECORD_SLACK_BYTES = 64 << 10
RECORD_FACTOR = 4
MAX_TEXT_CHARS = 500
MAX_NAME_CHARS = 100


class Verdict(StrEnum):
    AC = "AC"
    WA = "WA"
    TLE = "TLE"
    MLE = "MLE"
    RTE = "RTE"
    OLE = "OLE"
    CE = "CE"
    IE = "IE"


class BoundaryError(ValueError):
    """What the jail wrote is not a valid record: the program's fault."""

    def __init__(self, reason: str, *, verdict: Verdict = Verdict.RTE) -> None:
        super().__init__(reason)
        self.reason = reason
        self.verdict = verdict


@dataclass(frozen=True)
class Compiled:
    pass


@dataclass(frozen=True)
class CompileError:
    error: str
    line: int | None
    message: str


@dataclass(frozen=True)
class CaseAnswer:
    output: Any


@dataclass(frozen=True)
class CaseError:
    error: str
    line: int | None
    message: str


@dataclass(frozen=True)
class CaseUnserializable:
    message: str


@dataclass(frozen=True)
class CaseMemoryError:
    pass


LoadRecord = Compiled | CompileError
CaseRecord = CaseAnswer | CaseError | CaseUnserializable | CaseMemoryError


def clean_text(value: object, *, limit: int = MAX_TEXT_CHARS) -> str:
    """A string safe to store and show: no lone surrogates, no NUL (PostgreSQL text refuses
    both), no other control characters but newline and tab, cut to ``limit`` characters."""
    if not isinstance(value, str):
        raise BoundaryError("a text field is not a string")
    text = value[: limit * 2].encode("utf-8", "replace").decode("utf-8")
    text = "".join(ch if ch >= " " or ch in "\n\t" else "\ufffd" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line_number(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 < value < 10_000_000:
        raise BoundaryError("a line number is not a small positive integer")
    return value


def _finite(value: Any) -> None:
    """Reject NaN and infinities anywhere in a value (``1e400`` parses as infinity). Iterative:
    the value may be nested as deeply as the parser allowed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                raise BoundaryError("a number is not finite", verdict=Verdict.WA)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def _reject_constant(name: str) -> Any:
    raise BoundaryError(f"{name} is not valid JSON", verdict=Verdict.WA)


def _load(line: bytes) -> Any:
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except BoundaryError:
        raise
    except RecursionError:
        raise BoundaryError("a record is nested too deeply", verdict=Verdict.WA) from None
    except MemoryError:
        raise BoundaryError("a record is too large", verdict=Verdict.OLE) from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, int digits over the limit
        raise BoundaryError("a record is not valid JSON") from None


def record_budget(expected: Any | None) -> int:
    """The largest record line accepted for a case whose expected output is ``expected``
    (None: a trusted run with no expected output yet)."""
    if expected is None:
        return MAX_RECORD_BYTES
    size = len(json.dumps(expected, separators=(",", ":")))
    return min(MAX_RECORD_BYTES, RECORD_FACTOR * size + RECORD_SLACK_BYTES)


def _fields(line: bytes) -> dict[str, Any]:
    record = _load(line)
    if not isinstance(record, dict) or not isinstance(record.get("event"), str):
        raise BoundaryError("a record is not an object with an event")
    return record


def parse_load_record(line: bytes) -> LoadRecord:
    record = _fields(line)
    event = record["event"]
    if event == "compiled":
        return Compiled()
    if event == "compile-error":
        return CompileError(
            error=clean_text(record.get("error", "Error"), limit=MAX_NAME_CHARS),
            line=_line_number(record.get("line")),
            message=clean_text(record.get("message", "")),
        )
    raise BoundaryError(f"unexpected record {clean_text(event, limit=40)!r} while loading")


def parse_case_record(line: bytes) -> CaseRecord:
    """One case's record, validated; BoundaryError (with the program's verdict) otherwise."""
    record = _fields(line)
    if record["event"] != "case":
        raise BoundaryError("unexpected record while a test ran")
    status = record.get("status")
    if status == "ok":
        if "output" not in record:
            raise BoundaryError("an answer without an output")
        output = record["output"]
        if b"." in line or b"e" in line or b"E" in line:  # else no float at all, infinite or not
            _finite(output)
        return CaseAnswer(output=output)
    if status == "error":
        return CaseError(
            error=clean_text(record.get("error", "Error"), limit=MAX_NAME_CHARS),
            line=_line_number(record.get("line")),
            message=clean_text(record.get("message", "")),
        )
    if status == "unserializable":
        return CaseUnserializable(message=clean_text(record.get("message", "")))
    if status == "mle":
        return CaseMemoryError()
    raise BoundaryError("a record with an unknown status")


class LineReader:
    """Splits a byte stream into lines in time linear in its length, with a cap per line.

    Only the bytes that arrived since the last call are searched for a newline, and a line is
    cut off the buffer once: a flood of tiny lines costs what its bytes cost, no more.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scanned = 0
        self.limit = MAX_RECORD_BYTES
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self._buffer.extend(chunk)
        self.total += len(chunk)

    def next_line(self) -> bytes | None:
        """The next complete line, or None; raises BoundaryError (OLE) once a line outgrows the limit."""
        end = self._buffer.find(b"\n", self._scanned)
        if end < 0:
            self._scanned = len(self._buffer)
            if self._scanned > self.limit:
                raise BoundaryError("the returned value is larger than the output limit", verdict=Verdict.OLE)
            return None
        if end > self.limit:
            raise BoundaryError("the returned value is larger than the output limit", verdict=Verdict.OLE)
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        self._scanned = 0
        return line

    def discard(self) -> None:
        self._buffer.clear()
        self._scanned = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)
