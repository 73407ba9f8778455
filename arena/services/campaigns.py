"""Evaluation campaigns: k samples per problem from one model, reported as pass@k and Beyond@k."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from arena.errors import AppError
from arena.models import Campaign, Participant, Submission
from arena.selectors.problems import problems_published
from arena.services.submissions import SubmissionDraft, submissions_create

MAX_K = 100


@transaction.atomic
def campaign_create(*, participant: Participant, name: str, k: int) -> Campaign:
    if not 1 <= k <= MAX_K:
        raise AppError("invalid_k", f"k must be between 1 and {MAX_K}.")
    if not name.strip():
        raise AppError("invalid_name", "A campaign needs a name.")
    # Locked so that two concurrent creates cannot both see one campaign left under the limit.
    Participant.objects.select_for_update().only("pk").get(pk=participant.pk)
    limit = settings.CAMPAIGN_MAX_PER_PARTICIPANT
    if Campaign.objects.filter(participant=participant).count() >= limit:
        raise AppError(
            "too_many_campaigns", f"You already have {limit} campaigns, the most one participant may have.", status=403
        )
    return Campaign.objects.create(participant=participant, name=name.strip()[:120], k=k)


@transaction.atomic
def campaign_submit(*, campaign: Campaign, items: list[dict[str, Any]]) -> list[Submission]:
    """Add samples (all or nothing). At most k samples per problem, only published problems, and
    the samples count against the participant's queue cap like any submission."""
    # Locked so that two concurrent batches cannot both pass the k check below.
    Campaign.objects.select_for_update().only("pk").get(pk=campaign.pk)
    codes = [str(item.get("problem", "")) for item in items]
    problems = {p.code: p for p in problems_published().filter(code__in=codes)}
    for index, code in enumerate(codes):
        if code not in problems:
            raise AppError("not_found", f"No problem with code {code!r}.", status=404).for_item(index)
    existing = dict(
        campaign.submissions.values_list("problem__code").annotate(n=Count("id")).values_list("problem__code", "n")
    )
    for code in set(codes):
        total = existing.get(code, 0) + codes.count(code)
        if total > campaign.k:
            raise AppError(
                "too_many_samples", f"{code}: {total} samples would exceed k={campaign.k} for this campaign."
            )
    drafts = [
        SubmissionDraft(problems[str(item["problem"])], str(item.get("language", "")), item.get("source", ""))
        for item in items
    ]
    return submissions_create(participant=campaign.participant, drafts=drafts, campaign=campaign)
