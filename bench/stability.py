"""Stability of efficiency scores: the same submission re-judged on the same host (DESIGN §7).

For each problem, its reference solutions and a deliberately slowed variant of the canonical one
(it solves every input twice) are submitted once, then re-judged STABILITY_REJUDGES times
(default 10) through the real path: submission_rejudge → submission_judge → measure_cost.
Per solution it prints the mean and standard deviation of Beyond, ES and DPS and how many
re-judges landed in the solution's most frequent DPS cluster. The references are calibrated
twice (problem_calibrate) and Kendall's tau between the two orderings is printed.

Everything is done twice: with the configured meter and its noise control, and with a naive
measurement (one wall-clock run, no baseline), and the ratios naive / robust are printed.

A reference judged as a submission ("ref" rows) is on a knife edge by construction: its cost
is its own calibrated cost plus noise, so whether it counts as "at least as fast" as itself
(DPS's cluster representative, ES's >=) is a coin toss for any meter that is not exactly
deterministic. The summary therefore reports those rows separately from the others.

Knobs (environment):
  STABILITY_PROBLEMS   comma-separated problem codes (default: six with plain-data inputs)
  STABILITY_REJUDGES   re-judges per solution (default 10)
  STABILITY_REPEATS    JUDGE_PERF_REPEATS for the robust method (default: the setting, 3)
  STABILITY_METER      the robust method's meter (default: JUDGE_METER, normally cpu)
  STABILITY_NAIVE      0 to skip the naive measurement
  STABILITY_VERBOSE    1 to print every measurement's samples
  STABILITY_MAX_RUNS   the cpu meter's most runs per measurement (default 2 x repeats + 1)
Runs on a throwaway SQLite database. Part of `make bench`.
"""

from __future__ import annotations

import collections
import itertools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_PROBLEMS = "rival-free-teams,transmission-echo,warmest-stretch,spiral-gallery,harvest-plots,word-ladder"
PROBLEMS = [p for p in os.environ.get("STABILITY_PROBLEMS", DEFAULT_PROBLEMS).split(",") if p]
REJUDGES = int(os.environ.get("STABILITY_REJUDGES", "10"))
NAIVE = os.environ.get("STABILITY_NAIVE", "1") != "0"
VERBOSE = os.environ.get("STABILITY_VERBOSE", "0") != "0"
MAX_RUNS = int(os.environ.get("STABILITY_MAX_RUNS", "0"))
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
class Method:
    """One way of measuring (meter + repeats), with its own submissions and results. The methods
    take turns on every step, so each sees the same host conditions as the other."""

    tag: str
    meter_name: str
    repeats: int
    rows: dict[int, Row] = field(default_factory=dict)  # by submission id
    calibrations: list[dict[str, float]] = field(default_factory=lambda: [{}, {}])  # "problem/label" -> cost
    runs: list[int] = field(default_factory=list)  # measurement runs per re-judge
    spreads: list[float] = field(default_factory=list)  # (second smallest - smallest) / smallest sample
    beside: list[int] = field(default_factory=list)  # runs of re-judges measured again beside a reference
    unsettled: int = 0  # of those, how many kept the plain cost (a minimum never settled)
    seconds: float = 0.0

    def activate(self) -> None:
        from django.conf import settings

        settings.JUDGE_METER = self.meter_name
        settings.JUDGE_PERF_REPEATS = self.repeats

    def label(self) -> str:
        from judge.meters import get_meter

        meter = get_meter(self.meter_name)
        return f"{meter.name} (JUDGE_PERF_REPEATS={self.repeats}, {meter.fingerprint()})"

    def unit(self) -> str:
        from judge.meters import get_meter

        return get_meter(self.meter_name).unit

    def taus(self) -> tuple[float, float]:
        """Kendall's tau of the two calibrations: within each problem (pooled pairs), and over all."""
        one, two = self.calibrations
        keys = sorted(one)
        score, pairs = 0.0, 0
        for problem in {key.split("/", 1)[0] for key in keys}:
            mine = [key for key in keys if key.startswith(problem + "/")]
            count = len(mine) * (len(mine) - 1) // 2
            score += kendall_tau([one[k] for k in mine], [two[k] for k in mine]) * count
            pairs += count
        return score / pairs if pairs else 1.0, kendall_tau([one[k] for k in keys], [two[k] for k in keys])


def kendall_tau(first: list[float], second: list[float]) -> float:
    """Tau-a over all pairs (a tie in either ordering counts as neither agreeing nor disagreeing)."""
    pairs = list(itertools.combinations(range(len(first)), 2))
    if not pairs:
        return 1.0
    score = 0
    for i, j in pairs:
        product = (first[i] - first[j]) * (second[i] - second[j])
        score += (product > 0) - (product < 0)
    return score / len(pairs)


