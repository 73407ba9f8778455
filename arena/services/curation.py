"""Curation actions of DESIGN §10: validate, scale, calibrate, publish, rejudge."""

from __future__ import annotations

import json
import logging
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction

from arena.ingest.bank import BankError, load_generator, reference_outputs
from arena.models import Participant, Problem, ReferenceCost, Submission, TestCase
from arena.rendering import render_statement
from arena.scoring.efficiency import cluster_references
from arena.services.calibration import case_specs, checker_spec, job_for, measurement_host, meter_for
from arena.services.performance import performance_inputs_draw
from arena.services.rescoring import Pool, anchored_costs_refresh, problem_rescore
from arena.services.submissions import submission_rejudge
from judge.grading import outputs_match
from judge.languages import all_languages
from judge.languages.base import CaseEncodingError
from judge.meters import EMPTY_JOB, get_meter, measure_cost, measure_interleaved
from judge.protocol import CaseSpec
from judge.reference import run_reference
from judge.runner import judge_job
from judge.sandbox import JailLimits

logger = logging.getLogger(__name__)

FRESH_SCALES = (1, 4, 16)
FRESH_TIME_MARGIN = 2  # see problem_validate
# Told how far a long curation job is (0..1) and what it is doing (arena/services/curation_tasks.py).
Progress = Callable[[float, str], None]


def _no_progress(share: float, text: str) -> None:
    pass


@dataclass
class ValidationReport:
    problem: str
    difficulty: str
    cases: int
    references: int
    failures: list[str] = field(default_factory=list)
    costs: dict[str, float] = field(default_factory=dict)
    # Languages the problem offers without their references yet (language key -> what is missing).
    gaps: dict[str, str] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        values = [v for v in self.costs.values() if v > 0]
        return max(values) / min(values) if len(values) >= 2 else 0.0

    @property
    def neighbour_ratio(self) -> float:
        """The smallest cost ratio between references next to each other (sorted by cost)."""
        values = sorted(v for v in self.costs.values() if v > 0)
        ratios = [b / a for a, b in zip(values, values[1:])]
        return min(ratios) if ratios else 0.0


def _fresh_cases(problem: Problem, *, seeds: int) -> list[CaseSpec]:
    """Cases drawn from the generator with new seeds; expected outputs from the canonical reference."""
    if not problem.generator_source or seeds <= 0:
        return []
    canonical = problem.canonical_reference()
    if canonical is None:
        return []
    generate = load_generator(problem.generator_source, problem.code)
    rng = random.Random()
    inputs = [generate(random.Random(rng.getrandbits(64)), scale) for _ in range(seeds) for scale in FRESH_SCALES]
    outputs = reference_outputs(
        source=canonical.source,
        signature=problem.signature,
        inputs=inputs,
        time_limit_ms=problem.time_limit_ms,
        label=problem.code,
    )
    return [
        CaseSpec(ordinal=100_000 + i, kind="hidden", args=args, expected=expected)
        for i, (args, expected) in enumerate(zip(inputs, outputs))
    ]


def _sanity(problem: Problem) -> list[str]:
    problems = []
    try:
        if not render_statement(problem.statement).strip():
            problems.append("statement renders empty")
    except Exception as exc:  # a broken statement is a finding, not a crash
        problems.append(f"statement does not render: {exc}")
    if not 100 <= problem.time_limit_ms <= 20_000:
        problems.append(f"time limit {problem.time_limit_ms} ms is outside 100..20000")
    if not 16 * 1024 <= problem.memory_limit_kb <= 2 * 1024 * 1024:
        problems.append(f"memory limit {problem.memory_limit_kb} KB is outside 16 MB..2 GB")
    kinds = set(problem.cases.values_list("kind", flat=True))
    for kind in (TestCase.Kind.SAMPLE, TestCase.Kind.HIDDEN):
        if kind not in kinds:
            problems.append(f"no {kind} cases")
    # Imported tasks without a generator (e.g. HumanEval) are scored on correctness only; a
    # problem with a generator must have performance inputs (run `scale`).
    if TestCase.Kind.PERFORMANCE not in kinds and problem.generator_source:
        problems.append("has a generator but no performance cases (run scale)")
    if problem.references.count() < 1 or problem.canonical_reference() is None:
        problems.append("no canonical reference")
    return problems


