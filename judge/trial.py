"""Run a program on a few inputs for its author (the "Run" button): what it printed, what it
returned, and against a sample's expected output whether that was right.

Each input runs in a jail of its own, so what a run printed belongs to that input alone (the
jail's stdout and stderr are kept by the worker, up to ``KEEP_OUTPUT_BYTES`` each), and one
input that crashes or hangs the program does not hide the others. The limits are the problem's,
as in judging; nothing is measured for efficiency, and nothing here is a verdict on record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from judge.boundary import CaseAnswer, Verdict, record_budget
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import case_outcome, limits_for, load_failure
from judge.sandbox import run_harness
from judge.sandbox.session import KEEP_OUTPUT_BYTES

# A custom input has no expected output to bound the answer's record by: this much is read.
TRIAL_RECORD_BYTES = 1 << 20
# What a trial shows of the program's stdout and stderr, each.
TRIAL_OUTPUT_CHARS = KEEP_OUTPUT_BYTES


@dataclass
class TrialCase:
    """One input's run. ``verdict``: AC/WA for a sample (compared with its expected output), OK
    for a custom input that returned, else the failure's (RTE, TLE, MLE, OLE, CE)."""

    ordinal: int
    kind: str  # "sample" or "custom"
    args: list[Any]
    verdict: str
    message: str = ""
    returned: bool = False
    output: Any = None
    expected: Any = None
    stdout: str = ""
    stderr: str = ""
    stdout_cut: bool = False
    stderr_cut: bool = False
    time_ms: float = 0.0
    memory_kb: int = 0


def _text(raw: bytes) -> tuple[str, bool]:
    """What the program printed, as text (undecodable bytes replaced), and whether it was cut."""
    text = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    cut = len(raw) >= KEEP_OUTPUT_BYTES or len(text) > TRIAL_OUTPUT_CHARS
    return text[:TRIAL_OUTPUT_CHARS], cut


def trial_case(job: JudgeJob, case: CaseSpec) -> TrialCase:
    """Run ``case`` alone in a fresh jail. ``case.kind`` is "sample" (with its expected output) or
    "custom" (``expected`` None: the answer is shown, not graded)."""
    custom = case.kind == "custom"
    # Messages as for a sample: the input is the author's own, or public.
    graded = CaseSpec(ordinal=case.ordinal, kind="sample", args=case.args, expected=case.expected)
    limits = limits_for(job, 1)
    harness = {
        "source": job.source,
        "signature": job.signature,
        "cases": [
            {
                "ordinal": case.ordinal,
                "args": case.args,
                "record_bytes": TRIAL_RECORD_BYTES if custom else record_budget(case.expected),
            }
        ],
        "time_limit_ms": job.time_limit_ms,
        "memory_limit_kb": job.memory_limit_kb,
        "language": job.language,
    }
    run = run_harness(harness, limits, warm=True)
    result = TrialCase(ordinal=case.ordinal, kind=case.kind, args=case.args, verdict=Verdict.AC, expected=case.expected)
    result.stdout, result.stdout_cut = _text(run.end.stdout)
    result.stderr, result.stderr_cut = _text(run.end.stderr)
    failed = load_failure(job, run, limits)
    if failed is not None:
        result.verdict, result.message = failed
        return result
    if not run.steps:  # loaded, then ended before the case was handed over
        result.verdict, result.message = Verdict.RTE, "The program ended before the input was given to it."
        return result
    _, step = run.steps[0]
    result.time_ms, result.memory_kb = step.cpu_ms, step.peak_kb or 0
    within_memory = not step.oom_killed and (step.peak_kb or 0) <= job.memory_limit_kb
    if custom and step.stop is None and within_memory and isinstance(step.record, CaseAnswer):
        result.verdict, result.returned, result.output = "OK", True, step.record.output
        return result
    outcome = case_outcome(job, graded, step, run.end if step.stop is not None else None, limits)
    result.verdict, result.message = outcome.verdict, outcome.message
    if isinstance(step.record, CaseAnswer) and step.stop is None:
        result.returned, result.output = True, step.record.output
    return result


def trial_run(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a trial sent as plain data (it crosses the broker to a judge host): ``{"source",
    "signature", "checker": {"kind", "float_tolerance", "source"}, "time_limit_ms",
    "memory_limit_kb", "language"?, "cases": [{"ordinal", "kind", "args", "expected"}]}``. One jail per input,
    one after the other."""
    checker = payload.get("checker") or {}
    job = JudgeJob(
        source=payload["source"],
        signature=payload["signature"],
        cases=[],
        checker=CheckerSpec(
            kind=checker.get("kind", "exact"),
            float_tolerance=float(checker.get("float_tolerance", 1e-6)),
            source=checker.get("source", ""),
        ),
        time_limit_ms=int(payload["time_limit_ms"]),
        memory_limit_kb=int(payload["memory_limit_kb"]),
        language=str(payload.get("language") or "PY3"),
    )
    results = []
    for raw in payload["cases"]:
        case = CaseSpec(ordinal=int(raw["ordinal"]), kind=raw["kind"], args=raw["args"], expected=raw.get("expected"))
        results.append(asdict(trial_case(job, case)))
    return results
