"""Judge one submission: hand its cases to one jail one at a time, grade each outside the jail,
and turn what the worker saw into exact verdicts.

Verdicts come from evidence the program cannot forge: the worker's own measurement of each
step (CPU, wall, output bytes), the cgroup's OOM counter, and the supervisor's exit status.
What the program says in a record is only ever its answer or its error, never a fact about
time or memory, and no verdict depends on the text of a message.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from judge.boundary import (
    CaseAnswer,
    CaseError,
    CaseMemoryError,
    CaseUnserializable,
    Compiled,
    CompileError,
    Verdict,
    record_budget,
)
from judge.grading import outputs_match, short_repr
from judge.languages import get_language
from judge.languages.base import CaseEncodingError
from judge.protocol import CaseOutcome, CaseSpec, JudgeJob, JudgeOutcome
from judge.sandbox import JailLimits, JailRun, run_harness
from judge.sandbox.run import LOAD_CPU_MS
from judge.sandbox.session import JailEnd, Step, Stop

STARTUP_ALLOWANCE_S = 1.0
# A run killed by a backstop (RLIMIT_CPU, nsjail's time limit) used nearly all of it.
BACKSTOP_SHARE = 0.95
MAX_RUN_CPU_S = 120
KIND_ORDER = {"sample": 0, "hidden": 1, "performance": 2}
# Exception names a hidden test may show: the language's built-in ones. A class of the program's
# own could carry anything in its name (a hidden input, say), so it is shown as "an exception".
BUILTIN_EXCEPTIONS = get_language("PY3").builtin_errors


def memory_allowance_kb(job: JudgeJob) -> int:
    """The problem's memory limit plus what the language's runtime needs for itself (the JVM)."""
    return job.memory_limit_kb + get_language(job.language).extra_memory_mb * 1024


def limits_for(job: JudgeJob, case_count: int) -> JailLimits:
    """The whole run's backstops (RLIMIT_CPU, nsjail's time limit): never below the sum of the
    step budgets the worker enforces (loading plus every case), so they only ever catch a
    program the worker failed to stop, never one that stayed within every step."""
    language = get_language(job.language)
    load_ms = max(LOAD_CPU_MS, job.time_limit_ms) + language.load_allowance_ms
    steps_ms = load_ms + job.time_limit_ms * max(1, case_count)
    cpu_s = min(MAX_RUN_CPU_S, steps_ms / 1000.0 + STARTUP_ALLOWANCE_S)
    limits = JailLimits.for_cpu(cpu_s, memory_kb=memory_allowance_kb(job))
    # Each step's wall budget is 2 x CPU + 1 s (run.step_wall_s): the run's is their sum.
    return replace(limits, wall_time_s=limits.wall_time_s + case_count + 1)


def ordered(cases: list[CaseSpec]) -> list[CaseSpec]:
    """Samples first: their messages show everything, so no hidden case may have been handed
    to the program before the last message it can write into is settled."""
    return sorted(cases, key=lambda c: (KIND_ORDER.get(c.kind, 3), c.ordinal))


def harness_job(job: JudgeJob, cases: list[CaseSpec]) -> dict[str, Any]:
    """What the worker feeds the jail, case by case: never the expected outputs (only the size
    of record a right answer could need)."""
    return {
        "source": job.source,
        "signature": job.signature,
        "cases": [{"ordinal": c.ordinal, "args": c.args, "record_bytes": record_budget(c.expected)} for c in cases],
        "time_limit_ms": job.time_limit_ms,
        "memory_limit_kb": job.memory_limit_kb,
        "language": job.language,
    }


# --- messages: what each kind of case may reveal ---------------------------------------------
def _error_text(
    kind: str, record: CaseError, *, hidden_feedback: str = "error-type", builtin: frozenset[str] = BUILTIN_EXCEPTIONS
) -> str:
    if kind == "sample":
        where = f" (line {record.line})" if record.line is not None else ""
        return f"{record.error}{where}: {record.message}"
    if kind == "hidden" and hidden_feedback == "verdict":
        return "Runtime error on a hidden test."
    if kind == "hidden":
        # No line number: the program chooses it (compile() can put a raise on any line).
        name = record.error if record.error in builtin else "An exception"
        return f"{name} on a hidden test."
    return "Runtime error on a performance input."


def call_text(args: list[Any], signature: dict[str, Any], limit: int = 300) -> str:
    """Arguments as the problem page shows them: ``nums = [3, 8], target = 11`` (cut to ``limit``)."""
    names = [str(param.get("name", f"arg{i}")) for i, param in enumerate(signature.get("params", []))]
    if not isinstance(args, list) or len(args) != len(names):
        return short_repr(args, limit)
    text = ", ".join(f"{name} = {short_repr(value, limit)}" for name, value in zip(names, args))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrong_text(kind: str, case: CaseSpec, got: Any, signature: dict[str, Any]) -> str:
    if kind == "sample":
        shown = call_text(case.args, signature)
        return f"Input: {shown}\nExpected: {short_repr(case.expected)}\nGot: {short_repr(got)}"
    if kind == "hidden":
        return "Wrong answer on a hidden test."
    return "Wrong answer on a performance input."


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def stop_verdict(
    job: JudgeJob, step: Step, end: JailEnd, limits: JailLimits, *, kind: str = "sample"
) -> tuple[Verdict, str]:
    """The verdict of a step that ended without an answer, from outside evidence only. Exit
    codes and signal numbers are the program's to choose: only a sample may show them."""
    if step.stop is Stop.CPU:
        return Verdict.TLE, f"Exceeded the time limit of {job.time_limit_ms} ms CPU per test."
    if step.stop is Stop.WALL:
        return Verdict.TLE, "Exceeded the wall-clock limit (the program waited instead of working)."
    if step.stop is Stop.OUTPUT:
        return Verdict.OLE, f"Printed more than the output limit of {limits.output_bytes // 1024} KB."
    if step.stop is Stop.INVALID:
        if step.invalid_verdict is Verdict.OLE:
            return Verdict.OLE, "The returned value is far larger than the output limit for this test."
        if step.invalid_verdict is Verdict.WA:
            return Verdict.WA, f"The return value cannot be read: {step.invalid_reason}."
        return Verdict.RTE, f"The program interfered with the judge's result channel: {step.invalid_reason}."
    # The process ended (or closed the result pipe) without answering.
    if end.oom_killed or (end.memory_limit_hit and end.signal == signal.SIGKILL):
        return Verdict.MLE, f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."
    if end.signal is None and get_language(job.language).ran_out_of_memory(end.stderr):
        return Verdict.MLE, f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."
    if end.seccomp_violation:
        return Verdict.RTE, "Killed: a forbidden system call was made."
    if end.signal == signal.SIGXCPU or (
        end.signal == signal.SIGKILL and end.cpu_ms >= limits.cpu_time_s * 1000 * BACKSTOP_SHARE
    ):
        return Verdict.TLE, f"Exceeded the time limit of {job.time_limit_ms} ms CPU per test."
    if end.signal == signal.SIGKILL and end.wall_ms >= limits.wall_time_s * 1000 * BACKSTOP_SHARE:
        return Verdict.TLE, "Exceeded the wall-clock limit (the program waited instead of working)."
    if end.signal is not None:
        detail = f" by signal {_signal_name(end.signal)}" if kind == "sample" else ""
        return Verdict.RTE, f"Killed{detail}."
    code = f" (code {end.exit_code})" if kind == "sample" else ""
    return Verdict.RTE, f"The program exited{code} before all tests ran."


