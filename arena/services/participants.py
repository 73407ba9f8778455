"""Participants and their API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from arena.models import ApiToken, Participant

TOKEN_PREFIX = "ca_"


@transaction.atomic
def participant_create(
    *, username: str, kind: str = Participant.Kind.HUMAN, password: str | None = None, display_name: str = ""
) -> Participant:
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password)
    return Participant.objects.create(user=user, kind=kind, display_name=display_name or username)


def participant_for_user(user: AbstractBaseUser | AnonymousUser) -> Participant:
    """Every user gets a participant profile the first time it is needed (e.g. a curator)."""
    if not user.is_authenticated:
        raise PermissionError("anonymous users have no participant profile")
    participant, _ = Participant.objects.get_or_create(
        user_id=user.pk, defaults={"display_name": user.get_username(), "kind": Participant.Kind.HUMAN}
    )
    return participant


def token_create(*, participant: Participant, name: str = "") -> tuple[ApiToken, str]:
    """Returns the token row and the plain token, which is never stored and shown only now."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(participant=participant, name=name, prefix=raw[:10], token_hash=ApiToken.hash(raw))
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(id=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_authenticate(raw: str) -> Participant | None:
    token = (
        ApiToken.objects.select_related("participant__user")
        .filter(token_hash=ApiToken.hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.participant.user.is_active:
        return None
    now = timezone.now()
    # Writing last_used_at on every request would serialise all API traffic on one row.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(id=token.pk).update(last_used_at=now)
    return token.participant
