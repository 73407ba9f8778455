"""Measuring programs with a meter: runs until it has enough samples, outputs checked on every run."""

from __future__ import annotations

from dataclasses import replace

from judge.boundary import Verdict
from judge.meters.base import CostMeter, CostResult, Sample
from judge.protocol import CaseSpec, JudgeJob
from judge.runner import case_outcome, harness_job, limits_for, load_failure

PERF_TIME_MARGIN = 2


def measure_cost(
    job: JudgeJob, perf_cases: list[CaseSpec], *, repeats: int, meter: CostMeter, budget: float | None = None
) -> CostResult:
    """Run the performance inputs until the meter has enough samples (``repeats`` runs, more
    for ``cpu`` on a disturbed host, one for a deterministic meter); the cost is the meter's
    robust statistic of the samples minus the empty-run baseline.

    Outputs are checked on every run, so a program cannot be fast only when it is measured.
    ``budget`` (a cost in the meter's unit, e.g. 3x the slowest reference's): see
    ``measure_interleaved``.
    """
    return measure_interleaved([job], perf_cases, repeats=repeats, meter=meter, budget=budget)[0]


def measure_interleaved(
    jobs: list[JudgeJob],
    perf_cases: list[CaseSpec],
    *,
    repeats: int,
    meter: CostMeter,
    budget: float | None = None,
) -> list[CostResult]:
    """Measure several programs on the same performance inputs, one run of each in turn, so
    that a slow stretch of the host falls on all of them alike; each is measured until the
    meter has enough of its samples. A program whose run fails gets its failure and is not
    run again; the others go on.

    With a ``budget``, a program whose cost exceeds it is ``over_budget`` (to be scored as slower
    than every reference), not a failure. Its runs are stopped once they have used the CPU time
    in which the meter would certainly have counted more than the budget
    (``CostMeter.budget_cpu_ms``, with a wide margin); a run that finishes before that is
    compared with the budget by its count, so for a counting meter the decision is exact.
    """
    if not perf_cases:
        return [CostResult(ok=False, message="the problem has no performance inputs") for _ in jobs]
    # Performance inputs are sized so that the slowest reference takes up to about the time
    # limit (curation's scale); measuring allows PERF_TIME_MARGIN x that, so a noisy host cannot
    # turn the slowest reference's measurement into a TLE.
    roomy = [replace(job, time_limit_ms=job.time_limit_ms * PERF_TIME_MARGIN) for job in jobs]
    prepared = [meter.scaled_limits(harness_job(job, perf_cases), limits_for(job, len(perf_cases))) for job in roomy]
    cpu_budget_ms = meter.budget_cpu_ms(budget) if budget is not None else None
    if cpu_budget_ms is not None:
        prepared = [({**payload, "cpu_budget_ms": cpu_budget_ms}, limits) for payload, limits in prepared]
    samples: list[list[float]] = [[] for _ in jobs]
    failures: list[tuple[Verdict, str] | None] = [None for _ in jobs]
    stopped = [False for _ in jobs]  # a run was stopped by the budget

    def measuring(index: int) -> bool:
        own = samples[index]
        return failures[index] is None and not stopped[index] and (not own or not meter.enough(own, repeats=repeats))

    while any(measuring(index) for index in range(len(jobs))):
        for index, job in enumerate(roomy):
            if not measuring(index):
                continue
            payload, limits = prepared[index]
            sample = meter.measure_once(payload, limits)
            if sample.run.over_budget:
                # Whatever it answered before it was stopped is still checked.
                answered = [case for case in perf_cases if case.ordinal in sample.run.answered()]
                failures[index] = check_sample(job, answered, sample, check_peak=meter.slowdown == 1.0)
                stopped[index] = True
                continue
            failures[index] = check_sample(job, perf_cases, sample, check_peak=meter.slowdown == 1.0) or sample.failure
            if failures[index] is None:
                samples[index].append(sample.cost)
    baseline = meter.baseline() if any(failure is None for failure in failures) else 0.0
    results: list[CostResult] = []
    for own, failure, cut in zip(samples, failures, stopped, strict=True):
        if failure is not None:
            results.append(CostResult(ok=False, verdict=failure[0], message=failure[1]))
            continue
        cost = float(budget) if cut and budget is not None else max(0.0, meter.summarize(own) - baseline)
        results.append(
            CostResult(
                ok=True,
                cost=cost,
                unit=meter.unit,
                meter=meter.name,
                samples=own,
                settled=cut or meter.settled(own, repeats=repeats),
                over_budget=cut or (budget is not None and cost > budget),
            )
        )
    return results


def check_sample(
    job: JudgeJob, perf_cases: list[CaseSpec], sample: Sample, *, check_peak: bool = True
) -> tuple[Verdict, str] | None:
    """None when the run answered every performance input rightly; otherwise the verdict and
    message of the first failure, graded exactly as a judged test (performance inputs show
    the verdict only). Outputs are checked on every run, so a program cannot be fast only
    when it is measured."""
    run = sample.run
    failed = load_failure(job, run, run.limits)
    if failed is not None:
        return failed[0], f"Before the performance inputs: {failed[1][:1].lower()}{failed[1][1:]}"
    steps = dict(run.steps)
    for case in perf_cases:
        step = steps.get(case.ordinal)
        if step is None:  # an earlier input stopped the run; its verdict was returned below
            return Verdict.RTE, "The run stopped before a performance input."
        outcome = case_outcome(job, case, step, run.end, run.limits, check_peak=check_peak)
        if outcome.verdict != Verdict.AC:
            message = outcome.message
            if "performance input" not in message:
                message = f"On a performance input: {message[:1].lower()}{message[1:]}"
            return Verdict(outcome.verdict), message
    return None
