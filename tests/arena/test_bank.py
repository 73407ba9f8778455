"""The problem bank: shape, and every reference solution agreeing with the canonical one."""

from __future__ import annotations

from collections import Counter

import pytest

from arena.ingest.bank import BANK_DIR, bank_folders, problem_load, read_folder
from arena.models import Problem
from arena.models import TestCase as Case
from arena.services.curation import problem_validate
from judge.languages import get_language


@pytest.fixture(scope="module")
def bank(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> list[str]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        codes = [problem_load(folder=read_folder(path), force=True)[0].code for path in bank_folders()]
    yield codes
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        Problem.objects.all().delete()


def test_the_bank_has_four_problems_of_each_difficulty_with_node_types() -> None:
    folders = [read_folder(path) for path in bank_folders(BANK_DIR)]
    assert len(folders) >= 12
    counts = Counter(folder.meta["difficulty"] for folder in folders)
    assert min(counts["easy"], counts["medium"], counts["hard"]) >= 4
    types = {p["type"] for folder in folders for p in folder.meta["signature"]["params"]}
    assert {"ListNode", "TreeNode"} <= types
    assert all(sum(language == "PY3" for *_, language in folder.references) >= 3 for folder in folders)
    assert all(
        source.splitlines()[0].startswith(f"{get_language(language).comment} label:")
        for folder in folders
        for _, _, source, language in folder.references
    )


@pytest.mark.django_db
def test_references_in_other_languages_load_with_their_language_and_canonical_translation(bank: list[str]) -> None:
    folder = read_folder(BANK_DIR / "best-single-trade")
    languages = {name: language for name, _, _, language in folder.references}
    assert languages["one_pass.py"] == "PY3" and languages["one_pass.cpp"] == "CPP17"
    problem = Problem.objects.get(code="best-single-trade")
    rows = set(problem.references.values_list("language", "is_canonical"))
    assert {("PY3", True), ("PY3", False), ("CPP17", True), ("CPP17", False)} <= rows
    assert problem.canonical_reference().language == "PY3"


@pytest.mark.django_db
def test_every_problem_has_samples_hidden_and_performance_cases(bank: list[str]) -> None:
    for problem in Problem.objects.all():
        kinds = Counter(problem.cases.values_list("kind", flat=True))
        assert kinds[Case.Kind.SAMPLE] >= 2, problem.code
        assert kinds[Case.Kind.HIDDEN] >= 5, problem.code
        assert kinds[Case.Kind.PERFORMANCE] >= 1, problem.code
        assert problem.starter_code["PY3"].strip()


# Every reference of every language judged on every case: the same work on any database (the
# bank's loading on PostgreSQL is covered by the tests above, which load all of it).
@pytest.mark.judging_only
@pytest.mark.django_db
@pytest.mark.parametrize("code", [path.name for path in bank_folders(BANK_DIR)])
def test_every_reference_of_every_language_passes_stored_and_fresh_cases(bank: list[str], code: str) -> None:
    report = problem_validate(problem=Problem.objects.get(code=code), seeds=1, measure=False)
    assert report.failures == []
