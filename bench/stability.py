"""Stability of efficiency scores: the same submission re-judged on the same host (DESIGN §7).

For each problem, its reference solutions and a deliberately slowed variant of the canonical one
(it solves every input twice) are submitted once, then re-judged STABILITY_REJUDGES times
(default 10) through the real path: submission_rejudge → submission_judge → measure_cost.
Per solution it prints the mean and standard deviation of the cost, Beyond, ES and DPS and how
many re-judges landed in the solution's most frequent DPS cluster. The references are
calibrated twice (problem_calibrate) and Kendall's tau-b between the two orderings is printed
(tau-b: references tied in both calibrations, as a deterministic meter ties identical programs,
do not lower it; identical orderings give 1).

Several methods are measured side by side in one run, taking turns on every step (calibration,
submission, each re-judge), so they all see the same host conditions:
  valgrind  the deterministic instruction count (judge/meters/valgrind.py): one run per measurement
  cpu       CPU time with its noise control (judge/meters/cpu.py: confirmed minimum, measured
            again beside the nearest reference)
  naive     one wall-clock run, no baseline, no tie share (what a judge without noise control does)
Every method sets JUDGE_METER (and JUDGE_PERF_REPEATS) while it runs, so its calibrations and
costs live in its own pool (meter + fingerprint + host).

Goals: for a deterministic meter, exactness: Beyond, ES and DPS standard deviations 0.000, every
re-judge in the same DPS cluster (10/10), tau 1.000; its costs are also checked for equality
across re-judges, between the two calibrations and against the calibrated cost of a reference
judged as a submission. For the others, Beyond and ES sd <= 0.03, same DPS cluster >= 9/10,
tau >= 0.95.

A reference judged as a submission ("ref" rows) is on a knife edge by construction: its cost
is its own calibrated cost plus noise, so whether it counts as "at least as fast" as itself
(DPS's cluster representative, ES's >=) is a coin toss for any meter that is not exactly
deterministic. The per-method reports therefore show those rows separately from the others.

Cost of measuring: for every re-judge, the worker CPU time of the measuring jails, summed over
every run of the measurement (the submission's own measure_cost, plus the runs of it and of the
reference when measured again beside one): the ``cpu_ms`` of each Sample's JailRun, read from the
run's own cpuacct cgroup (nsjail, the interpreter and valgrind together; rusage of the reaped
nsjail where cgroups are unavailable). RUSAGE_CHILDREN deltas would miss runs reaped elsewhere
and count the CPU hogs; the cgroup counts exactly the jail. The wall time is that of the same
calls. Printed as median and p90 per method.

The final table has one row per method (and per load): the largest sd over solutions of Beyond,
ES and DPS, the worst solution's same-cluster count, tau (within problems / over all), each sd as
a ratio to the deterministic method's ("inf" when only the deterministic one is exactly 0, "—"
when both are), the cost sd over the reference range, and the measuring cost.

Knobs (environment; --hog on the command line overrides STABILITY_HOG):
  STABILITY_PROBLEMS   comma-separated problem codes (default: six with plain-data inputs)
  STABILITY_REJUDGES   re-judges per solution (default 10)
  STABILITY_METERS     comma-separated methods, meter names or "naive" (default valgrind,cpu,naive)
  STABILITY_METER      one meter, measured beside naive (an alias of STABILITY_METERS=<meter>,naive)
  STABILITY_NAIVE      0 to skip the naive measurement
  STABILITY_REPEATS    JUDGE_PERF_REPEATS for the meters (default: the setting, 3; valgrind runs once)
  STABILITY_HOG        1: one busy-loop process per core for the whole measurement; both: the whole
                       comparison quiet, then again under that load, and each method's costs compared
                       between the two (a deterministic meter's must be identical; only costs: the
                       second pass's submissions join the first's in the pool, which moves ES)
  STABILITY_VERBOSE    1 to print every measurement's samples
  STABILITY_MAX_RUNS   the cpu meter's most runs per measurement (default 2 x repeats + 1)
Runs on a throwaway SQLite database. Part of `make bench`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from judge.meters import CostMeter, CostResult, Sample
    from judge.sandbox import JailLimits

DEFAULT_PROBLEMS = "rival-free-teams,transmission-echo,warmest-stretch,spiral-gallery,harvest-plots,word-ladder"
PROBLEMS = [p for p in os.environ.get("STABILITY_PROBLEMS", DEFAULT_PROBLEMS).split(",") if p]
REJUDGES = int(os.environ.get("STABILITY_REJUDGES", "10"))
NAIVE = os.environ.get("STABILITY_NAIVE", "1") != "0"
VERBOSE = os.environ.get("STABILITY_VERBOSE", "0") != "0"
MAX_RUNS = int(os.environ.get("STABILITY_MAX_RUNS", "0"))
DEFAULT_METHODS = "valgrind,cpu,naive"
NAIVE_TAG = "naive"
NAIVE_METER = "naive-wall"
# STABILITY_HOG / --hog: which passes run, quiet (False) or under the CPU hogs (True).
LOAD_PASSES = {"0": [False], "1": [True], "both": [False, True]}
GOAL_SD = 0.03
GOAL_SAME = 0.9
GOAL_TAU = 0.95

# The slowed variant: the canonical solution, run first on a copy of the input, then for real.
SLOWED = """

