"""One way in for problems: every source saved by problem_save, and bank folders as zips in the admin."""

from __future__ import annotations

import io
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arena.ingest import bank, humaneval, mercury, open_data, save
from arena.ingest.bank import BANK_DIR, problem_folder_write, problem_load, read_folder
from arena.ingest.humaneval import humaneval_problem_import, humaneval_tasks_read
from arena.ingest.mercury import mercury_problem_import, mercury_records_read
from arena.ingest.open_data import open_data_import
from arena.ingest.spec import IngestError, ProblemSpec
from arena.models import Participant, Problem
from arena.models import TestCase as Case
from arena.services.open_data import open_data_export
from tests.conftest import REPO, load_problem

IMPORT_URL = "/admin/arena/problem/import-zip/"
MERCURY_SAMPLE = REPO / "fixtures" / "samples" / "mercury_sample.json"


@pytest.fixture
def curator_client(client: Client, curator: Participant) -> Client:
    client.force_login(curator.user)
    return client


def problem_state(problem: Problem) -> dict[str, Any]:
    """What a bank folder carries, read back from the database."""
    problem.refresh_from_db()
    cases = list(problem.cases.order_by("ordinal"))
    fields = (
        "title", "statement", "difficulty", "points", "published_at", "tags", "time_limit_ms", "memory_limit_kb",
        "signature", "starter_code", "checker", "checker_source", "float_tolerance", "hidden_feedback",
        "generator_source", "perf_scale", "perf_generation",
    )  # fmt: skip
    return {
        **{name: getattr(problem, name) for name in fields},
        "samples": [(c.input, c.expected) for c in cases if c.kind == Case.Kind.SAMPLE],
        "hidden": [(c.input, c.expected) for c in cases if c.kind == Case.Kind.HIDDEN],
        "performance": [(c.input, c.expected) for c in cases if c.kind == Case.Kind.PERFORMANCE],
        "references": sorted(problem.references.values_list("label", "source", "is_canonical")),
    }


