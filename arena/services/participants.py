"""Participants and their API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from arena.errors import AppError
from arena.models import ApiToken, Participant

TOKEN_PREFIX = "ca_"
MODEL_NAME_MAX = 100
MODELS_PER_OWNER_MAX = 20


@transaction.atomic
def participant_create(
    *, username: str, kind: str = Participant.Kind.HUMAN, password: str | None = None, display_name: str = ""
) -> Participant:
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password)
    return Participant.objects.create(user=user, kind=kind, display_name=display_name or username)


@transaction.atomic
def model_create(
    *,
    owner: AbstractBaseUser,
    name: str,
    provider: str = "",
    training_cutoff: dt.date | None = None,
    homepage: str = "",
) -> Participant:
    """A model participant registered from the web by ``owner``, who then manages its tokens.

    The model gets a user of its own (no password: it only ever signs in with tokens), named
    after the model so that its public profile has a readable address.
    """
    name, provider, homepage = name.strip(), provider.strip(), homepage.strip()
    _model_fields_check(name=name, provider=provider, training_cutoff=training_cutoff, homepage=homepage)
    # Locked so that two concurrent creates cannot both see the owner one model under the limit.
    user_model = get_user_model()
    user_model.objects.select_for_update().only("pk").get(pk=owner.pk)
    if Participant.objects.filter(user_id=owner.pk, kind=Participant.Kind.MODEL).exists():
        raise AppError("models_cannot_own", "A model account cannot register models.", status=403)
    if Participant.objects.filter(owner_id=owner.pk).count() >= MODELS_PER_OWNER_MAX:
        raise AppError(
            "too_many_models", f"You already have {MODELS_PER_OWNER_MAX} models, the most one account may register."
        )
    # Not a database constraint: models made before this rule may share names. Two owners racing
    # for one new name can both win; the leaderboard still tells them apart by their addresses.
    if Participant.objects.filter(kind=Participant.Kind.MODEL, display_name__iexact=name).exists():
        raise AppError("name_taken", f"There is already a model called {name!r}; choose another name.")
    user = _model_user_create(name)
    return Participant.objects.create(
        user=user,
        kind=Participant.Kind.MODEL,
        display_name=name,
        organisation=provider,
        training_cutoff=training_cutoff,
        homepage=homepage,
        owner_id=owner.pk,
    )


def _model_fields_check(*, name: str, provider: str, training_cutoff: dt.date | None, homepage: str) -> None:
    if not 1 <= len(name) <= MODEL_NAME_MAX:
        raise AppError("invalid_name", f"A model needs a name of 1 to {MODEL_NAME_MAX} characters.")
    if len(provider) > 100:
        raise AppError("invalid_provider", "The provider's name may have at most 100 characters.")
    if training_cutoff is not None and training_cutoff > timezone.now().date():
        raise AppError("invalid_training_cutoff", "The training cut-off cannot be in the future.")
    if homepage:
        try:
            URLValidator(schemes=["http", "https"])(homepage)
        except ValidationError:
            raise AppError("invalid_homepage", "The link must be a web address starting with https://.")
        if len(homepage) > 200 or not urlsplit(homepage).hostname:
            raise AppError("invalid_homepage", "The link must be a web address of at most 200 characters.")


def _model_user_create(name: str) -> User:
    """A user named after the model: ``gpt-5-mini``, or ``gpt-5-mini-2`` when that is taken."""
    user_model = get_user_model()
    base = slugify(name)[:120].strip("-") or "model"
    for attempt in range(1, 1000):
        username = base if attempt == 1 else f"{base}-{attempt}"
        # Usernames are unique regardless of case (frontend SignUpForm), the database only checks
        # them as written.
        if user_model.objects.filter(username__iexact=username).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint: a name taken meanwhile only costs one more try
                return user_model.objects.create_user(username=username, password=None)
        except IntegrityError:
            continue
    raise AppError("name_taken", f"Too many accounts are named like {name!r}; choose another name.")


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