import json as _bench_json
_BenchCanonical = Solution


class Solution(_BenchCanonical):
    def {name}(self, *args):
        _BenchCanonical.{name}(self, *_bench_json.loads(_bench_json.dumps(args)))
        return _BenchCanonical.{name}(self, *args)
"""


@dataclass
class Row:
    problem: str
    label: str
    kind: str  # "ref" (a reference judged as a submission) or "variant"
    costs: list[float] = field(default_factory=list)
    beyond: list[float] = field(default_factory=list)
    es: list[float] = field(default_factory=list)
    dps: list[float] = field(default_factory=list)
    reference_range: float = 0.0  # max - min of the problem's calibrated reference costs

    def same_cluster(self) -> int:
        return collections.Counter(self.dps).most_common(1)[0][1] if self.dps else 0


@dataclass
class Measurement:
    """What measuring one re-judged submission cost the worker."""

    cpu_ms: float = 0.0  # of the measuring jails
    wall_s: float = 0.0


@dataclass
class Method:
    """One way of measuring (meter + repeats), with its own submissions and results. The methods
    take turns on every step, so each sees the same host conditions as the others."""

    tag: str
    meter_name: str
    repeats: int
    rows: dict[int, Row] = field(default_factory=dict)  # by submission id, in solution order
    calibrations: list[dict[str, float]] = field(default_factory=lambda: [{}, {}])  # "problem/label" -> cost
    runs: list[int] = field(default_factory=list)  # measurement runs per re-judge
    spreads: list[float] = field(default_factory=list)  # (second smallest - smallest) / smallest sample
    beside: list[int] = field(default_factory=list)  # runs of re-judges measured again beside a reference
    unsettled: int = 0  # of those, how many kept the plain cost (a minimum never settled)
    measurements: list[Measurement] = field(default_factory=list)  # one per re-judge
    seconds: float = 0.0

    def activate(self) -> None:
        from django.conf import settings

        settings.JUDGE_METER = self.meter_name
        settings.JUDGE_PERF_REPEATS = self.repeats

    def meter(self) -> CostMeter:
        from judge.meters import get_meter

        return get_meter(self.meter_name)

    def deterministic(self) -> bool:
        return self.meter().deterministic

    def label(self) -> str:
        meter = self.meter()
        return f"{self.tag}: {meter.name} (JUDGE_PERF_REPEATS={self.repeats}, {meter.fingerprint()})"

    def taus(self) -> tuple[float, float]:
        """Kendall's tau-b of the two calibrations: within each problem (pooled pairs), and over all."""
        one, two = self.calibrations
        keys = sorted(one)
        score, pairs = 0.0, 0
        for problem in {key.split("/", 1)[0] for key in keys}:
            mine = [key for key in keys if key.startswith(problem + "/")]
            count = len(mine) * (len(mine) - 1) // 2
            score += kendall_tau([one[k] for k in mine], [two[k] for k in mine]) * count
            pairs += count
        return score / pairs if pairs else 1.0, kendall_tau([one[k] for k in keys], [two[k] for k in keys])


