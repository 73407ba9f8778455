"""Does the deterministic meter order programs as CPU time does? valgrind's instruction count
(the default meter) against the cpu meter's confirmed minimum, over the bank's references.

For each problem (fixtures/problems/*), performance inputs are drawn from its generator with
fixed seeds at its ``perf_scale`` (times ``--scale-factor``, or ``--scale``), the canonical
reference answers them, and every reference is measured with both meters on those inputs (the
outputs are checked, as in judging). Printed per problem: each reference's count, its CPU cost
and what one valgrind measurement took (wall and CPU seconds of the jail, and the instruction
rate); then Spearman's rho over every reference of every problem covered, and the share of
within-problem pairs of references that both meters put in the same order (with the pairs
whose CPU costs lie within the cpu meter's tie share counted apart: there CPU time itself
cannot tell them apart).

    .venv/bin/python bench/meter_agreement.py [--problems a,b,...] [--scale-factor 0.1]
        [--scale N] [--perf-count K] [--cpu-repeats 3] [--max-minutes M]

Runs outside any database. --max-minutes stops starting new problems after that long.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass
class Measured:
    label: str
    count_ir: float = 0.0
    cpu_ms: float = 0.0
    valgrind_wall_s: float = 0.0
    valgrind_cpu_s: float = 0.0
    cpu_wall_s: float = 0.0
    failure: str = ""


@dataclass
class ProblemResult:
    code: str
    scale: int
    rows: list[Measured] = field(default_factory=list)

    def ok_rows(self) -> list[Measured]:
        return [row for row in self.rows if not row.failure]


def ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else float("nan")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_problem(path: Path, args: argparse.Namespace, valgrind: object, cpu: object) -> ProblemResult:
    from arena.ingest.bank import load_generator, read_folder
    from judge.meters import CostMeter
    from judge.protocol import CaseSpec, JudgeJob
    from judge.reference import run_reference

    assert isinstance(valgrind, CostMeter) and isinstance(cpu, CostMeter)
    folder = read_folder(path)
    spec = folder.meta.get("tests", {})
    scale = args.scale or max(1, int(int(spec.get("perf_scale", 100)) * args.scale_factor))
    count = args.perf_count or int(spec.get("perf_count", 2))
    generate = load_generator(folder.generator_source, folder.code)
    inputs = [generate(random.Random(1000 + i), scale) for i in range(count)]
    signature = folder.meta["signature"]
    time_limit_ms = int(folder.meta.get("time_limit_ms", 2000))
    canonical = next(src for name, _, src, _ in folder.references if name == folder.canonical_name)
    answers = run_reference(source=canonical, signature=signature, inputs=inputs, time_limit_ms=time_limit_ms)
    result = ProblemResult(folder.code, scale)
    if not answers.all_ok:
        result.rows.append(Measured("canonical", failure=answers.first_failure()))
        return result
    cases = [
        CaseSpec(ordinal=i + 1, kind="performance", args=args_, expected=answer.output)
        for i, (args_, answer) in enumerate(zip(inputs, answers.answers, strict=True))
    ]
    for _, label, source, language in folder.references:
        if language != "PY3":  # the meters are compared on the Python references
            continue
        job = JudgeJob(
            source=source,
            signature=signature,
            cases=cases,
            checker=folder.checker(),
            time_limit_ms=time_limit_ms,
            memory_limit_kb=int(folder.meta.get("memory_limit_mb", 256)) * 1024,
        )
        row = Measured(label)
        started, cpu_before = time.monotonic(), children_cpu_s()
        counted = measure_retrying(job, cases, repeats=1, meter=valgrind)
        row.valgrind_wall_s, row.valgrind_cpu_s = time.monotonic() - started, children_cpu_s() - cpu_before
        started = time.monotonic()
        timed = measure_retrying(job, cases, repeats=args.cpu_repeats, meter=cpu)
        row.cpu_wall_s = time.monotonic() - started
        if not counted.ok or not timed.ok:
            row.failure = counted.message if not counted.ok else timed.message
        else:
            row.count_ir, row.cpu_ms = counted.samples[0], timed.cost
        result.rows.append(row)
    return result


def measure_retrying(job: Any, cases: list[Any], *, repeats: int, meter: Any) -> Any:
    """measure_cost, again when the jail was lost to something outside it (as a judge retries)."""
    from judge.meters import measure_cost
    from judge.sandbox.session import JailLost

    for attempt in range(3):
        try:
            return measure_cost(job, cases, repeats=repeats, meter=meter)
        except JailLost:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def pair_agreement(results: list[ProblemResult], tie_share: float) -> tuple[int, int, int, int]:
    """(pairs ordered alike, pairs, of which within the cpu tie share: alike, pairs)."""
    alike = pairs = close_alike = close = 0
    for result in results:
        for a, b in itertools.combinations(result.ok_rows(), 2):
            same = (a.count_ir - b.count_ir) * (a.cpu_ms - b.cpu_ms) > 0 or (
                a.count_ir == b.count_ir and a.cpu_ms == b.cpu_ms
            )
            within = abs(a.cpu_ms - b.cpu_ms) <= tie_share * max(a.cpu_ms, b.cpu_ms)
            pairs += 1
            alike += same
            if within:
                close += 1
                close_alike += same
    return alike, pairs, close_alike, close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="", help="comma-separated problem codes (default: the whole bank)")
    parser.add_argument("--scale-factor", type=float, default=1.0, help="multiplies each problem's perf_scale")
    parser.add_argument("--scale", type=int, default=0, help="one generator scale for every problem")
    parser.add_argument("--perf-count", type=int, default=0, help="inputs per problem (default: its perf_count)")
    parser.add_argument("--cpu-repeats", type=int, default=3, help="JUDGE_PERF_REPEATS for the cpu meter")
    parser.add_argument("--max-minutes", type=float, default=0.0, help="start no new problem after this long")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from arena.ingest.bank import BANK_DIR, bank_folders
    from judge.meters import CpuMeter, ValgrindMeter, get_meter

    valgrind, cpu = get_meter("valgrind"), get_meter("cpu")
    if not isinstance(valgrind, ValgrindMeter):
        sys.exit("valgrind is not available on this host")
    wanted = [p for p in args.problems.split(",") if p]
    folders = [BANK_DIR / code for code in wanted] if wanted else bank_folders()
    # Each meter's empty-run baseline is measured once, before the clock of any reference starts.
    valgrind.baseline()
    cpu.baseline()
    print(f"{len(folders)} problems; valgrind baseline {valgrind.baseline():,.0f} Ir, cpu {cpu.baseline():.1f} ms")
    began = time.monotonic()
    results: list[ProblemResult] = []
    for path in folders:
        if args.max_minutes and time.monotonic() - began > args.max_minutes * 60:
            print(f"-- stopped after {args.max_minutes:g} minutes, {len(results)} problems measured")
            break
        result = measure_problem(path, args, valgrind, cpu)
        results.append(result)
        print(f"\n{result.code} (scale {result.scale})")
        for row in result.rows:
            if row.failure:
                print(f"  {row.label[:40]:40} FAILED: {row.failure[:100]}")
                continue
            rate = row.count_ir / row.valgrind_cpu_s / 1e6 if row.valgrind_cpu_s else 0.0
            print(
                f"  {row.label[:40]:40} {row.count_ir:>16,.0f} Ir {row.cpu_ms:>10.1f} ms   valgrind "
                f"{row.valgrind_wall_s:6.1f} s wall {row.valgrind_cpu_s:6.1f} s CPU ({rate:5.1f} M Ir/s)   "
                f"cpu meter {row.cpu_wall_s:5.1f} s wall"
            )
        sys.stdout.flush()
    rows = [row for result in results for row in result.ok_rows()]
    if len(rows) < 2:
        return
    rho = spearman([r.count_ir for r in rows], [r.cpu_ms for r in rows])
    alike, pairs, close_alike, close = pair_agreement(results, CpuMeter.tie_share)
    far_alike, far = alike - close_alike, pairs - close
    print(f"\nproblems {len(results)}, references measured {len(rows)}")
    print(f"Spearman rho (valgrind Ir vs cpu ms, every reference): {rho:.3f}")
    print(f"within-problem pairs ordered alike: {alike}/{pairs}")
    print(f"  pairs whose cpu costs differ by more than {CpuMeter.tie_share:.0%}: {far_alike}/{far} alike")
    print(f"  pairs within {CpuMeter.tie_share:.0%} (cpu cannot tell them apart): {close_alike}/{close} alike")
    for result in results:
        for a, b in itertools.combinations(result.ok_rows(), 2):
            if (a.count_ir - b.count_ir) * (a.cpu_ms - b.cpu_ms) < 0:
                print(
                    f"  disagree: {result.code}: {a.label[:30]} {a.count_ir:,.0f} Ir / {a.cpu_ms:.1f} ms vs "
                    f"{b.label[:30]} {b.count_ir:,.0f} Ir / {b.cpu_ms:.1f} ms"
                )
    valgrind_cpu = [r.valgrind_cpu_s for r in rows]
    rates = sorted(r.count_ir / r.valgrind_cpu_s / 1e6 for r in rows if r.valgrind_cpu_s)
    print(
        f"one valgrind measurement: CPU {min(valgrind_cpu):.1f}-{max(valgrind_cpu):.1f} s "
        f"(median {sorted(valgrind_cpu)[len(valgrind_cpu) // 2]:.1f}); "
        f"rate {rates[0]:.1f}-{rates[-1]:.1f} M Ir/s of the jail's CPU"
    )


if __name__ == "__main__":
    main()
