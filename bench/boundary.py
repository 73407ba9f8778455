"""The cost of the worker's boundary with the jail: what reading and validating a run's output
costs the worker in CPU and memory, for honest records and for hostile ones.

Prints, per kind of input: the bytes fed, the worker CPU per MB, and the peak memory the
worker allocated as a multiple of the bytes read (tracemalloc). The line splitter and the
parser must stay linear in the bytes read, and memory bounded by the record budget, whatever
the program writes. Run with `make bench` (or `python bench/boundary.py`).
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judge.boundary import BoundaryError, LineReader, parse_case_record, record_budget

CHUNK = 65536


def feed(data: bytes, *, budget: int) -> tuple[int, str]:
    """Feed ``data`` as the session does (64 KB reads) and parse the first line; (lines, outcome)."""
    reader = LineReader()
    reader.limit = budget
    for start in range(0, len(data), CHUNK):
        reader.feed(data[start : start + CHUNK])
        try:
            line = reader.next_line()
        except BoundaryError as error:
            return 0, f"refused ({error.verdict}): {error.reason}"
        if line is not None:
            try:
                parse_case_record(line)
                return 1, "parsed"
            except BoundaryError as error:
                return 1, f"refused ({error.verdict}): {error.reason}"
    return 0, "no complete line"


def measure(name: str, data: bytes, *, expected: object) -> None:
    budget = record_budget(expected)
    started = time.process_time()
    _, outcome = feed(data, budget=budget)
    cpu_s = time.process_time() - started
    tracemalloc.start()  # a second pass for memory: tracing allocations slows them down
    feed(data, budget=budget)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mb = len(data) / 1e6
    print(
        f"{name:<34} {mb:>8.2f} MB  {cpu_s * 1000 / max(mb, 1e-6):>8.1f} ms/MB  "
        f"peak {peak / 1e6:>7.1f} MB ({peak / max(len(data), 1):>5.2f}x)  {outcome}"
    )


def record(output: object) -> bytes:
    return json.dumps({"event": "case", "status": "ok", "output": output}, separators=(",", ":")).encode() + b"\n"


def main() -> None:
    honest = list(range(200_000))
    print(f"record budget for the honest answer: {record_budget(honest) / 1e6:.2f} MB")
    measure("honest answer, 200k ints", record(honest), expected=honest)
    measure("honest answer, 1M ints", record(list(range(1_000_000))), expected=list(range(1_000_000)))
    measure("nested lists for an int answer", record([[]] * 2_000_000), expected=3)
    measure("nested lists within the budget", record([[]] * 20_000), expected=3)
    deep = b'{"event":"case","status":"ok","output":' + b"[" * 20_000 + b"]" * 20_000 + b"}\n"
    measure("20k-deep nesting", deep, expected=list(range(10_000)))
    measure("flood of 2M tiny lines", b"{}\n" * 2_000_000, expected=3)
    measure("unterminated 50 MB line", b"[" * 50_000_000, expected=3)
    measure("strings of 2 chars, 5 MB", record(["ab"] * 700_000), expected=["ab"] * 700_000)


if __name__ == "__main__":
    main()