def naive_meter_class() -> type[Any]:
    from judge.meters import CostMeter, Sample, register_meter
    from judge.sandbox import JailLimits, run_harness

    @register_meter
    class NaiveWallMeter(CostMeter):
        """What a judge without noise control does: one run, wall-clock time, nothing subtracted."""

        name = "naive-wall"
        unit = "ms"

        def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
            run = run_harness(payload, limits)
            return Sample(run.end.wall_ms, run)

        def enough(self, samples: list[float], *, repeats: int) -> bool:
            return True

    return NaiveWallMeter


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


def rejudge(method: Method, submission_id: int) -> None:
    from arena.models import Submission
    from arena.services.submissions import submission_rejudge

    method.activate()
    started = time.monotonic()
    submission = Submission.objects.get(pk=submission_id)
    submission_rejudge(submission=submission)
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
    import arena.services.calibration as calibration
    import arena.services.judging as judging

    for index in (0, 1):
        for method in methods:
            calibrate(method, problems, index=index)
    ids = {method.tag: submit(method, problems) for method in methods}

    # Watch (not change) the judge's measurements: how many runs each took and how well its
    # smallest samples agreed.
    measure = judging.measure_cost
    active: list[Method] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        result = measure(*args, **kwargs)
        low = sorted(result.samples)[:2]
        active[-1].runs.append(len(result.samples))
        active[-1].spreads.append((low[-1] - low[0]) / low[0] if low and low[0] else 0.0)
        if VERBOSE:
            print(f"  {active[-1].tag}: cost {result.cost:.4g} from samples {[round(x, 1) for x in result.samples]}")
        return result

    interleaved = calibration.measure_interleaved

    def watched_beside(*args: Any, **kwargs: Any) -> Any:
        results = interleaved(*args, **kwargs)
        active[-1].beside.append(sum(len(result.samples) for result in results))
        return results

    judging.measure_cost = watched
    calibration.measure_interleaved = watched_beside
    try:
        for _ in range(REJUDGES):
            for position in range(len(ids[methods[0].tag])):
                for method in methods:
                    active.append(method)
                    rejudge(method, ids[method.tag][position])
    finally:
        judging.measure_cost = measure
        calibration.measure_interleaved = interleaved


