"""The one way to run a trusted program: a reference solution, a dataset's canonical answer,
a problem's canonical solution computing expected outputs.

Trusted programs still run in the jail (they are data a curator or a dataset supplied), with
generous limits, and every input gets an answer or a reason: a failing input does not stop
the others while the process lives, and inputs never reached say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from judge.boundary import CaseAnswer, CaseError, CaseMemoryError, CaseUnserializable, CompileError
from judge.protocol import CheckerSpec, JudgeJob
from judge.runner import MAX_RUN_CPU_S, load_failure, stop_verdict
from judge.sandbox import JailLimits, run_harness

GENEROUS_FACTOR = 5  # a reference gets 5x the problem's time limit per input
REFERENCE_MEMORY_KB = 1024 * 1024


@dataclass(frozen=True)
class ReferenceAnswer:
    ok: bool
    output: Any = None
    error: str = ""
    cpu_ms: float = 0.0
    peak_kb: int = 0


@dataclass
class ReferenceRun:
    load_error: str = ""  # '' when the program loaded
    answers: list[ReferenceAnswer] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.load_error and all(answer.ok for answer in self.answers)

    def first_failure(self) -> str:
        if self.load_error:
            return f"does not load: {self.load_error}"
        for index, answer in enumerate(self.answers):
            if not answer.ok:
                return f"failed on input #{index}: {answer.error}"
        return ""


def run_reference(
    *,
    source: str,
    signature: dict[str, Any],
    inputs: list[list[Any]],
    time_limit_ms: int,
    factor: float = GENEROUS_FACTOR,
    memory_kb: int = REFERENCE_MEMORY_KB,
) -> ReferenceRun:
    """Run ``source`` on every input in one jail; the answer (or the failure) of each input."""
    per_case_ms = int(time_limit_ms * factor)
    job = JudgeJob(
        source=source, signature=signature, cases=[], checker=CheckerSpec(), time_limit_ms=per_case_ms,
        memory_limit_kb=memory_kb,
    )  # fmt: skip
    limits = JailLimits.for_cpu(min(MAX_RUN_CPU_S, 1 + len(inputs) * per_case_ms / 1000), memory_kb=memory_kb)
    payload = {
        "source": source,
        "signature": signature,
        "cases": [{"ordinal": index, "args": args} for index, args in enumerate(inputs)],
        "time_limit_ms": per_case_ms,
    }
    run = run_harness(payload, limits, on_step=lambda ordinal, step: True)
    result = ReferenceRun()
    failed = load_failure(job, run, limits)
    if failed is not None:
        load = run.load.record if run.load is not None else None
        if isinstance(load, CompileError):
            where = f" (line {load.line})" if load.line is not None else ""
            result.load_error = f"{load.error}{where}: {load.message}"
        else:
            result.load_error = f"{failed[0]}: {failed[1]}"
        return result
    steps = dict(run.steps)
    for index in range(len(inputs)):
        step = steps.get(index)
        if step is None:
            result.answers.append(ReferenceAnswer(ok=False, error="not reached: the run stopped on an earlier input"))
            continue
        record = step.record
        if step.stop is not None:
            verdict, message = stop_verdict(job, step, run.end, limits)
            ok, output, error = False, None, f"{verdict}: {message}"
        elif isinstance(record, CaseAnswer):
            ok, output, error = True, record.output, ""
        elif isinstance(record, CaseError):
            where = f" (line {record.line})" if record.line is not None else ""
            ok, output, error = False, None, f"{record.error}{where}: {record.message}"
        elif isinstance(record, CaseMemoryError):
            ok, output, error = False, None, "MLE: MemoryError"
        else:
            message = record.message if isinstance(record, CaseUnserializable) else ""
            ok, output, error = False, None, f"unserializable: {message}"
        result.answers.append(
            ReferenceAnswer(ok=ok, output=output, error=error, cpu_ms=step.cpu_ms, peak_kb=step.peak_kb or 0)
        )
    return result
