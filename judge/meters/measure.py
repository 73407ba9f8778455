"""Measuring programs with a meter: runs until it has enough samples, outputs checked on every run."""

from __future__ import annotations

from judge.grading import outputs_match
from judge.meters.base import CostMeter, CostResult, Sample
from judge.protocol import CaseSpec, JudgeJob
from judge.runner import harness_job, limits_for


def measure_cost(job: JudgeJob, perf_cases: list[CaseSpec], *, repeats: int, meter: CostMeter) -> CostResult:
    """Run the performance inputs until the meter has enough samples (``repeats`` runs, more
    for ``cpu`` on a disturbed host, one for a deterministic meter); the cost is the meter's
    robust statistic of the samples minus the empty-run baseline.

    Outputs are checked on every run, so a program cannot be fast only when it is measured.
    """
    return measure_interleaved([job], perf_cases, repeats=repeats, meter=meter)[0]


def measure_interleaved(
    jobs: list[JudgeJob], perf_cases: list[CaseSpec], *, repeats: int, meter: CostMeter
) -> list[CostResult]:
    """Measure several programs on the same performance inputs, one run of each in turn, so
    that a slow stretch of the host falls on all of them alike; each is measured until the
    meter has enough of its samples. A program whose run fails gets its failure and is not
    run again; the others go on.
    """
    if not perf_cases:
        return [CostResult(ok=False, message="the problem has no performance inputs") for _ in jobs]
    prepared = [meter.scaled_limits(harness_job(job, perf_cases), limits_for(job, len(perf_cases))) for job in jobs]
    samples: list[list[float]] = [[] for _ in jobs]
    failures: list[str] = ["" for _ in jobs]

    def measuring(index: int) -> bool:
        own = samples[index]
        return not failures[index] and (not own or not meter.enough(own, repeats=repeats))

    while any(measuring(index) for index in range(len(jobs))):
        for index, job in enumerate(jobs):
            if not measuring(index):
                continue
            payload, limits = prepared[index]
            sample = meter.measure_once(payload, limits)
            failures[index] = check_sample(job, perf_cases, sample)
            if not failures[index]:
                samples[index].append(sample.cost)
    baseline = meter.baseline() if any(not failure for failure in failures) else 0.0
    return [
        CostResult(ok=False, message=failure)
        if failure
        else CostResult(
            ok=True,
            cost=max(0.0, meter.summarize(own) - baseline),
            unit=meter.unit,
            meter=meter.name,
            samples=own,
            settled=meter.settled(own, repeats=repeats),
        )
        for own, failure in zip(samples, failures, strict=True)
    ]


PERF_FAILURES = {
    "tle": "time limit exceeded",
    "mle": "memory limit exceeded",
    "error": "runtime error",
    "unserializable": "unserializable result",
}


def check_sample(job: JudgeJob, perf_cases: list[CaseSpec], sample: Sample) -> str:
    """'' when the run finished every performance input with the right answer."""
    if sample.failure:
        return f"Performance run: {sample.failure}."
    by_ordinal = {r.get("ordinal"): r for r in sample.records if r.get("event") == "case"}
    for case in perf_cases:
        record = by_ordinal.get(case.ordinal)
        if record is None:
            return f"Performance run: stopped before performance input {case.ordinal}."
        if record.get("status") != "ok":
            what = PERF_FAILURES.get(str(record.get("status")), "failed")
            detail = f": {str(record['message'])[:200]}" if record.get("message") else ""
            return f"Performance run: {what} on performance input {case.ordinal}{detail}."
        if not outputs_match(job.checker, case.args, record.get("output"), case.expected):
            return "Wrong answer on a performance input."
    return ""
