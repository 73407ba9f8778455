"""Personas and the problem bank for the whole suite: everything runs against the real sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from arena.ingest.bank import BANK_DIR, problem_load, read_folder
from arena.models import Participant, Problem
from arena.services.participants import participant_create, token_create

REPO = Path(__file__).resolve().parent.parent


def load_problem(code: str, *, languages: tuple[str, ...] | None = ("PY3",)) -> Problem:
    """A bank problem with its references in ``languages`` (None: every language's). Most of the
    suite is about Python's pool; tests of the other languages' pools ask for theirs."""
    problem, _ = problem_load(folder=read_folder(BANK_DIR / code), force=True)
    if languages is not None:
        problem.references.exclude(language__in=languages).delete()
    return problem


@pytest.fixture
def two_sum(db: None) -> Problem:
    """Two Sum with its Python references."""
    return load_problem("two-sum")


@pytest.fixture
def contestant(db: None) -> Participant:
    return participant_create(username="alice", password="correct-horse-9", kind=Participant.Kind.HUMAN)


@pytest.fixture
def rival(db: None) -> Participant:
    return participant_create(username="bob", password="correct-horse-9", kind=Participant.Kind.HUMAN)


@pytest.fixture
def model_account(db: None) -> Participant:
    return participant_create(username="gpt-test", kind=Participant.Kind.MODEL)


@pytest.fixture
def curator(db: None) -> Participant:
    participant = participant_create(username="carol", password="correct-horse-9")
    participant.user.is_staff = True
    participant.user.is_superuser = True
    participant.user.save()
    return participant


@pytest.fixture
def model_token(model_account: Participant) -> str:
    return token_create(participant=model_account)[1]


@pytest.fixture
def contestant_token(contestant: Participant) -> str:
    return token_create(participant=contestant)[1]


@pytest.fixture
def fresh_counters() -> Iterator[None]:
    """Fair-use counters from zero, and none left behind for the next test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