@dataclass
class Figures:
    """One method's results in one pass (quiet or under load)."""

    method: Method
    loaded: bool
    groups: dict[str, dict[str, float]]  # "all", "variant", "ref" -> summary()
    tau_within: float
    tau_all: float


def kendall_tau(first: list[float], second: list[float]) -> float:
    """Tau-b: (concordant - discordant) / sqrt(pairs untied in the first x pairs untied in the
    second). 1 for identical orderings, ties included; 1 when there are no pairs."""
    concordant = discordant = tied_first = tied_second = 0
    for i, j in itertools.combinations(range(len(first)), 2):
        one, two = first[i] - first[j], second[i] - second[j]
        tied_first += one == 0
        tied_second += two == 0
        concordant += one * two > 0
        discordant += one * two < 0
    pairs = len(first) * (len(first) - 1) // 2
    denominator = math.sqrt((pairs - tied_first) * (pairs - tied_second))
    if not denominator:
        return 1.0 if tied_first == tied_second == pairs else 0.0
    return (concordant - discordant) / denominator


def naive_meter_class() -> type[CostMeter]:
    from judge.meters import CostMeter, Sample, register_meter
    from judge.sandbox import run_harness

    @register_meter
    class NaiveWallMeter(CostMeter):
        """What a judge without noise control does: one run, wall-clock time, nothing subtracted."""

        name = NAIVE_METER
        unit = "ms"

        def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
            run = run_harness(payload, limits)
            return Sample(run.end.wall_ms, run)

        def enough(self, samples: list[float], *, repeats: int) -> bool:
            return True

    return NaiveWallMeter


def limit_cpu_runs(max_runs: int) -> None:
    """STABILITY_MAX_RUNS: the cpu meter stops at ``max_runs`` runs instead of 2 x repeats + 1."""
    from judge.meters import CpuMeter

    def enough(self: CpuMeter, samples: list[float], *, repeats: int) -> bool:
        return len(samples) >= repeats and (len(samples) >= max_runs or self.settled(samples, repeats=repeats))

    CpuMeter.enough = enough  # type: ignore[method-assign]
    print(f"cpu meter: at most {max_runs} runs per measurement")


def method_names() -> list[str]:
    """STABILITY_METERS, else STABILITY_METER beside naive, else the default; minus naive if off."""
    single = os.environ.get("STABILITY_METER", "")
    listed = os.environ.get("STABILITY_METERS") or (f"{single},{NAIVE_TAG}" if single else DEFAULT_METHODS)
    names = [name.strip() for name in listed.split(",") if name.strip()]
    return list(dict.fromkeys(name for name in names if NAIVE or name != NAIVE_TAG))


def make_method(name: str, repeats: int) -> Method:
    """The method called ``name``; exits when this host would measure it with another meter, or
    when the meter is refused for judging (re-judges would fail)."""
    from judge.meters import judging_meter_check, meter_status

    if name == NAIVE_TAG:
        return Method(NAIVE_TAG, NAIVE_METER, 1)
    try:
        status = meter_status(name)
        judging_meter_check(name)
    except ValueError as exc:  # an unknown meter, or one refused for judging (MeterRefused)
        raise SystemExit(str(exc))
    if status.fallback_reason:
        raise SystemExit(f"meter {name!r} is unavailable on this host: {status.fallback_reason}")
    return Method(name, name, repeats)


@contextlib.contextmanager
def cpu_hogs(loaded: bool) -> Iterator[int]:
    """One busy-loop process per core while the block runs (none unless ``loaded``); yields how many."""
    hogs: list[subprocess.Popen[bytes]] = []
    try:
        if loaded:
            for _ in range(os.cpu_count() or 1):
                hogs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL))
        yield len(hogs)
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()


