"""Leaderboard cost at scale: 200 participants x 500 problems x 50,000 submissions.

Prints the full recompute (standings rebuilt from every submission, then the leaderboard), the
leaderboard alone, and one incremental update: an accepted verdict arrives, so its problem is
re-scored (every accepted submission's ES moves with the pool, and the standings counting them)
and its own standing row recomputed. Every problem has three calibrated references and every
accepted submission a cost. Runs on a throwaway SQLite database (or DATABASE_URL).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "200"))
PROBLEMS = int(os.environ.get("BENCH_PROBLEMS", "500"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "50000"))


def main() -> None:
    os.environ.setdefault("ARENA_VAR_DIR", tempfile.mkdtemp(prefix="arena-lb-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from arena.models import Participant, Problem, ReferenceCost, ReferenceSolution, Submission
    from arena.selectors.leaderboard import leaderboard_rows
    from arena.services.rescoring import Pool, problem_rescore
    from arena.services.standings import standing_update, standings_rebuild

    pool = Pool("bench-host", "cpu", "cpu/bench")

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    users = get_user_model().objects.bulk_create(get_user_model()(username=f"bench-{i}") for i in range(PARTICIPANTS))
    people = Participant.objects.bulk_create(
        Participant(user=u, display_name=u.username, kind="model" if i % 2 else "human") for i, u in enumerate(users)
    )
    problems = Problem.objects.bulk_create(
        Problem(code=f"bench-{i}", title=f"P{i}", statement="x", difficulty=("easy", "medium", "hard")[i % 3],
                points=(3, 5, 8)[i % 3], signature={"style": "function", "name": "f", "params": []})
        for i in range(PROBLEMS)
    )  # fmt: skip
    references = ReferenceSolution.objects.bulk_create(
        ReferenceSolution(problem=p, label=f"r{i}", source="x") for p in problems for i in range(3)
    )
    ReferenceCost.objects.bulk_create(
        ReferenceCost(reference=r, host=pool.host, meter=pool.meter, unit="ms", environment=pool.environment,
                      cost=(10.0, 100.0, 1000.0)[i % 3])
        for i, r in enumerate(references)
    )  # fmt: skip
    verdicts = ["AC"] * 5 + ["WA", "TLE", "RTE"]

    def submission(verdict: str) -> Submission:
        accepted = verdict == "AC"
        return Submission(
            participant=rng.choice(people), problem=rng.choice(problems), language="PY3", source="x", status="D",
            verdict=verdict, es=rng.random() if accepted else None, beyond=rng.random() if accepted else None,
            dps=rng.random() if accepted else None, cost=rng.uniform(5, 2000) if accepted else None,
            judge_host=pool.host, cost_meter=pool.meter if accepted else "",
            cost_environment=pool.environment if accepted else "",
        )  # fmt: skip

    Submission.objects.bulk_create((submission(rng.choice(verdicts)) for _ in range(SUBMISSIONS)), batch_size=5000)

    started = time.perf_counter()
    rows = standings_rebuild()
    table = leaderboard_rows()
    full_s = time.perf_counter() - started

    reads = []
    for _ in range(5):
        started = time.perf_counter()
        leaderboard_rows()
        reads.append(time.perf_counter() - started)

    updates, moved = [], []
    for _ in range(50):
        sub = submission("AC")
        sub.save()
        started = time.perf_counter()
        moved.append(problem_rescore(problem_id=sub.problem_id, pool=pool))
        standing_update(participant_id=sub.participant_id, problem_id=sub.problem_id)
        updates.append(time.perf_counter() - started)

    print(f"data: {PARTICIPANTS} participants x {PROBLEMS} problems x {SUBMISSIONS} submissions -> {rows} standings")
    print(f"full recompute (rebuild standings + leaderboard):   {full_s * 1000:8.1f} ms  (goal < 2000 ms)")
    print(f"leaderboard read from standings (median of 5):      {statistics.median(reads) * 1000:8.1f} ms")
    update_ms = statistics.median(updates) * 1000
    print(f"incremental update of one verdict (median of 50):   {update_ms:8.2f} ms  (goal < 20 ms; "
          f"re-scores the problem: median {statistics.median(moved):.0f} submissions' scores moved)")  # fmt: skip
    print(f"leaderboard rows: {len(table)}")


if __name__ == "__main__":
    main()