# The languages whose references every problem of the bank needs: at least this many (the
# fastest and the slowest complexity class). The other offered languages need their canonical
# translation.
REQUIRED_REFERENCES = {"CPP17": 2, "JAVA17": 2}


def _language_references(problem: Problem, report: ValidationReport) -> list[str]:
    """The rules of a problem's references per language. A language with references has its
    canonical translation (and the required number); an offered language without any is a gap
    (reported, not a failure: the bank is translated one language at a time)."""
    failures = []
    rows = list(problem.references.values_list("language", "is_canonical"))
    for language in all_languages():
        if language.key == "PY3" or language.unsupported(problem.signature) is not None:
            continue
        mine = [canonical for key, canonical in rows if key == language.key]
        needed = REQUIRED_REFERENCES.get(language.key, 1)
        if not mine:
            report.gaps[language.key] = f"no {language.name} references (needs {needed})"
            continue
        if not any(mine):
            failures.append(f"{language.name}: no canonical translation (named like the Python canonical)")
        if len(mine) < needed:
            failures.append(
                f"{language.name}: {len(mine)} reference(s), needs {needed} (the fastest and the slowest class)"
            )
    return failures


def _language_cases(problem: Problem, cases: list[CaseSpec]) -> list[str]:
    """Every case, performance inputs and fresh draws included, must be one every offered language
    can hold (JavaScript's numbers stop at 2^53): otherwise that language's submissions would meet
    an internal error in judging or in measurement, whether or not it has references."""
    failures = []
    for language in all_languages():
        if language.harness or language.unsupported(problem.signature) is not None:
            continue
        for case in cases:
            try:
                language.encode_case(problem.signature, case.args)
            except (CaseEncodingError, TypeError, ValueError) as exc:  # a curator's malformed case too
                failures.append(f"{language.name} cannot hold {case.kind} case {case.ordinal}: {exc}")
                break  # one per language: the rest are the same finding
    return failures


def problem_validate(
    *, problem: Problem, seeds: int = 0, measure: bool = True, on_progress: Progress = _no_progress
) -> ValidationReport:
    """Every reference must agree with the stored expectations and the canonical reference on fresh
    generator cases; samples must match the canonical output; the statement must render."""
    stored = case_specs(problem, kinds=(TestCase.Kind.SAMPLE, TestCase.Kind.HIDDEN, TestCase.Kind.PERFORMANCE))
    report = ValidationReport(problem.code, problem.difficulty, len(stored), problem.references.count())
    report.failures += _sanity(problem)
    report.failures += _language_references(problem, report)
    canonical = problem.canonical_reference()
    if canonical is not None:
        samples = [c for c in stored if c.kind == TestCase.Kind.SAMPLE]
        try:
            got = reference_outputs(
                source=canonical.source,
                signature=problem.signature,
                inputs=[c.args for c in samples],
                time_limit_ms=problem.time_limit_ms,
                label=problem.code,
            )
            checker = checker_spec(problem)
            for case, output in zip(samples, got):
                if not outputs_match(checker, case.args, output, case.expected):
                    report.failures.append(
                        f"sample {case.ordinal}: canonical gives {output!r}, stored {case.expected!r}"
                    )
        except BankError as exc:
            report.failures.append(str(exc))
    try:
        fresh = _fresh_cases(problem, seeds=seeds)
    except BankError as exc:
        report.failures.append(f"generator: {exc}")
        fresh = []
    except Exception as exc:  # generator code is curator code; its crash is a finding
        report.failures.append(f"generator: {type(exc).__name__}: {exc}")
        fresh = []
    report.cases += len(fresh)
    report.failures += _language_cases(problem, stored + fresh)
    perf = [c for c in stored if c.kind == TestCase.Kind.PERFORMANCE]
    references = list(problem.references.all())
    for index, reference in enumerate(references):
        on_progress(index / max(1, len(references)), f"reference {index + 1} of {len(references)}: {reference.label}")
        # Samples and hidden cases: the problem's own limits, as contestants get them. Performance
        # inputs are sized to take the slowest reference about the limit (scale), and fresh cases
        # are random draws: there the references get FRESH_TIME_MARGIN x the limit, so a noisy
        # host does not reject a sound problem (measuring allows the same margin).
        job = job_for(
            problem,
            reference.source,
            [c for c in stored if c.kind != TestCase.Kind.PERFORMANCE],
            language=reference.language,
        )
        label = reference.label if reference.language == "PY3" else f"{reference.language}: {reference.label}"
        outcome = judge_job(job)
        roomy = [c for c in stored if c.kind == TestCase.Kind.PERFORMANCE] + fresh
        if outcome.verdict == "AC" and roomy:
            outcome = judge_job(replace(job, cases=roomy, time_limit_ms=job.time_limit_ms * FRESH_TIME_MARGIN))
        if outcome.verdict != "AC":
            bad = next((c for c in outcome.cases if c.verdict != "AC"), None)
            where = f" on case {bad.ordinal}" if bad else ""
            report.failures.append(f"{label}: {outcome.verdict}{where}: {outcome.message[:200]}")
            continue
        if measure and perf and reference.language == "PY3":
            meter = meter_for(reference.language)
            perf_job = job_for(problem, reference.source, perf, language=reference.language)
            result = measure_cost(perf_job, perf, repeats=1, meter=meter)
            if result.ok:
                report.costs[label] = result.cost
            else:
                report.failures.append(f"{label}: {result.message}")
    return report