MeasureOnce = Callable[["CostMeter", dict[str, Any], "JailLimits"], "Sample"]


class Watch:
    """Watches (never changes) the judge's measurements while a method re-judges: how many runs
    each took, how well its smallest samples agreed, and the CPU and wall time of measuring."""

    def __init__(self) -> None:
        self.method: Method | None = None
        self.measurement = Measurement()

    def begin(self, method: Method) -> None:
        self.method, self.measurement = method, Measurement()

    def end(self) -> None:
        assert self.method is not None
        self.method.measurements.append(self.measurement)
        self.method = None

    @contextlib.contextmanager
    def installed(self, meter_classes: set[type[CostMeter]]) -> Iterator[None]:
        import arena.services.calibration as calibration
        import arena.services.judging as judging

        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.object(judging, "measure_cost", self.watched_cost(judging.measure_cost)))
            beside = self.watched_beside(calibration.measure_interleaved)
            stack.enter_context(mock.patch.object(calibration, "measure_interleaved", beside))
            for meter_class in meter_classes:
                once = self.watched_once(meter_class.measure_once)
                stack.enter_context(mock.patch.object(meter_class, "measure_once", once))
            yield

    def watched_cost(self, measure: Callable[..., CostResult]) -> Callable[..., CostResult]:
        def watched(*args: Any, **kwargs: Any) -> CostResult:
            started = time.monotonic()
            result = measure(*args, **kwargs)
            if self.method is None:
                return result
            self.measurement.wall_s += time.monotonic() - started
            low = sorted(result.samples)[:2]
            self.method.runs.append(len(result.samples))
            self.method.spreads.append((low[-1] - low[0]) / low[0] if low and low[0] else 0.0)
            if VERBOSE:
                samples = [round(x, 1) for x in result.samples]
                print(f"  {self.method.tag}: cost {result.cost:.4g} from samples {samples}")
            return result

        return watched

    def watched_beside(self, interleaved: Callable[..., list[CostResult]]) -> Callable[..., list[CostResult]]:
        def watched(*args: Any, **kwargs: Any) -> list[CostResult]:
            started = time.monotonic()
            results = interleaved(*args, **kwargs)
            if self.method is not None:
                self.measurement.wall_s += time.monotonic() - started
                self.method.beside.append(sum(len(result.samples) for result in results))
            return results

        return watched

    def watched_once(self, measure_once: MeasureOnce) -> MeasureOnce:
        def watched(meter: CostMeter, payload: dict[str, Any], limits: JailLimits) -> Sample:
            sample = measure_once(meter, payload, limits)
            if self.method is not None:
                self.measurement.cpu_ms += sample.run.cpu_ms
            return sample

        return watched


def calibrate(method: Method, problems: list[Any], *, index: int) -> None:
    from arena.services.curation import problem_calibrate

    method.activate()
    started = time.monotonic()
    for problem in problems:
        report = problem_calibrate(problem=problem)
        if report.failures:
            raise SystemExit(f"{problem.code}: calibration failed: {report.failures}")
        for row in report.rows:
            method.calibrations[index][f"{problem.code}/{row['reference']}"] = row["cost"]
    method.seconds += time.monotonic() - started


def submit(method: Method, problems: list[Any]) -> list[int]:
    """Submit every solution once (judged at once); returns the submission ids in solution order."""
    from arena.models import Submission
    from arena.services.participants import participant_create
    from arena.services.submissions import submission_create

    method.activate()
    started = time.monotonic()
    author = participant_create(username=f"stability-{method.tag}-{time.time_ns()}")
    ids = []
    for problem in problems:
        canonical = problem.canonical_reference()
        assert canonical is not None
        solutions = [(r.label, "ref", r.source) for r in problem.references.order_by("label")]
        solutions.append(("slowed canonical (solves each input twice)", "variant",
                          canonical.source + SLOWED.format(name=problem.signature["name"])))  # fmt: skip
        for label, kind, source in solutions:
            submission = submission_create(participant=author, problem=problem, language="PY3", source=source)
            submission.refresh_from_db()
            if submission.verdict != Submission.Verdict.AC:
                raise SystemExit(f"{problem.code} / {label}: {submission.verdict} {submission.message}")
            method.rows[submission.pk] = Row(problem.code, label, kind)
            ids.append(submission.pk)
    method.seconds += time.monotonic() - started
    return ids


