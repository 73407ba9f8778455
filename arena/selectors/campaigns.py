"""Campaign reports: pass@k with the unbiased estimator, Beyond@k and DPS@k, failure breakdown,
and the results of each language the samples were written in."""

from __future__ import annotations

from math import comb
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from arena.models import Campaign, Submission
from arena.services.languages import language_display, languages_registered

# Mercury's failure categories.
FAILURE_CLASSES = {
    "CE": "generation / compile error",
    "RTE": "execution error",
    "TLE": "execution error",
    "MLE": "execution error",
    "OLE": "execution error",
    "WA": "wrong answer",
    "AC": "passed",
    "IE": "judge error",
}


def campaign_access(user: AbstractBaseUser | AnonymousUser, campaign_id: int) -> Campaign | None:
    """The one rule for reading and adding to a campaign (API and pages): its model's own account,
    the person who registered that model (who could make a token for it anyway), and staff."""
    if not user.is_authenticated:
        return None
    campaigns = Campaign.objects.select_related("participant").filter(id=campaign_id)
    if not getattr(user, "is_staff", False):
        campaigns = campaigns.filter(Q(participant__user_id=user.pk) | Q(participant__owner_id=user.pk))
    return campaigns.first()


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k)."""
    if n == 0 or k > n:
        return 0.0
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def expected_max_at_k(scores: list[float], k: int) -> float:
    """Unbiased estimate of E[max of k samples drawn without replacement from these n scores]:
    sorted ascending, the i-th smallest (1-based) is the maximum in C(i-1, k-1) of the C(n, k) draws."""
    n = len(scores)
    if n == 0 or k > n:
        return 0.0
    ordered = sorted(scores)
    return sum(score * comb(i - 1, k - 1) for i, score in enumerate(ordered, start=1)) / comb(n, k)


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    samples = list(
        campaign.submissions.filter(status=Submission.Status.DONE)
        .values_list("problem__code", "problem__difficulty", "verdict", "beyond", "dps", "language")
        .order_by("id")
    )
    pending = campaign.submissions.exclude(status=Submission.Status.DONE).count()
    by_problem: dict[str, dict[str, Any]] = {}
    breakdown: dict[str, int] = {}
    for code, difficulty, verdict, beyond, dps, _ in samples:
        entry = by_problem.setdefault(code, {"difficulty": difficulty, "n": 0, "c": 0, "beyond": [], "dps": []})
        entry["n"] += 1
        accepted = verdict == Submission.Verdict.AC
        entry["c"] += accepted
        entry["beyond"].append(beyond or 0.0 if accepted else 0.0)
        entry["dps"].append(dps or 0.0 if accepted else 0.0)
        label = FAILURE_CLASSES.get(verdict, verdict)
        breakdown[label] = breakdown.get(label, 0) + 1
    ks = sorted({1, campaign.k})
    problems = []
    for code, entry in sorted(by_problem.items()):
        row: dict[str, Any] = {"problem": code, "difficulty": entry["difficulty"], "n": entry["n"], "c": entry["c"]}
        for k in ks:
            row[f"pass@{k}"] = pass_at_k(entry["n"], entry["c"], k)
            row[f"beyond@{k}"] = expected_max_at_k(entry["beyond"], k)
            row[f"dps@{k}"] = expected_max_at_k(entry["dps"], k)
        problems.append(row)

    def mean_of(rows: list[dict[str, Any]]) -> dict[str, float]:
        keys = [f"{metric}@{k}" for k in ks for metric in ("pass", "beyond", "dps")]
        return {key: (sum(r[key] for r in rows) / len(rows) if rows else 0.0) for key in keys}

    per_difficulty = {
        difficulty: {"problems": len(rows), **mean_of(rows)}
        for difficulty in ("easy", "medium", "hard")
        if (rows := [r for r in problems if r["difficulty"] == difficulty])
    }
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "participant": campaign.participant.display_name,
        "k": campaign.k,
        "samples": len(samples),
        "pending": pending,
        "overall": {"problems": len(problems), **mean_of(problems)},
        "per_difficulty": per_difficulty,
        "failure_breakdown": breakdown,
        "per_language": per_language(samples),
        "problems": problems,
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def per_language(samples: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """The judged samples of each language: how many, how many accepted (and the rate), how many
    problems were tried and solved in it (the solve rate is solved / tried), and the mean Beyond
    and DPS of its accepted samples. Languages in the judge's order; only those with samples.

    ``samples``: (problem code, difficulty, verdict, beyond, dps, language) rows.
    """
    rows: dict[str, dict[str, Any]] = {}
    for code, _, verdict, beyond, dps, language in samples:
        row = rows.setdefault(language, {"samples": 0, "accepted": 0, "tried": set(), "solved": set(),
                                         "beyond": [], "dps": []})  # fmt: skip
        row["samples"] += 1
        row["tried"].add(code)
        if verdict == Submission.Verdict.AC:
            row["accepted"] += 1
            row["solved"].add(code)
            row["beyond"].append(beyond or 0.0)
            row["dps"].append(dps or 0.0)
    order = {language.key: index for index, language in enumerate(languages_registered())}
    report = {}
    for key in sorted(rows, key=lambda k: (order.get(k, len(order)), k)):
        row = rows[key]
        report[key] = {
            "name": language_display(key)[0],
            "samples": row["samples"],
            "accepted": row["accepted"],
            "acceptance_rate": row["accepted"] / row["samples"],
            "problems": len(row["tried"]),
            "solved": len(row["solved"]),
            "solve_rate": len(row["solved"]) / len(row["tried"]),
            "mean_beyond": _mean(row["beyond"]),
            "mean_dps": _mean(row["dps"]),
        }
    return report
