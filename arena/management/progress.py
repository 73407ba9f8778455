"""Progress bars and summary tables for curation commands (plain lines when not on a terminal)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


def progress(items: Sequence[T], *, label: str = "", out: Any = None, name: Any = str) -> Iterator[T]:
    # A management command's OutputWrapper appends newlines itself; write to the stream under it.
    stream: TextIO = getattr(out, "_out", out) or sys.stdout
    total = len(items)
    started = time.monotonic()
    tty = stream.isatty()
    for index, item in enumerate(items, start=1):
        done = int(30 * (index - 1) / max(1, total))
        bar = "#" * done + "." * (30 - done)
        line = f"{label} [{bar}] {index - 1}/{total} {name(item)}"
        stream.write(f"\r{line:<100}" if tty else line + "\n")
        stream.flush()
        yield item
    elapsed = time.monotonic() - started
    line = f"{label} [{'#' * 30}] {total}/{total} in {elapsed:.1f}s"
    stream.write(f"\r{line:<100}\n" if tty else line + "\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    text_rows = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in text_rows]
    return "\n".join(out)
