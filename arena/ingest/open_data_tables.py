"""The open-data tables, declared once: the export (arena/services/open_data.py) writes them,
the import (arena/ingest/open_data.py) reads them, and the README shipped in each export is
generated from them, so the documentation cannot drift from the files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FORMAT_VERSION = "2"  # 2: performance inputs are no longer exported; problems carry perf_count

ColumnType = Literal["string", "int", "float", "bool", "json", "timestamp", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]


TABLES: tuple[Table, ...] = (
    Table(
        "problems",
        "One row per public problem.",
        (
            Column("code", "string", "Stable identifier (slug); other tables refer to problems by it."),
            Column("title", "string", "Display title."),
            Column("statement", "string", "Problem statement in Markdown (rendered and sanitised on the site)."),
            Column("difficulty", "string", "easy, medium or hard."),
            Column("points", "float", "Base points P, shared by everyone who solves it (Dynamic Points)."),
            Column("published_at", "timestamp", "Release date (UTC): drives contamination windows."),
            Column("tags", "json", "List of topic tags."),
            Column("time_limit_ms", "int", "CPU time limit per test case, in milliseconds."),
            Column("memory_limit_kb", "int", "Memory limit, in KiB."),
            Column(
                "signature",
                "json",
                'Call signature: {"style": "class"|"function", "name", "params": [{"name", "type"}], "returns"}. '
                "Class style calls Solution().<name>(...); ListNode/TreeNode arguments and results are "
                "LeetCode-style level-order arrays.",
            ),
            Column("starter_code", "json", "Object: language key (e.g. PY3) to starter source."),
            Column("checker", "string", "How outputs compare: exact, float, unordered or custom."),
            Column(
                "checker_source", "string", "For checker = custom: Python defining evaluate(args, output, expected)."
            ),
            Column("float_tolerance", "float", "Relative and absolute tolerance of the float checker."),
            Column(
                "generator_source", "string", "Python defining generate(rng, scale) -> list of arguments; may be empty."
            ),
            Column("perf_scale", "int", "Generator scale of the performance inputs (0 = not from a scaled generator)."),
            Column(
                "perf_count",
                "int",
                "How many performance inputs it has. The inputs are secret and not exported: an importing instance "
                "draws its own from the generator at perf_scale.",
            ),
            Column(
                "origin", "string", "Where the exporting instance got it: bank, admin, mercury, humaneval, open-data."
            ),
            Column("origin_id", "string", "Its id at that origin (e.g. HumanEval/0); empty for the bank."),
            Column("reference_labels", "json", "Labels of its reference solutions (full rows in references)."),
        ),
    ),
    Table(
        "tests",
        "One row per sample or hidden test case. Expected outputs come from the canonical reference solution. "
        "Performance inputs (what cost is measured on) and their outputs are secret and not exported.",
        (
            Column("problem", "string", "Problem code."),
            Column("ordinal", "int", "Position of the case within its problem (cases run in this order)."),
            Column("kind", "string", "sample (shown in the statement) or hidden."),
            Column("input", "json", "List of positional arguments."),
            Column("expected", "json", "Expected return value, as JSON.", nullable=True),
        ),
    ),
    Table(
        "references",
        "One row per reference solution: the yardsticks of the efficiency scores.",
        (
            Column("problem", "string", "Problem code."),
            Column(
                "label", "string", 'Human-readable label, e.g. "O(n^2) brute force" or "Mercury solution 3 (56ms)".'
            ),
            Column("language", "string", "Its language's key: PY3, CPP17, JAVA17, JS, GO or RUST."),
            Column("source", "string", "Source code in that language."),
            Column(
                "is_canonical",
                "bool",
                "True for the Python solution whose outputs are the expected outputs, and for its translation "
                "in each other language.",
            ),
            Column(
                "costs",
                "json",
                "Its measured costs, one object per judge host and meter: host, meter, unit, cost, samples "
                "(every repeat), cluster (0 = slowest), cumulative_share (DPS), environment, measured_at.",
            ),
        ),
    ),
    Table(
        "submissions",
        "One row per accepted submission to a public problem.",
        (
            Column("submission", "string", "Pseudonymous id of the submission, stable across exports."),
            Column("problem", "string", "Problem code."),
            Column(
                "participant",
                "string",
                "The participant's display name if they opted in to open data, else a stable pseudonym "
                '"participant-<hash>".',
            ),
            Column("participant_kind", "string", "human or model."),
            Column("language", "string", "Language key, e.g. PY3."),
            Column(
                "source",
                "string",
                "The accepted program; null when withheld because it contains the name of a participant who "
                "did not opt in.",
                nullable=True,
            ),
            Column("verdict", "string", "Always AC in this table."),
            Column("time_ms", "float", "Sum of per-case wall times measured by the harness, ms.", nullable=True),
            Column("memory_kb", "int", "Peak resident memory of the run, KiB.", nullable=True),
            Column("cost", "float", "Cost on the performance inputs (median of repeats).", nullable=True),
            Column("cost_unit", "string", "Unit of cost, e.g. ms or instructions."),
            Column("cost_meter", "string", "Meter that measured it: cpu, instructions or valgrind."),
            Column(
                "judge_host", "string", "Judge host that measured it; compare costs only within one host and meter."
            ),
            Column("beyond", "float", "Beyond score in [0, 1] against the references on that host.", nullable=True),
            Column("dps", "float", "DPS score in [0, 1] (cumulative share of the matched cluster).", nullable=True),
            Column("dps_norm", "float", "DPS_norm in [0, 1] ((j+1)/m for the matched cluster j).", nullable=True),
            Column("es", "float", "Efficiency share in [0, 1] among all accepted solutions.", nullable=True),
            Column("submitted_on", "date", "Day the submission was made (UTC)."),
        ),
    ),
)
TABLE_BY_NAME = {table.name: table for table in TABLES}