def rejudge(method: Method, submission_id: int, watch: Watch) -> None:
    from arena.models import Submission
    from arena.services.submissions import submission_rejudge

    method.activate()
    started = time.monotonic()
    submission = Submission.objects.get(pk=submission_id)
    watch.begin(method)
    submission_rejudge(submission=submission)
    watch.end()
    submission.refresh_from_db()
    method.seconds += time.monotonic() - started
    row = method.rows[submission_id]
    if submission.verdict != Submission.Verdict.AC or submission.cost is None:
        raise SystemExit(f"{row.problem} / {row.label}: re-judged {submission.verdict} {submission.message}")
    row.costs.append(submission.cost)
    method.unsettled += "anchor_unsettled" in submission.cost_detail
    if VERBOSE and "anchor" in submission.cost_detail:
        detail = submission.cost_detail
        print(f"  {method.tag}: beside {detail['anchor_label']!r}: {detail['beside']} / {detail['anchor_now']} "
              f"x {detail['anchor_calibrated']} = {submission.cost}")  # fmt: skip
    row.beyond.append(submission.beyond or 0.0)
    row.es.append(submission.es or 0.0)
    row.dps.append(submission.dps or 0.0)


def run(methods: list[Method], problems: list[Any]) -> None:
    """Calibrate twice, submit, re-judge REJUDGES times: each step taken by every method in turn,
    and the re-judges round-robin over the solutions, as a real queue would interleave them."""
    for index in (0, 1):
        for method in methods:
            calibrate(method, problems, index=index)
    ids = {method.tag: submit(method, problems) for method in methods}
    watch = Watch()
    with watch.installed({type(method.meter()) for method in methods}):
        for _ in range(REJUDGES):
            for position in range(len(ids[methods[0].tag])):
                for method in methods:
                    rejudge(method, ids[method.tag][position], watch)