@dataclass
class ScaleStep:
    """The references measured with the configured meter at one scale."""

    scale: int
    costs: dict[str, float] = field(default_factory=dict)  # reference label -> cost (meter unit, net)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # reference label -> worker CPU of its measurement
    failure: str = ""
    # Every candidate draw's weight (the CPU of the reference slowest on it, run natively; inf when
    # a reference failed on it), the deployment's own draw first; the measured one is the heaviest.
    draw_cpu_ms: list[float] = field(default_factory=list)
    case_bytes: int = 0  # the largest candidate input, serialised as the judge sends it

    @property
    def draw_spread(self) -> float | None:
        """The heaviest candidate draw's weight over the median one's (1 ms floor); None with one draw."""
        weights = [w for w in self.draw_cpu_ms if w != float("inf")]
        if len(self.draw_cpu_ms) < 2 or not weights:
            return None
        return max(self.draw_cpu_ms) / max(statistics.median(weights), 1.0)

    def separation(self, order: list[str]) -> float | None:
        """The smallest ratio between neighbouring references (by cost); None with fewer than two."""
        costs = sorted(max(self.costs[label], 1e-9) for label in order if label in self.costs)
        return min((b / a for a, b in zip(costs, costs[1:])), default=None)


@dataclass
class ScaleReport:
    problem: str
    scale: int = 0
    steps: list[ScaleStep] = field(default_factory=list)
    stopped_because: str = ""
    separation: float | None = None  # at the chosen scale
    labels: list[str] = field(default_factory=list)

    def chosen(self) -> ScaleStep | None:
        return next((step for step in self.steps if step.scale == self.scale), None)


@dataclass(frozen=True)
class ScaleBounds:
    """What performance inputs must cost under the meter (docs/scoring.md, "Performance inputs").

    ``canonical_s``: the canonical reference's whole measurement, worker CPU, start-up included
    (under valgrind the interpreter's start-up alone is ~1.1 s on a quiet host, whatever the
    input). On a host so loaded that the start-up leaves less than ``canonical_min_work_s`` of
    work, that much work is allowed.
    ``slowest_s``: the slowest reference's whole measurement, start-up included.
    ``separation``: neighbouring references (by cost) at least this many times apart.
    ``case_bytes``: no performance input larger than this, serialised.
    """

    canonical_s: float = 1.5
    canonical_min_work_s: float = 0.1
    slowest_s: float = 6.0
    separation: float = 1.3
    # One input's JSON: a bigger one makes pages, exports and the worker's pipes heavy for no
    # better separation (a count needs no huge inputs).
    case_bytes: int = 8 * 1024 * 1024


