"""Evaluation campaigns: k samples per problem from one model, reported as pass@k and Beyond@k."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count

from arena.models import Campaign, Participant, Problem, Submission
from arena.services.submissions import SubmissionRejected, submission_create

MAX_K = 100


def campaign_create(*, participant: Participant, name: str, k: int) -> Campaign:
    if not 1 <= k <= MAX_K:
        raise SubmissionRejected("invalid_k", f"k must be between 1 and {MAX_K}.")
    if not name.strip():
        raise SubmissionRejected("invalid_name", "A campaign needs a name.")
    return Campaign.objects.create(participant=participant, name=name.strip()[:120], k=k)


@transaction.atomic
def campaign_submit(*, campaign: Campaign, items: list[dict[str, Any]]) -> list[Submission]:
    """Add samples (all or nothing). At most k samples per problem."""
    codes = [str(item.get("problem", "")) for item in items]
    problems = {p.code: p for p in Problem.objects.filter(code__in=codes, is_public=True)}
    missing = sorted(set(codes) - set(problems))
    if missing:
        raise SubmissionRejected("not_found", f"No problem with code {', '.join(map(repr, missing))}.", status=404)
    existing = dict(
        campaign.submissions.values_list("problem__code").annotate(n=Count("id")).values_list("problem__code", "n")
    )
    for code in set(codes):
        total = existing.get(code, 0) + codes.count(code)
        if total > campaign.k:
            raise SubmissionRejected(
                "too_many_samples", f"{code}: {total} samples would exceed k={campaign.k} for this campaign."
            )
    return [
        submission_create(
            participant=campaign.participant,
            problem=problems[str(item["problem"])],
            language=str(item.get("language", "")),
            source=item.get("source", ""),
            campaign=campaign,
        )
        for item in items
    ]