def _memory_text(job: JudgeJob) -> str:
    return f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."


def case_outcome(
    job: JudgeJob, case: CaseSpec, step: Step, end: JailEnd | None, limits: JailLimits, *, check_peak: bool = True
) -> CaseOutcome:
    """Grade one step; ``end`` is needed (and given) only for a step that stopped. ``check_peak``:
    the run's peak counts against the memory limit (not under a meter that adds memory itself)."""
    outcome = CaseOutcome(
        ordinal=case.ordinal, kind=case.kind, verdict=Verdict.AC, time_ms=step.cpu_ms, memory_kb=step.peak_kb or 0
    )
    record = step.record
    if step.stop is not None:
        assert end is not None
        outcome.verdict, outcome.message = stop_verdict(job, step, end, limits, kind=case.kind)
    elif step.oom_killed or (check_peak and (step.peak_kb or 0) > memory_allowance_kb(job)):
        # One limit for every process of the run together, whatever the answer was.
        outcome.verdict, outcome.message = Verdict.MLE, _memory_text(job)
    elif isinstance(record, CaseAnswer):
        if not outputs_match(job.checker, case.args, record.output, case.expected):
            outcome.verdict, outcome.message = Verdict.WA, _wrong_text(case.kind, case, record.output, job.signature)
    elif isinstance(record, CaseError):
        outcome.verdict, outcome.message = (
            Verdict.RTE,
            _error_text(
                case.kind,
                record,
                hidden_feedback=job.hidden_feedback,
                builtin=get_language(job.language).builtin_errors,
            ),
        )
    elif isinstance(record, CaseMemoryError):
        outcome.verdict = Verdict.MLE
        outcome.message = f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."
    elif isinstance(record, CaseUnserializable):
        detail = f": {record.message}" if case.kind == "sample" else "."
        outcome.verdict, outcome.message = Verdict.WA, f"The return value cannot be read{detail}"
    else:  # a load record where a case record belongs cannot get here: the boundary refuses it
        outcome.verdict, outcome.message = Verdict.RTE, "The program interfered with the judge's result channel."
    return outcome


