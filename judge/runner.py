"""Judge one submission: run all cases in one jail, grade outside it, turn the run into verdicts."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from judge.grading import outputs_match, short_repr
from judge.protocol import CaseOutcome, CaseSpec, JudgeJob, JudgeOutcome
from judge.sandbox import JailLimits, JailRun, run_harness

STARTUP_ALLOWANCE_S = 1.0
MAX_RUN_CPU_S = 120


def limits_for(job: JudgeJob, case_count: int) -> JailLimits:
    cpu_s = min(MAX_RUN_CPU_S, job.time_limit_ms / 1000.0 * max(1, case_count) + STARTUP_ALLOWANCE_S)
    return JailLimits.for_cpu(cpu_s, memory_kb=job.memory_limit_kb)


def harness_job(job: JudgeJob, cases: list[CaseSpec]) -> dict[str, Any]:
    """What goes into the jail: never the expected outputs."""
    return {
        "source": job.source,
        "signature": job.signature,
        "cases": [{"ordinal": c.ordinal, "args": c.args} for c in cases],
        "time_limit_ms": job.time_limit_ms,
    }


def grade_record(job: JudgeJob, case: CaseSpec, record: dict[str, Any]) -> CaseOutcome:
    time_ms = float(record.get("time_ms") or 0.0)
    memory_kb = int(record.get("memory_kb") or 0)
    outcome = CaseOutcome(ordinal=case.ordinal, kind=case.kind, verdict="AC", time_ms=time_ms, memory_kb=memory_kb)
    status = record.get("status")
    if status == "ok":
        if not outputs_match(job.checker, case.args, record.get("output"), case.expected):
            outcome.verdict = "WA"
            if case.kind == "sample":
                outcome.message = (
                    f"Input: {short_repr(case.args)}\nExpected: {short_repr(case.expected)}\n"
                    f"Got: {short_repr(record.get('output'))}"
                )
            else:
                outcome.message = "Wrong answer on a hidden test."
    elif status == "tle":
        outcome.verdict = "TLE"
        outcome.message = f"Exceeded the time limit of {job.time_limit_ms} ms CPU per test."
    elif status == "mle":
        outcome.verdict = "MLE"
        outcome.message = f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."
    elif status == "unserializable":
        outcome.verdict = "WA"
        outcome.message = f"The return value cannot be read: {str(record.get('message', ''))[:200]}"
    else:
        outcome.verdict = "RTE"
        line = record.get("line")
        where = f" (line {line})" if isinstance(line, int) else ""
        outcome.message = f"{str(record.get('error', 'Error'))[:80]}{where}: {str(record.get('message', ''))[:200]}"
    return outcome


def _failure_for_missing(job: JudgeJob, run: JailRun, limits: JailLimits) -> tuple[str, str]:
    """The verdict of the first case the run never reported, decided from outside evidence."""
    if run.output_exceeded:
        return "OLE", f"Output exceeded the limit of {limits.output_bytes // 1024} KB."
    if run.wall_timeout:
        return "TLE", f"Exceeded the wall-clock limit of {limits.wall_time_s} s."
    if run.cpu_timeout or run.cpu_ms >= limits.cpu_time_s * 1000:
        return "TLE", f"Exceeded the time limit of {job.time_limit_ms} ms CPU per test."
    if run.memory_limit_hit or run.max_rss_kb >= job.memory_limit_kb * 0.95:
        return "MLE", f"Exceeded the memory limit of {job.memory_limit_kb // 1024} MB."
    if run.seccomp_violation:
        return "RTE", "Killed: a forbidden system call was made."
    if run.signal is not None:
        name = signal.Signals(run.signal).name if run.signal in signal.Signals._value2member_map_ else str(run.signal)
        return "RTE", f"Killed by signal {name}."
    if run.protocol_error:
        return "RTE", "The program interfered with the judge's result channel."
    return "RTE", f"The program exited (code {run.exit_code}) before all tests ran."


def judge_job(job: JudgeJob, *, on_case: Callable[[CaseOutcome], None] | None = None) -> JudgeOutcome:
    cases = list(job.cases)
    by_ordinal = {c.ordinal: c for c in cases}
    limits = limits_for(job, len(cases))
    outcomes: list[CaseOutcome] = []
    compile_error: dict[str, Any] | None = None
    seen: set[int] = set()

    def handle(record: dict[str, Any]) -> None:
        nonlocal compile_error
        event = record.get("event")
        if event == "compile-error" and not outcomes:
            compile_error = record
            return
        if event != "case":
            return
        ordinal = record.get("ordinal")
        case = by_ordinal.get(ordinal) if isinstance(ordinal, int) else None
        # Cases must arrive once each, in order; anything else is the program writing to our pipe.
        if case is None or ordinal in seen or len(outcomes) >= len(cases) or cases[len(outcomes)].ordinal != ordinal:
            return
        seen.add(ordinal)
        outcome = grade_record(job, case, record)
        outcomes.append(outcome)
        if on_case is not None:
            on_case(outcome)

    run = run_harness(harness_job(job, cases), limits, on_record=handle, warm=True)
    if compile_error is not None:
        line = compile_error.get("line")
        where = f" (line {line})" if isinstance(line, int) else ""
        message = (
            f"{str(compile_error.get('error', 'Error'))[:80]}{where}: {str(compile_error.get('message', ''))[:300]}"
        )
        return JudgeOutcome(verdict="CE", message=message, cpu_ms=run.cpu_ms, memory_kb=run.max_rss_kb)
    if not any(r.get("event") == "compiled" for r in run.records) and not outcomes:
        verdict, message = _failure_for_missing(job, run, limits)
        if run.exit_code == 0 and not run.signal and not run.output_exceeded:
            verdict, message = "CE", "The program stopped the judge while loading."
        return JudgeOutcome(verdict=verdict, message=message, cpu_ms=run.cpu_ms, memory_kb=run.max_rss_kb)

    if len(outcomes) < len(cases):
        verdict, message = _failure_for_missing(job, run, limits)
        first_missing = cases[len(outcomes)]
        missing = CaseOutcome(ordinal=first_missing.ordinal, kind=first_missing.kind, verdict=verdict, message=message)
        outcomes.append(missing)
        if on_case is not None:
            on_case(missing)
    if (run.output_exceeded or run.protocol_error) and all(o.verdict == "AC" for o in outcomes):
        verdict, message = _failure_for_missing(job, run, limits)
        outcomes[-1].verdict, outcomes[-1].message = verdict, message
    if run.cpu_ms > limits.cpu_time_s * 1000 and all(o.verdict == "AC" for o in outcomes):
        # Measured from outside over every process of the jail: work hidden in child processes
        # or threads escapes the per-case timer inside the harness, but not this.
        outcomes[-1].verdict = "TLE"
        outcomes[-1].message = (
            f"Used {run.cpu_ms:.0f} ms of CPU across all processes, over the run's CPU time limit of "
            f"{limits.cpu_time_s * 1000:.0f} ms."
        )

    first_bad = next((o for o in outcomes if o.verdict != "AC"), None)
    return JudgeOutcome(
        verdict=first_bad.verdict if first_bad else "AC",
        message=first_bad.message if first_bad else f"All {len(cases)} tests passed.",
        cases=outcomes,
        time_ms=sum(o.time_ms for o in outcomes),
        memory_kb=run.max_rss_kb,
        cpu_ms=run.cpu_ms,
    )