def export_zip(client: Client, *problems: Problem) -> bytes:
    response = client.post(
        "/admin/arena/problem/", {"action": "export_bank_zip", "_selected_action": [p.pk for p in problems]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return response.content


def upload(client: Client, data: bytes) -> str:
    archive = SimpleUploadedFile("problems.zip", data, content_type="application/zip")
    response = client.post(IMPORT_URL, {"archive": archive})
    assert response.status_code == 200
    return response.content.decode()


# --- one save routine ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_source_is_saved_by_the_one_save_routine(
    two_sum: Problem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[tuple[str, str]] = []

    def spy(*, spec: ProblemSpec) -> tuple[Problem, bool]:
        saved.append((spec.origin, spec.code))
        return save.problem_save(spec=spec)

    for module in (bank, mercury, humaneval, open_data):
        monkeypatch.setattr(module, "problem_save", spy)

    problem_load(folder=read_folder(BANK_DIR / "two-sum"), force=True)
    open_data_export(out_dir=tmp_path, formats=("jsonl",))
    Problem.objects.filter(code="two-sum").delete()
    assert [o.status for o in open_data_import(directory=tmp_path)] == ["imported"]
    task = next(t for t in humaneval_tasks_read() if t["task_id"] == "HumanEval/0")
    assert humaneval_problem_import(task=task).status == "imported"
    record = next(r for r in mercury_records_read(path=MERCURY_SAMPLE) if r["slug_name"] == "trapping-rain-water")
    assert mercury_problem_import(record=record).status == "imported"

    assert saved == [
        ("bank", "two-sum"),
        ("open-data", "two-sum"),
        ("humaneval", "humaneval-0"),
        ("mercury", "trapping-rain-water"),
    ]


@pytest.mark.django_db
def test_a_bank_folder_may_not_take_the_code_of_a_problem_from_a_dataset(two_sum: Problem) -> None:
    # Before one save routine, a bank folder silently overwrote whatever problem had its code.
    Problem.objects.filter(pk=two_sum.pk).update(origin="mercury", origin_id="two-sum")
    with pytest.raises(IngestError, match="'two-sum' is already taken by a problem from 'mercury'"):
        problem_load(folder=read_folder(BANK_DIR / "two-sum"), force=True)
    assert Problem.objects.get(code="two-sum").origin == "mercury"


@pytest.mark.django_db
def test_a_bank_reload_applies_the_folder_but_keeps_visibility_and_the_generation(db: None) -> None:
    two_sum = load_problem("two-sum", languages=None)  # the folder as it is, every language's references
    before = problem_state(two_sum)
    Problem.objects.filter(pk=two_sum.pk).update(
        is_public=False, published_at=two_sum.published_at.replace(year=2030), hidden_feedback="verdict"
    )
    problem, changed = problem_load(folder=read_folder(BANK_DIR / "two-sum"), force=True)
    assert changed and problem.pk == two_sum.pk
    assert problem_state(problem) == before, "problem.toml states the release date and hidden_feedback"
    assert not problem.is_public, "visibility is the site's"


# --- bank folders as zips in the admin ----------------------------------------------------------


@pytest.mark.django_db
def test_an_exported_problem_comes_back_the_same_through_the_admin_import_unpublished(
    curator_client: Client, two_sum: Problem
) -> None:
    assert b"Import bank folder (zip)" in curator_client.get("/admin/arena/problem/").content
    before = problem_state(two_sum)
    data = export_zip(curator_client, two_sum)
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"two-sum/problem.toml", "two-sum/statement.md", "two-sum/tests.json", "two-sum/generator.py"} <= names
    assert len([n for n in names if n.startswith("two-sum/solutions/")]) == 3

    page = upload(curator_client, data)  # over the published problem it came from
    assert "updated, unpublished" in page and "Publish action" in page
    assert problem_state(two_sum) == before
    assert not Problem.objects.get(pk=two_sum.pk).is_public

    assert "unchanged" in upload(curator_client, data)

    Problem.objects.filter(code="two-sum").delete()
    page = upload(curator_client, data)
    assert "imported, unpublished" in page
    problem = Problem.objects.get(code="two-sum")
    assert not problem.is_public and problem.origin == "bank"
    assert problem_state(problem) == before


@pytest.mark.django_db
def test_several_problems_export_as_one_zip_with_a_folder_each(
    curator_client: Client, two_sum: Problem, tmp_path: Path
) -> None:
    custom = load_problem("lesson-plan-order")
    data = export_zip(curator_client, two_sum, custom)
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson-plan-order", "two-sum"]
    folder = read_folder(tmp_path / "lesson-plan-order")
    assert folder.checker().kind == "custom" and folder.checker_source == custom.checker_source


@pytest.mark.django_db
def test_a_problem_without_a_generator_is_written_with_its_starter_and_its_hidden_cases(
    two_sum: Problem, tmp_path: Path
) -> None:
    starter = "class Solution:\n    def twoSum(self, nums, target):\n        '''Two indices.'''\n"
    Problem.objects.filter(pk=two_sum.pk).update(generator_source="", starter_code={"PY3": starter})
    two_sum.refresh_from_db()
    folder = read_folder(problem_folder_write(problem=two_sum, directory=tmp_path))
    assert not (tmp_path / "two-sum" / "generator.py").exists()
    assert folder.starter_source == starter
    assert folder.meta["tests"]["perf_count"] == 0 and folder.meta["tests"]["hidden_count"] == 0
    assert [case["args"] for case in folder.tests["hidden"]] == list(
        two_sum.cases.filter(kind=Case.Kind.HIDDEN).order_by("ordinal").values_list("input", flat=True)
    )


@pytest.mark.django_db
def test_a_problem_without_a_canonical_reference_is_not_exported(curator_client: Client, two_sum: Problem) -> None:
    two_sum.references.update(is_canonical=False)
    response = curator_client.post(
        "/admin/arena/problem/", {"action": "export_bank_zip", "_selected_action": [two_sum.pk]}, follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert b"Nothing exported: two-sum: needs exactly one canonical reference" in response.content


def _valid_folder(archive: zipfile.ZipFile, code: str = "smuggled", replace: dict[str, str] | None = None) -> None:
    """A good bank folder (two-sum's files, some ``replace``d): were a hostile zip not refused as
    a whole, it would be imported."""
    replace = dict(replace or {})
    for path in sorted((BANK_DIR / "two-sum").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = str(path.relative_to(BANK_DIR / "two-sum"))
            data = replace.pop(name).encode() if name in replace else path.read_bytes()
            archive.writestr(f"{code}/{name}", data)
    for name, text in replace.items():
        archive.writestr(f"{code}/{name}", text)


def _zip(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _valid_folder(archive)
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def _symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _lying_bomb() -> bytes:
    """101 MB of zeros whose headers say 1 KB: only counting while extracting catches it."""
    data = bytearray(_zip(("smuggled/zeros.bin", bytes(101 * 1024 * 1024))))
    true_size = (101 * 1024 * 1024).to_bytes(4, "little")
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + offset : start + offset + 4] == true_size:
                data[start + offset : start + offset + 4] = (1024).to_bytes(4, "little")
            start += 4
    return bytes(data)


HOSTILE = {
    "traversal": (lambda: _zip(("../escaped.txt", b"x")), "may not leave the folder"),
    "absolute": (lambda: _zip(("/tmp/escaped.txt", b"x")), "only relative names"),
    "symlink": (lambda: _zip((_symlink("smuggled/link", "/etc/passwd"), b"/etc/passwd")), "symbolic link"),
    "too many files": (
        lambda: _zip(*((f"smuggled/extra/{i}.txt", b"") for i in range(2000))),
        "at most 2000 are accepted",
    ),
    "bomb": (lambda: _zip(("smuggled/zeros.bin", bytes(101 * 1024 * 1024))), "more than 100 MB uncompressed"),
    # zipfile stops at the stated size and then fails the CRC; the count while extracting is the backstop.
    "lying bomb": (_lying_bomb, "not a readable zip file"),
    "not a zip": (lambda: b"PK\x03\x04 this is not really a zip", "not a readable zip file"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_zip_is_refused_readably_and_nothing_is_created(
    curator_client: Client, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    make, message = HOSTILE[kind]
    page = upload(curator_client, make())
    assert message in page and "errorlist" in page
    assert not Problem.objects.exists()
    assert list(tmp_path.rglob("*")) == [tmp_path / "tmp"], "nothing left behind or written outside"


@pytest.mark.django_db
def test_a_zip_over_20_mb_is_refused_before_it_is_opened(curator_client: Client) -> None:
    page = upload(curator_client, bytes(21 * 1024 * 1024))
    assert "at most 20 MB is accepted" in page
    assert not Problem.objects.exists()


@pytest.mark.django_db
def test_a_broken_folder_is_reported_and_the_others_are_imported(curator_client: Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _valid_folder(archive, "good-one")
        _valid_folder(
            archive, "bad-one", {"tests.json": '{"samples": [{"args": [[3, 8, 11, 4], 12], "expected": [0, 0]}]}'}
        )
        toml = (BANK_DIR / "two-sum" / "problem.toml").read_text().replace('checker = "exact"', 'checker = "custom"')
        _valid_folder(archive, "bad-checker", {"problem.toml": toml, "checker.py": "def evaluate(:\n"})
    page = upload(curator_client, buffer.getvalue())
    assert "bad-one: sample 1 says [0, 0] but the canonical solution gives [1, 3]" in page
    assert "bad-checker: checker.py: SyntaxError" in page
    assert "imported, unpublished" in page
    assert list(Problem.objects.values_list("code", "is_public")) == [("good-one", False)]


@pytest.mark.django_db
def test_a_contestant_cannot_open_the_import_page(client: Client, contestant: Participant) -> None:
    client.force_login(contestant.user)
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