def load_failure(job: JudgeJob, run: JailRun, limits: JailLimits) -> tuple[Verdict, str] | None:
    """The verdict when the program never got to its first test, or None when it loaded."""
    load = run.load
    if load is None:
        return Verdict.CE, "The program did not load."
    if isinstance(load.record, Compiled):
        return None
    if isinstance(load.record, CompileError) and load.record.error == "MemoryError":
        return Verdict.MLE, f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB while loading."
    if isinstance(load.record, CompileError) and load.record.error == "Compilation error":
        return Verdict.CE, load.record.message
    if isinstance(load.record, CompileError):
        where = f" (line {load.record.line})" if load.record.line is not None else ""
        return Verdict.CE, f"{load.record.error}{where}: {load.record.message}"
    if load.stop is Stop.CPU:
        return Verdict.TLE, "Exceeded the time limit while loading."
    if load.stop is Stop.EXITED and run.end.exit_code == 0 and run.end.signal is None:
        return Verdict.CE, "The program stopped the judge while loading."
    return stop_verdict(job, load, run.end, limits)


def judge_job(job: JudgeJob, *, on_case: Callable[[CaseOutcome], None] | None = None) -> JudgeOutcome:
    """Run the cases in order and stop at the first that fails; its verdict is the submission's."""
    cases = ordered(list(job.cases))
    by_ordinal = {c.ordinal: c for c in cases}
    limits = limits_for(job, len(cases))
    outcomes: list[CaseOutcome] = []

    def graded(outcome: CaseOutcome) -> None:
        outcomes.append(outcome)
        if on_case is not None:
            on_case(outcome)

    def on_step(ordinal: int, step: Step) -> bool:
        outcome = case_outcome(job, by_ordinal[ordinal], step, None, limits)
        graded(outcome)
        return outcome.verdict == Verdict.AC

    try:
        run = run_harness(harness_job(job, cases), limits, on_step=on_step, warm=True)
    except CaseEncodingError:  # the problem's data, not the program: it would fail every time
        # The value is not shown: it may be a hidden test's.
        name = get_language(job.language).name
        return JudgeOutcome(
            verdict=Verdict.IE, message=f"A test of this problem holds a value {name} cannot represent."
        )
    failed = load_failure(job, run, limits)
    if failed is not None:
        return JudgeOutcome(verdict=failed[0], message=failed[1], cpu_ms=run.end.cpu_ms, memory_kb=run.end.max_rss_kb)
    if run.steps and run.steps[-1][1].stop is not None:
        ordinal, step = run.steps[-1]
        graded(case_outcome(job, by_ordinal[ordinal], step, run.end, limits))

    first_bad = next((o for o in outcomes if o.verdict != Verdict.AC), None)
    if first_bad is None and len(outcomes) < len(cases):  # cannot happen: every step is graded
        raise RuntimeError("a judged run ended without a verdict for every test")
    return JudgeOutcome(
        verdict=first_bad.verdict if first_bad else Verdict.AC,
        message=first_bad.message if first_bad else f"All {len(cases)} tests passed.",
        cases=outcomes,
        time_ms=sum(o.time_ms for o in outcomes),
        memory_kb=max((o.memory_kb for o in outcomes), default=run.end.max_rss_kb),
        cpu_ms=run.end.cpu_ms,
    )