def sd(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def summary(rows: list[Row]) -> dict[str, float]:
    if not rows:
        return {}
    # The cost's noise in units of what Beyond divides by: comparable across meters and units.
    noise = [sd(r.costs) / r.reference_range for r in rows if r.reference_range]
    return {
        "beyond_sd_max": max(sd(r.beyond) for r in rows),
        "beyond_sd_mean": statistics.mean(sd(r.beyond) for r in rows),
        "es_sd_max": max(sd(r.es) for r in rows),
        "es_sd_mean": statistics.mean(sd(r.es) for r in rows),
        "dps_sd_max": max(sd(r.dps) for r in rows),
        "dps_sd_mean": statistics.mean(sd(r.dps) for r in rows),
        "same_min": min(r.same_cluster() / len(r.dps) for r in rows),
        "same_mean": statistics.mean(r.same_cluster() / len(r.dps) for r in rows),
        "cost_noise_mean": statistics.mean(noise) if noise else 0.0,
    }


def report(method: Method, *, loaded: bool) -> Figures:
    rows = list(method.rows.values())
    unit = method.meter().unit
    for row in rows:
        costs = [cost for key, cost in method.calibrations[1].items() if key.startswith(row.problem + "/")]
        row.reference_range = max(costs) - min(costs)
    tau_within, tau_all = method.taus()
    load = ", UNDER LOAD (CPU hogs)" if loaded else ""
    print(f"\n== {method.label()}: {len(rows)} solutions x {REJUDGES} re-judges, {method.seconds:.0f} s{load}")
    print(f"{'problem':<18} {'solution':<44} {'kind':<7} {'cost mean ± sd':>24} "
          f"{'Beyond m/sd':>13} {'ES m/sd':>13} {'DPS m/sd':>13} {'same DPS':>8}")  # fmt: skip
    for row in rows:
        cost = f"{statistics.mean(row.costs):.4g} ± {sd(row.costs):.2g} {unit}"
        scores = " ".join(
            f"{statistics.mean(values):7.3f}/{sd(values):.3f}" for values in (row.beyond, row.es, row.dps)
        )
        same = f"{row.same_cluster()}/{len(row.dps)}"
        print(f"{row.problem[:18]:<18} {row.label[:44]:<44} {row.kind:<7} {cost:>24} {scores} {same:>8}")
    groups = {
        "all": rows,
        "variant": [r for r in rows if r.kind == "variant"],
        "ref": [r for r in rows if r.kind == "ref"],
    }
    figures = Figures(method, loaded, {name: summary(rows) for name, rows in groups.items()}, tau_within, tau_all)
    for name, fig in figures.groups.items():
        if not fig:
            continue
        same = f"{fig['same_min'] * REJUDGES:.0f}/{REJUDGES} (mean {fig['same_mean'] * REJUDGES:.1f})"
        print(
            f"  {name:<8} Beyond sd max {fig['beyond_sd_max']:.3f} (mean {fig['beyond_sd_mean']:.3f}) | "
            f"ES sd max {fig['es_sd_max']:.3f} (mean {fig['es_sd_mean']:.3f}) | "
            f"DPS sd max {fig['dps_sd_max']:.3f} (mean {fig['dps_sd_mean']:.3f}) | same DPS cluster min {same} | "
            f"cost sd / reference range mean {fig['cost_noise_mean']:.4f}"
        )
    unconfirmed = sum(1 for spread in method.spreads if spread > 0.02) / max(1, len(method.spreads))
    print(
        f"  measurement runs per re-judge: mean {statistics.mean(method.runs):.1f}, max {max(method.runs)}; "
        f"two smallest samples more than 2% apart: {unconfirmed:.0%} of re-judges"
    )
    if method.beside:
        print(
            f"  measured again beside the nearest reference: {len(method.beside)} of {len(method.runs)} re-judges, "
            f"{statistics.mean(method.beside):.1f} more runs each (submission and reference together); "
            f"kept the plain cost because a minimum never settled: {method.unsettled}"
        )
    cpu_s = [m.cpu_ms / 1000 for m in method.measurements]
    wall_s = [m.wall_s for m in method.measurements]
    print(f"  per measurement of one submission: jail CPU median {statistics.median(cpu_s):.2f} s, p90 "
          f"{p90(cpu_s):.2f} s; wall median {statistics.median(wall_s):.2f} s, p90 {p90(wall_s):.2f} s")  # fmt: skip
    print(f"  Kendall's tau-b, two calibrations: {tau_within:.3f} within problems, "
          f"{tau_all:.3f} over all references of all problems")  # fmt: skip
    calibrated = method.calibrations
    moved = sum(calibrated[0][key] != calibrated[1][key] for key in calibrated[0])
    print(f"  calibrated costs that differ between the two calibrations: {moved} of {len(calibrated[0])}")
    if method.deterministic():
        exactness(method)
    goals(figures)
    return figures


def exactness(method: Method) -> None:
    """A deterministic meter's costs: one per solution, and a reference's equal to its calibration."""
    varied = [row for row in method.rows.values() if len(set(row.costs)) > 1]
    for row in varied:
        print(f"  NOT DETERMINISTIC: {row.problem} / {row.label}: costs {row.costs}")
    own = [(row, method.calibrations[1][f"{row.problem}/{row.label}"]) for row in method.rows.values()
           if row.kind == "ref"]  # fmt: skip
    off = [(row, calibrated) for row, calibrated in own if any(cost != calibrated for cost in row.costs)]
    for row, calibrated in off:
        print(f"  REFERENCE OFF ITS CALIBRATION: {row.problem} / {row.label}: {calibrated} calibrated, "
              f"re-judged {sorted(set(row.costs))}")  # fmt: skip
    print(f"  exactness: {len(varied)} of {len(method.rows)} solutions with more than one cost over the re-judges; "
          f"{len(off)} of {len(own)} references judged as submissions off their calibrated cost")  # fmt: skip


def goals(figures: Figures) -> None:
    exact = figures.method.deterministic()
    for name in ("all", "variant", "ref"):
        fig = figures.groups.get(name)
        if not fig:
            continue
        if exact:
            checks = [
                (f"Beyond sd {fig['beyond_sd_max']:.3f}", fig["beyond_sd_max"] == 0.0),
                (f"ES sd {fig['es_sd_max']:.3f}", fig["es_sd_max"] == 0.0),
                (f"DPS sd {fig['dps_sd_max']:.3f}", fig["dps_sd_max"] == 0.0),
                (f"same DPS cluster {fig['same_min'] * REJUDGES:.0f}/{REJUDGES}", fig["same_min"] == 1.0),
            ]
        else:
            checks = [
                (f"Beyond sd <= {GOAL_SD}", fig["beyond_sd_max"] <= GOAL_SD),
                (f"ES sd <= {GOAL_SD}", fig["es_sd_max"] <= GOAL_SD),
                (f"same DPS cluster >= {GOAL_SAME:.0%} of re-judges", fig["same_min"] >= GOAL_SAME),
            ]
        print(f"  goals ({name}): " + ", ".join(f"{text} {'met' if ok else 'MISSED'}" for text, ok in checks))
    tau = min(figures.tau_within, figures.tau_all)
    text, ok = ("tau 1.000", tau == 1.0) if exact else (f"tau >= {GOAL_TAU}", tau >= GOAL_TAU)
    print(f"  goal {text}: {'met' if ok else 'MISSED'} ({tau:.3f})")


def ratio(value: float, base: float) -> str:
    """``value`` as a multiple of ``base``: "inf" when only the base is 0, "—" when both are."""
    if base:
        return f"{value / base:.1f}x"
    return "inf" if value else "—"


def ratio_base(figures: list[Figures]) -> Figures:
    """What a pass's sds are divided by: its first deterministic method (else its first method)."""
    return next((fig for fig in figures if fig.method.deterministic()), figures[0])


def side_by_side(passes: list[list[Figures]]) -> None:
    """One row per method (and load); the sds also as ratios to the pass's deterministic method."""
    over = f"÷ {ratio_base(passes[0]).method.tag}"
    print("\n== side by side (sd: the largest over solutions; same DPS: the worst solution's count;")
    print(f"   {over}: the sd over {over[2:]}'s in the same pass; CPU: the measuring jails' per re-judge)")
    print(f"{'method':<10} {'load':<6} {'Beyond sd':>9} {'ES sd':>7} {'DPS sd':>7} {'same DPS':>8} "
          f"{'tau w/all':>11} {over + ': Beyond':>18} {'ES':>6} {'DPS':>6} {'cost sd/range':>13} "
          f"{'CPU s med/p90':>14} {'wall s med/p90':>15}")  # fmt: skip
    for figures in passes:
        base = ratio_base(figures).groups["all"]
        for fig in figures:
            one = fig.groups["all"]
            cpu_s = [m.cpu_ms / 1000 for m in fig.method.measurements]
            wall_s = [m.wall_s for m in fig.method.measurements]
            same = f"{one['same_min'] * REJUDGES:.0f}/{REJUDGES}"
            tau = f"{fig.tau_within:.3f}/{fig.tau_all:.3f}"
            cpu = f"{statistics.median(cpu_s):.2f}/{p90(cpu_s):.2f}"
            wall = f"{statistics.median(wall_s):.2f}/{p90(wall_s):.2f}"
            print(
                f"{fig.method.tag:<10} {'hogs' if fig.loaded else 'quiet':<6} {one['beyond_sd_max']:>9.3f} "
                f"{one['es_sd_max']:>7.3f} {one['dps_sd_max']:>7.3f} {same:>8} {tau:>11} "
                f"{ratio(one['beyond_sd_max'], base['beyond_sd_max']):>18} "
                f"{ratio(one['es_sd_max'], base['es_sd_max']):>6} {ratio(one['dps_sd_max'], base['dps_sd_max']):>6} "
                f"{one['cost_noise_mean']:>13.4f} {cpu:>14} {wall:>15}"
            )


def compare_loads(quiet: list[Figures], loaded: list[Figures]) -> None:
    """Every re-judge's cost and every calibrated cost, quiet against under load, per method."""
    print("\n== quiet vs under load: costs that differ (re-judge by re-judge, calibration by calibration)")
    for calm, busy in zip(quiet, loaded, strict=True):
        method = calm.method
        pairs = [
            (row.problem, row.label, one, two)
            for row, other in zip(method.rows.values(), busy.method.rows.values(), strict=True)
            for one, two in zip(row.costs, other.costs, strict=True)
        ]
        differing = [pair for pair in pairs if pair[2] != pair[3]]
        calibrated = [
            (key, one[key], two[key])
            for one, two in zip(method.calibrations, busy.method.calibrations, strict=True)
            for key in one
        ]
        moved = [item for item in calibrated if item[1] != item[2]]
        line = (
            f"  {method.tag:<10} re-judged costs: {len(differing)} of {len(pairs)} differ; "
            f"calibrated costs: {len(moved)} of {len(calibrated)} differ"
        )
        if method.deterministic():
            line += "; identical, as required" if not differing and not moved else "; NOT IDENTICAL (a bug)"
            for problem, label, one, two in differing:
                print(f"    {problem} / {label}: {one} quiet, {two} under load")
            for key, one, two in moved:
                print(f"    calibrated {key}: {one} quiet, {two} under load")
        print(line)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument(
        "--hog", nargs="?", const="1", choices=sorted(LOAD_PASSES), default=os.environ.get("STABILITY_HOG", "0"),
        help="1 (the default with --hog): measure under one CPU hog per core; both: quiet, then under the hogs",
    )  # fmt: skip
    return parser.parse_args()


def main() -> None:
    hog = parse_args().hog
    if hog not in LOAD_PASSES:
        raise SystemExit(f"STABILITY_HOG={hog!r}: one of {', '.join(sorted(LOAD_PASSES))}")
    os.environ.setdefault("ARENA_VAR_DIR", tempfile.mkdtemp(prefix="arena-stability-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from arena.ingest.bank import BANK_DIR, problem_load, read_folder
    from judge.sandbox.pool import WARM_POOL

    load_before = os.getloadavg()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    settings.JUDGE_EAGER = True  # re-judges run in this thread, one after another
    problems = [problem_load(folder=read_folder(BANK_DIR / code))[0] for code in PROBLEMS]
    repeats = int(os.environ.get("STABILITY_REPEATS", str(settings.JUDGE_PERF_REPEATS)))
    names = method_names()
    if NAIVE_TAG in names:
        naive_meter_class()
    if MAX_RUNS:
        limit_cpu_runs(MAX_RUNS)
    print(f"stability of efficiency scores: {len(problems)} problems, methods {', '.join(names)}, "
          f"load average at start {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
          f"({os.cpu_count()} cores)")  # fmt: skip
    passes = []
    for loaded in LOAD_PASSES[hog]:
        methods = [make_method(name, repeats) for name in names]
        with cpu_hogs(loaded) as hogs:
            if hogs:
                print(f"\n##### UNDER LOAD: {hogs} CPU hog processes (busy loops, one per core) run throughout")
            else:
                print("\n##### quiet: no load of our own")
            run(methods, problems)
        passes.append([report(method, loaded=loaded) for method in methods])
    side_by_side(passes)
    if len(passes) == 2:
        compare_loads(*passes)
    load_after = os.getloadavg()
    print(f"\nload average at end {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"total {time.monotonic() - started:.0f} s")  # fmt: skip
    WARM_POOL.clear()


if __name__ == "__main__":
    main()