def problem_scale(
    *,
    problem: Problem,
    bounds: ScaleBounds | None = None,
    start: int | None = None,
    max_steps: int = 16,
    perf_count: int | None = None,
    store: bool = True,
    draws: int = 8,
    seed: int | None = None,
    on_progress: Progress = _no_progress,
) -> ScaleReport:
    """Size the performance inputs for the configured meter: the largest generator scale (by
    doubling, from ``start`` or a sixteenth of the current one) at which the canonical
    reference's work and the slowest reference's measurement stay within ``bounds``. Reports the
    smallest ratio between neighbouring references there (``bounds.separation`` is the goal).

    Every deployment draws its own performance inputs (seeds keyed by its secret), so at each
    scale ``draws`` candidate draws are made -- this deployment's, and the rest from fresh seeds
    (``seed`` fixes them, for tests) -- every reference runs on all of them natively, and the
    meter measures the heaviest: the chosen scale bounds a heavy draw, not one lucky one."""
    bounds = bounds or ScaleBounds()
    count = perf_count or max(1, problem.cases.filter(kind=TestCase.Kind.PERFORMANCE).count()) or 2
    report = ScaleReport(problem.code)
    canonical = problem.canonical_reference()
    if not problem.generator_source or canonical is None:
        report.stopped_because = "no generator" if not problem.generator_source else "no canonical reference"
        return report
    meter = get_meter(settings.JUDGE_METER)
    generate = load_generator(problem.generator_source, problem.code)
    # Performance inputs are sized by the Python references (the slowest language offered).
    references = list(problem.references.filter(language="PY3"))
    report.labels = [reference.label for reference in references]
    startup_ms = _startup_cpu_ms(meter)

    def within(step: ScaleStep) -> str:
        """'' when the step is within the bounds, else why not."""
        if step.case_bytes > bounds.case_bytes:
            return f"an input of {step.case_bytes / 1024 / 1024:.1f} MB"
        if step.failure:
            return step.failure
        work = meter.cpu_ms_of(step.costs[canonical.label])
        allowed_ms = max(bounds.canonical_s * 1000 - startup_ms, bounds.canonical_min_work_s * 1000)
        if work is not None and work > allowed_ms:
            return f"canonical's measurement {(startup_ms + work) / 1000:.2f} s"
        slowest = max(step.cpu_ms.values(), default=0.0)
        if slowest > bounds.slowest_s * 1000:
            return f"slowest measurement {slowest / 1000:.2f} s"
        return ""

    fresh_seeds = random.Random(seed) if seed is not None else random.SystemRandom()

    def heaviest_draw(scale: int, step: ScaleStep) -> list[list[Any]]:
        """The candidate draw the slowest reference takes longest on (its weights go in ``step``)."""
        own = performance_inputs_draw(
            generate=generate, problem_code=problem.code, generation=problem.perf_generation, scale=scale, count=count
        )
        candidates = [own]
        for _ in range(max(1, draws) - 1):
            candidates.append([generate(random.Random(fresh_seeds.getrandbits(128)), scale) for _ in range(count)])
        step.case_bytes = max(len(json.dumps(args, separators=(",", ":"))) for draw in candidates for args in draw)
        if len(candidates) == 1 or step.case_bytes > bounds.case_bytes:
            return candidates[0]
        flat = [args for candidate in candidates for args in candidate]
        weights = [0.0] * len(candidates)
        for reference in references:
            run = run_reference(
                source=reference.source, signature=problem.signature, inputs=flat,
                time_limit_ms=problem.time_limit_ms,
            )  # fmt: skip
            for index in range(len(candidates)):
                answers = run.answers[index * count : (index + 1) * count]
                if len(answers) < count or not all(answer.ok for answer in answers):
                    # Too slow or failing (or not reached after such a draw): the first of these is
                    # the one measured, and the meter's measurement says what went wrong.
                    weights[index] = float("inf")
                else:
                    weights[index] = max(weights[index], sum(answer.cpu_ms for answer in answers))
        step.draw_cpu_ms = weights
        return candidates[max(range(len(candidates)), key=lambda i: weights[i])]

    def measure(scale: int) -> ScaleStep:
        done = len(report.steps)
        on_progress(done / (done + 3), f"step {done + 1}: measuring scale {scale}")
        step = ScaleStep(scale)
        try:
            inputs = heaviest_draw(scale, step)
            if step.case_bytes > bounds.case_bytes:
                return step  # past a bound already: nothing to measure
            outputs = reference_outputs(
                source=canonical.source, signature=problem.signature, inputs=inputs,
                time_limit_ms=problem.time_limit_ms * 4, label=problem.code,
            )  # fmt: skip
        except Exception as exc:  # curator code (the generator) or a reference failing at this size
            step.failure = f"scale {scale}: {type(exc).__name__}: {str(exc)[:200]}"
            return step
        perf = [
            CaseSpec(ordinal=index + 1, kind=TestCase.Kind.PERFORMANCE, args=args, expected=expected)
            for index, (args, expected) in enumerate(zip(inputs, outputs))
        ]
        # Runs past the slowest bound are stopped: a step that far out is only ever rejected.
        budget_ms = max(1.0, bounds.slowest_s * 1000 - startup_ms)
        budget = _cost_of_cpu_ms(meter, budget_ms)
        jobs = [job_for(problem, reference.source, perf) for reference in references]
        results = measure_interleaved(jobs, perf, repeats=1 if meter.deterministic else 3, meter=meter, budget=budget)
        for reference, result in zip(references, results, strict=True):
            if not result.ok:
                step.failure = f"scale {scale}: {reference.label}: {result.message[:200]}"
            elif result.over_budget:
                step.cpu_ms[reference.label] = bounds.slowest_s * 1000 + 1
                step.costs[reference.label] = result.cost
            else:
                step.costs[reference.label] = result.cost
                step.cpu_ms[reference.label] = startup_ms + (meter.cpu_ms_of(result.cost) or 0.0)
        return step

    scale = max(1, start or problem.perf_scale // 16)
    first = measure(scale)
    report.steps.append(first)
    if within(first):  # already too big: halve until it fits
        while scale > 1 and within(report.steps[-1]):
            scale //= 2
            report.steps.append(measure(scale))
        if not within(report.steps[-1]):
            report.scale = scale
        report.stopped_because = f"scale {scale * 2}: {within(report.steps[-2])}" if report.scale else within(first)
    else:
        report.scale = scale
        for _ in range(max_steps):
            step = measure(scale * 2)
            report.steps.append(step)
            reason = within(step)
            if reason:
                report.stopped_because = f"scale {scale * 2}: {reason}"
                break
            scale *= 2
            report.scale = scale
        else:
            report.stopped_because = f"reached {max_steps} doublings within the bounds"
    chosen = report.chosen()
    report.separation = chosen.separation(report.labels) if chosen else None
    if store and report.scale:
        problem_set_performance_inputs(problem=problem, scale=report.scale, count=count)
    return report


def _startup_cpu_ms(meter: Any) -> float:
    """Worker CPU of the meter's measurement of the empty job (the interpreter's start-up and the
    harness): part of every measurement, whatever the input. Median of three runs."""
    limits = JailLimits.for_cpu(2 * meter.slowdown, memory_kb=256 * 1024)
    payload = {**EMPTY_JOB, "time_limit_ms": int(EMPTY_JOB["time_limit_ms"] * meter.slowdown)}
    return statistics.median(meter.measure_once(payload, limits).run.cpu_ms for _ in range(3))


def _cost_of_cpu_ms(meter: Any, cpu_ms: float) -> float | None:
    """The cost the meter would count in ``cpu_ms`` of work (None if it cannot tell)."""
    per_ms = meter.cpu_ms_of(1_000_000.0)
    return None if not per_ms else cpu_ms / per_ms * 1_000_000.0


def problem_set_performance_inputs(*, problem: Problem, scale: int, count: int, generation: int | None = None) -> None:
    """Replace the performance cases with ``count`` generator inputs at ``scale``, drawn from the
    secret seeds of ``generation`` (default: the problem's current one); references are re-calibrated."""
    canonical = problem.canonical_reference()
    if canonical is None:
        raise BankError(f"{problem.code}: no canonical reference")
    generation = problem.perf_generation if generation is None else generation
    generate = load_generator(problem.generator_source, problem.code)
    inputs = performance_inputs_draw(
        generate=generate, problem_code=problem.code, generation=generation, scale=scale, count=count
    )
    outputs = reference_outputs(
        source=canonical.source,
        signature=problem.signature,
        inputs=inputs,
        time_limit_ms=problem.time_limit_ms,
        label=problem.code,
    )
    with transaction.atomic():
        problem.cases.filter(kind=TestCase.Kind.PERFORMANCE).delete()
        start = (problem.cases.order_by("-ordinal").values_list("ordinal", flat=True).first() or 0) + 1
        TestCase.objects.bulk_create(
            TestCase(problem=problem, ordinal=start + i, kind=TestCase.Kind.PERFORMANCE, input=args, expected=out)
            for i, (args, out) in enumerate(zip(inputs, outputs))
        )
        Problem.objects.filter(id=problem.pk).update(perf_scale=scale, perf_generation=generation)
        ReferenceCost.objects.filter(reference__problem=problem).delete()


@dataclass
class CalibrationReport:
    problem: str
    host: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def problem_calibrate(
    *, problem: Problem, repeats: int | None = None, on_progress: Progress = _no_progress
) -> CalibrationReport:
    """Measure every reference on this host, language by language (each language's references
    form the pool of its submissions, under its meter), cluster them, store costs, clusters and
    shares."""
    host = measurement_host(get_meter(settings.JUDGE_METER))
    report = CalibrationReport(problem.code, host)
    languages = sorted(set(problem.references.values_list("language", flat=True)), key=lambda k: (k != "PY3", k))
    for language in languages:
        _calibrate_language(problem, language, report, repeats=repeats, on_progress=on_progress)
    return report


def _calibrate_language(
    problem: Problem, language: str, report: CalibrationReport, *, repeats: int | None, on_progress: Progress
) -> None:
    meter = meter_for(language)
    host = measurement_host(meter)
    perf = case_specs(problem, kinds=(TestCase.Kind.PERFORMANCE,))
    references = list(problem.references.filter(language=language))
    on_progress(0.05, f"measuring {len(references)} references ({language})")
    # One run of each reference in turn: a slow stretch of the host falls on all of them alike,
    # so it cannot reorder them (Beyond and DPS depend on their order and ratios).
    results = measure_interleaved(
        [job_for(problem, reference.source, perf, language=language) for reference in references],
        perf,
        repeats=repeats or settings.JUDGE_PERF_REPEATS,
        meter=meter,
    )
    measured: list[tuple[Any, Any]] = []
    for reference, result in zip(references, results, strict=True):
        if not result.ok:
            report.failures.append(f"{reference.label}: {result.message}")
            continue
        measured.append((reference, result))
    clusters = cluster_references([result.cost for _, result in measured])
    with transaction.atomic():
        for reference, result in measured:
            index = next(i for i, c in enumerate(clusters) if result.cost in c.members)
            ReferenceCost.objects.update_or_create(
                reference=reference,
                host=host,
                meter=meter.name,
                defaults={
                    "unit": result.unit,
                    "cost": result.cost,
                    "samples": result.samples,
                    "environment": meter.fingerprint(),
                    "cluster": index,
                    "cumulative_share": clusters[index].cumulative_share,
                },
            )
            label = reference.label if language == "PY3" else f"{language}: {reference.label}"
            report.rows.append(
                {"reference": label, "cost": result.cost, "unit": result.unit, "cluster": index,
                 "share": clusters[index].cumulative_share}
            )  # fmt: skip
        # Submissions measured under this fingerprint are re-scored against the new costs; those
        # measured beside a reference follow that reference's new cost first.
        pool = Pool(host, meter.name, meter.fingerprint())
        anchored_costs_refresh(problem_id=problem.pk, pool=pool)
        problem_rescore(problem_id=problem.pk, pool=pool)


def problem_calibrate_and_announce(*, problem_id: int) -> int:
    """Calibrate in the background, then give the submissions that waited for it their scores
    live (an "efficiency" event with the scores). Returns how many waited."""
    problem = Problem.objects.filter(id=problem_id).first()
    if problem is None:
        return 0
    report = problem_calibrate(problem=problem)
    logger.info("calibrated %s on %s: %s references, %s failed", problem.code, report.host, len(report.rows),
                len(report.failures))  # fmt: skip
    return pending_scores_announce(problem)


def pending_scores_announce(problem: Problem) -> int:
    """Give the submissions that waited for a calibration their scores, live (an "efficiency"
    event with the scores). Returns how many waited."""
    from arena.events import submission_event

    waited = 0
    with transaction.atomic():
        for submission in Submission.objects.filter(
            problem=problem, cost_detail__scores_pending=True
        ).select_for_update():
            detail = {key: value for key, value in submission.cost_detail.items() if key != "scores_pending"}
            Submission.objects.filter(id=submission.pk).update(cost_detail=detail)
            submission_event(
                submission.pk, "efficiency", cost=submission.cost, unit=submission.cost_unit,
                meter=submission.cost_meter, scores_pending=False,
                scores={name: getattr(submission, name) for name in ("beyond", "dps", "dps_norm", "es")},
            )  # fmt: skip
            waited += 1
    return waited


@dataclass
class PublishOutcome:
    changed: bool
    failures: list[str] = field(default_factory=list)  # why publishing was refused


def problem_publish(*, problem: Problem, public: bool, on_progress: Progress = _no_progress) -> PublishOutcome:
    """Publish or unpublish. Publishing validates first (``problem_validate`` with fresh
    generator cases, no measurement) and refuses on any failure, so nothing unvalidated reaches
    contestants; a newly published problem gets its references measured in the background,
    before contestants' submissions need them. Unpublishing is immediate."""
    if public:
        report = problem_validate(problem=problem, seeds=2, measure=False, on_progress=on_progress)
        if report.failures:
            return PublishOutcome(changed=False, failures=report.failures)
    changed = bool(Problem.objects.filter(id=problem.pk).exclude(is_public=public).update(is_public=public))
    problem.is_public = public
    if changed and public and not settings.JUDGE_EAGER:
        from arena.services.calibration import calibration_missing, calibration_request

        if calibration_missing(problem, meter=get_meter(settings.JUDGE_METER)):
            calibration_request(problem)
    return PublishOutcome(changed=changed)


def cases_expected_refresh(*, problem: Problem, cases: list[TestCase]) -> list[str]:
    """Set the expected output of ``cases`` from the canonical reference, run in the sandbox:
    expected outputs are never typed by hand. Returns what went wrong (the cases keep no
    expected output then, and validation refuses the problem)."""
    if not cases:
        return []
    canonical = problem.canonical_reference()
    failures: list[str] = []
    outputs: list[Any] = [None] * len(cases)
    if canonical is None:
        failures.append("no canonical reference: the expected outputs could not be computed")
    else:
        try:
            outputs = reference_outputs(
                source=canonical.source, signature=problem.signature, inputs=[case.input for case in cases],
                time_limit_ms=problem.time_limit_ms * FRESH_TIME_MARGIN, label=problem.code,
            )  # fmt: skip
        except BankError as exc:
            failures.append(str(exc))
    for case, output in zip(cases, outputs, strict=True):
        case.expected = output
        case.save(update_fields=["expected"])
    return failures


def submissions_rejudge(*, problem: Problem | None = None, participant: Participant | None = None) -> int:
    """Queue every finished submission of a problem and/or a participant for judging again."""
    if problem is None and participant is None:
        raise ValueError("rejudge needs a problem or a participant")
    submissions = Submission.objects.filter(status=Submission.Status.DONE)
    if problem is not None:
        submissions = submissions.filter(problem=problem)
    if participant is not None:
        submissions = submissions.filter(participant=participant)
    return sum(submission_rejudge(submission=s) for s in submissions.order_by("id"))


@dataclass
class RemeasureReport:
    problem: str
    measured: int = 0
    failed: list[str] = field(default_factory=list)


def problem_remeasure(*, problem: Problem, on_submission: Any = None) -> RemeasureReport:
    """Measure every accepted submission of a problem again with the configured meter (after a
    change of the default meter, or of its fingerprint), on this host, then re-score the pool.

    The references are calibrated first if this host has no calibration under the meter's current
    fingerprint. A submission that fails its performance run now keeps its verdict and loses its
    cost (it leaves the pool), and the report names it: re-measuring never changes a verdict.
    ``on_submission`` is called after each one (a progress bar).
    """
    from arena.services.calibration import calibration_missing
    from arena.services.judging import efficiency_fields

    meter = get_meter(settings.JUDGE_METER)
    report = RemeasureReport(problem.code)
    if calibration_missing(problem, meter=meter):
        problem_calibrate(problem=problem)
    host = measurement_host(meter)
    accepted = Submission.objects.filter(
        problem=problem, status=Submission.Status.DONE, verdict=Submission.Verdict.AC
    ).select_related("problem")
    for submission in accepted:
        fields = efficiency_fields(submission)
        if fields.get("verdict") not in (None, Submission.Verdict.AC):
            report.failed.append(f"#{submission.pk}: {fields.get('message', '')}"[:200])
            fields = {
                "cost": None,
                "cost_detail": {"remeasure_failed": str(fields.get("message", ""))[:300]},
                **dict.fromkeys(("beyond", "dps", "dps_norm", "es")),
            }
        else:
            report.measured += 1
        Submission.objects.filter(id=submission.pk).update(**{"judge_host": host, **fields})
        if on_submission is not None:
            on_submission(submission)
    problem_rescore(problem_id=problem.pk, pool=Pool(host, meter.name, meter.fingerprint()))
    return report
