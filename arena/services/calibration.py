"""Per-host costs of reference solutions, and the glue from problems to judge jobs."""

from __future__ import annotations

import socket

from django.conf import settings
from django.db import IntegrityError, transaction

from arena.models import Problem, ReferenceCost, TestCase
from judge.meters import CostMeter, get_meter, measure_cost
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob


def judge_host() -> str:
    return settings.JUDGE_HOST or socket.gethostname()


def checker_spec(problem: Problem) -> CheckerSpec:
    return CheckerSpec(kind=problem.checker, float_tolerance=problem.float_tolerance, source=problem.checker_source)  # type: ignore[arg-type]


def case_specs(problem: Problem, *, kinds: tuple[str, ...]) -> list[CaseSpec]:
    return [
        CaseSpec(ordinal=c.ordinal, kind=c.kind, args=c.input, expected=c.expected)
        for c in problem.cases.filter(kind__in=kinds).order_by("ordinal")
    ]


def job_for(problem: Problem, source: str, cases: list[CaseSpec]) -> JudgeJob:
    return JudgeJob(
        source=source,
        signature=problem.signature,
        cases=cases,
        checker=checker_spec(problem),
        time_limit_ms=problem.time_limit_ms,
        memory_limit_kb=problem.memory_limit_kb,
    )


def reference_costs(problem: Problem, *, meter: CostMeter | None = None, recalibrate: bool = False) -> list[float]:
    """Costs of the problem's references on this host, measuring those not yet calibrated here."""
    meter = meter or get_meter(settings.JUDGE_METER)
    host = judge_host()
    perf = case_specs(problem, kinds=(TestCase.Kind.PERFORMANCE,))
    costs: list[float] = []
    for reference in problem.references.all():
        stored = ReferenceCost.objects.filter(reference=reference, host=host, meter=meter.name).first()
        if stored is not None and stored.environment == meter.fingerprint() and not recalibrate:
            costs.append(stored.cost)
            continue
        result = measure_cost(
            job_for(problem, reference.source, perf), perf, repeats=settings.JUDGE_PERF_REPEATS, meter=meter
        )
        if not result.ok:
            continue
        try:
            with transaction.atomic():
                ReferenceCost.objects.update_or_create(
                    reference=reference,
                    host=host,
                    meter=meter.name,
                    defaults={"unit": result.unit, "cost": result.cost, "environment": meter.fingerprint()},
                )
        except IntegrityError:  # another worker calibrated it at the same moment; ours is as good
            pass
        costs.append(result.cost)
    return costs
