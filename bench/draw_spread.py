"""How much does a performance input's cost depend on the secret it was drawn with?

Every deployment draws its performance inputs from the generator with seeds keyed by its own
secret (arena/services/performance.py), so the scale a problem ships with must hold for any
draw, not only for the one the bank was sized on. For each problem (fixtures/problems/*) this
draws ``--draws`` independent inputs at its ``perf_scale`` (seeds from ``--seed``), runs every
reference on each in one jail, and prints per reference the CPU time of its slowest and median
draw and their ratio (the spread; medians under 5 ms count as 5 ms). The summary lists the
problems whose spread is above ``--flag`` and the worst draw of the slowest reference against
the problem's time limit.

    .venv/bin/python bench/draw_spread.py [--problems a,b,...] [--draws 8] [--seed 1]
        [--flag 2.0] [--jobs 2]

Runs outside any database; the CPU times are those of the cpu meter's jail (noisy, but a
spread of 2x or more is not noise).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass
class Spread:
    code: str
    scale: int
    time_limit_ms: int
    # label -> CPU ms of each draw (empty when a draw failed)
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def worst(self) -> tuple[str, float, float]:
        """(label, slowest draw ms, median draw ms) of the reference whose slowest draw is slowest."""
        label = max(self.cpu_ms, key=lambda name: max(self.cpu_ms[name], default=0.0))
        values = self.cpu_ms[label]
        return label, max(values, default=0.0), statistics.median(values) if values else 0.0

    def spread(self) -> float:
        # 5 ms floor: below it the jail's CPU clock is mostly noise.
        ratios = [max(v) / max(statistics.median(v), 5.0) for v in self.cpu_ms.values() if v]
        return max(ratios, default=1.0)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def measure(code: str, draws: int, seed: int) -> Spread:
    _setup()
    from arena.ingest.bank import BANK_DIR, load_generator, read_folder
    from judge.reference import run_reference

    folder = read_folder(BANK_DIR / code)
    scale = int(folder.meta.get("tests", {}).get("perf_scale", 100))
    time_limit_ms = int(folder.meta.get("time_limit_ms", 2000))
    generate = load_generator(folder.generator_source, folder.code)
    seeds = random.Random(f"{seed}:{code}")
    inputs = [generate(random.Random(seeds.getrandbits(128)), scale) for _ in range(draws)]
    result = Spread(code, scale, time_limit_ms)
    for _, label, source, language in folder.references:
        if language != "PY3":  # the Python references' spread (other languages are far faster)
            continue
        run = run_reference(
            source=source, signature=folder.meta["signature"], inputs=inputs, time_limit_ms=time_limit_ms, factor=8
        )
        if not run.all_ok:
            result.failures.append(f"{label}: {run.first_failure()[:160]}")
        result.cpu_ms[label] = [answer.cpu_ms for answer in run.answers if answer.ok]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="", help="comma-separated problem codes (default: the whole bank)")
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flag", type=float, default=2.0, help="list problems whose spread is above this")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    _setup()
    from arena.ingest.bank import bank_folders

    codes = [p for p in args.problems.split(",") if p] or [path.name for path in bank_folders()]
    print(f"{len(codes)} problems, {args.draws} draws each at the problem's perf_scale")
    results: list[Spread] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(measure, codes, [args.draws] * len(codes), [args.seed] * len(codes)):
            results.append(result)
            label, slowest, median = result.worst()
            line = (
                f"{result.code:28} scale {result.scale:>7}  spread {result.spread():5.2f}x  "
                f"slowest ref {label[:40]!r}: worst {slowest:7.0f} ms, median {median:7.0f} ms "
                f"(limit {result.time_limit_ms} ms)"
            )
            print(line + "".join(f"\n    FAILED {failure}" for failure in result.failures), flush=True)
    flagged = sorted((r for r in results if r.spread() > args.flag), key=lambda r: -r.spread())
    print(f"\nspread above {args.flag:g}x: {len(flagged)} of {len(results)}")
    for result in flagged:
        label, slowest, median = result.worst()
        print(f"  {result.code:28} {result.spread():5.2f}x  worst draw {slowest:.0f} ms / limit {result.time_limit_ms}")
    over = [r for r in results if r.worst()[1] > r.time_limit_ms or r.failures]
    print(f"worst draw of the slowest reference over the time limit, or failing: {len(over)}")
    for result in over:
        print(f"  {result.code:28} {result.worst()[1]:.0f} ms / {result.time_limit_ms} ms {result.failures[:1]}")
    spreads = sorted(r.spread() for r in results)
    if spreads:
        print(f"spread: median {statistics.median(spreads):.2f}x, max {spreads[-1]:.2f}x")


if __name__ == "__main__":
    main()