def sd(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def summary(rows: list[Row]) -> dict[str, float]:
    if not rows:
        return {}
    return {
        "beyond_sd_max": max(sd(r.beyond) for r in rows),
        "beyond_sd_mean": statistics.mean(sd(r.beyond) for r in rows),
        "es_sd_max": max(sd(r.es) for r in rows),
        "es_sd_mean": statistics.mean(sd(r.es) for r in rows),
        "dps_sd_mean": statistics.mean(sd(r.dps) for r in rows),
        "same_min": min(r.same_cluster() / len(r.dps) for r in rows),
        "same_mean": statistics.mean(r.same_cluster() / len(r.dps) for r in rows),
        # The cost's noise in units of what Beyond divides by: comparable across meters and units.
        "cost_noise_mean": statistics.mean(sd(r.costs) / r.reference_range for r in rows if r.reference_range),
    }


def report(method: Method) -> dict[str, dict[str, float]]:
    rows = list(method.rows.values())
    unit = method.unit()
    for row in rows:
        costs = [cost for key, cost in method.calibrations[1].items() if key.startswith(row.problem + "/")]
        row.reference_range = max(costs) - min(costs)
    tau_within, tau_all = method.taus()
    print(f"\n== {method.label()}: {len(rows)} solutions x {REJUDGES} re-judges, {method.seconds:.0f} s")
    print(f"{'problem':<18} {'solution':<44} {'kind':<7} {'cost mean ± sd':>22} "
          f"{'Beyond m/sd':>13} {'ES m/sd':>13} {'DPS m/sd':>13} {'same DPS':>8}")  # fmt: skip
    for row in rows:
        cost = f"{statistics.mean(row.costs):.4g} ± {sd(row.costs):.2g} {unit}"
        scores = " ".join(
            f"{statistics.mean(values):7.3f}/{sd(values):.3f}" for values in (row.beyond, row.es, row.dps)
        )
        same = f"{row.same_cluster()}/{len(row.dps)}"
        print(f"{row.problem[:18]:<18} {row.label[:44]:<44} {row.kind:<7} {cost:>22} {scores} {same:>8}")
    groups = {
        "all": rows,
        "variant": [r for r in rows if r.kind == "variant"],
        "ref": [r for r in rows if r.kind == "ref"],
    }
    figures = {name: summary(rows) for name, rows in groups.items()}
    for name, fig in figures.items():
        if not fig:
            continue
        same = f"{fig['same_min'] * REJUDGES:.0f}/{REJUDGES} (mean {fig['same_mean'] * REJUDGES:.1f})"
        print(
            f"  {name:<8} Beyond sd max {fig['beyond_sd_max']:.3f} (mean {fig['beyond_sd_mean']:.3f}) | "
            f"ES sd max {fig['es_sd_max']:.3f} (mean {fig['es_sd_mean']:.3f}) | "
            f"DPS sd mean {fig['dps_sd_mean']:.3f} | same DPS cluster min {same} | "
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
    print(f"  Kendall's tau, two calibrations: {tau_within:.3f} within problems, "
          f"{tau_all:.3f} over all references of all problems")  # fmt: skip
    figures["tau"] = {"within": tau_within, "all": tau_all}
    return figures


def goals(figures: dict[str, dict[str, float]]) -> None:
    for name in ("all", "variant", "ref"):
        fig = figures.get(name)
        if not fig:
            continue
        checks = [
            ("Beyond sd <= 0.03", fig["beyond_sd_max"] <= GOAL_SD),
            ("ES sd <= 0.03", fig["es_sd_max"] <= GOAL_SD),
            ("same DPS cluster >= 9/10", fig["same_min"] >= GOAL_SAME),
        ]
        print(f"  goals ({name}): " + ", ".join(f"{text} {'met' if ok else 'MISSED'}" for text, ok in checks))
    tau = figures["tau"]
    print(f"  goal tau >= 0.95: {'met' if min(tau.values()) >= GOAL_TAU else 'MISSED'}")


def main() -> None:
    os.environ.setdefault("ARENA_VAR_DIR", tempfile.mkdtemp(prefix="arena-stability-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from arena.services.bank import BANK_DIR, problem_load, read_folder
    from judge.sandbox.pool import WARM_POOL

    load_before = os.getloadavg()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    settings.JUDGE_EAGER = True  # re-judges run in this thread, one after another
    problems = [problem_load(folder=read_folder(BANK_DIR / code))[0] for code in PROBLEMS]
    meter_name = os.environ.get("STABILITY_METER", settings.JUDGE_METER)
    repeats = int(os.environ.get("STABILITY_REPEATS", str(settings.JUDGE_PERF_REPEATS)))
    print(f"stability of efficiency scores: {len(problems)} problems, load average at start "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} ({os.cpu_count()} cores)")  # fmt: skip

    if MAX_RUNS:
        from judge.meters import CpuMeter

        def enough(self: CpuMeter, samples: list[float], *, repeats: int) -> bool:
            return len(samples) >= repeats and (len(samples) >= MAX_RUNS or self.settled(samples, repeats=repeats))

        CpuMeter.enough = enough  # type: ignore[method-assign]
        print(f"cpu meter: at most {MAX_RUNS} runs per measurement")
    methods = [Method("robust", meter_name, repeats)]
    if NAIVE:
        naive_meter_class()
        methods.append(Method("naive", "naive-wall", 1))
    run(methods, problems)
    robust = report(methods[0])
    goals(robust)
    if NAIVE:
        naive = report(methods[1])
        goals(naive)
        print("\n== improvement, naive / robust (higher is better for the robust method)")
        for name in ("all", "variant", "ref"):
            one, two = robust.get(name), naive.get(name)
            if not one or not two:
                continue
            ratios = []
            for key, text in (("beyond_sd_mean", "Beyond sd"), ("es_sd_mean", "ES sd"), ("dps_sd_mean", "DPS sd"),
                              ("cost_noise_mean", "cost sd / reference range")):  # fmt: skip
                if one[key] and two[key]:
                    ratios.append(f"{text} {two[key] / one[key]:.1f}x ({two[key]:.3f} / {one[key]:.3f})")
                else:
                    ratios.append(f"{text} {two[key]:.3f} / {one[key]:.3f}")
            ratios.append(f"same DPS cluster {two['same_mean'] * REJUDGES:.1f} / {one['same_mean'] * REJUDGES:.1f}")
            print(f"  {name:<8} " + ", ".join(ratios))
        print(f"  Kendall's tau within problems {robust['tau']['within']:.3f} vs {naive['tau']['within']:.3f}, "
              f"over all references {robust['tau']['all']:.3f} vs {naive['tau']['all']:.3f}")  # fmt: skip
    load_after = os.getloadavg()
    print(f"\nload average at end {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"total {time.monotonic() - started:.0f} s")  # fmt: skip
    WARM_POOL.clear()


if __name__ == "__main__":
    main()
