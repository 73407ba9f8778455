"""Open data: the export (JSONL + Parquet + README), anonymity, and the round trip through an import."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from arena.ingest.open_data import open_data_import
from arena.ingest.open_data_tables import TABLES
from arena.models import Participant, Problem, Submission
from arena.services.open_data import open_data_export, participant_pseudonym
from arena.services.participants import participant_create
from arena.services.submissions import submission_create
from tests.sources import TWO_SUM_OK, TWO_SUM_WRONG

SECRET_NAME = "Zebulon Quartermaine"
SECRET_USERNAME = "zquarter"


def judged(participant: Participant, problem: Problem, source: str, capture: Any) -> Submission:
    with capture(execute=True):
        submission = submission_create(participant=participant, problem=problem, language="PY3", source=source)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def hidden_author(db: None) -> Participant:
    return participant_create(username=SECRET_USERNAME, password="correct-horse-9", display_name=SECRET_NAME)


@pytest.fixture
def accepted(two_sum: Problem, hidden_author: Participant, django_capture_on_commit_callbacks: Any) -> Submission:
    submission = judged(hidden_author, two_sum, TWO_SUM_OK, django_capture_on_commit_callbacks)
    assert submission.verdict == Submission.Verdict.AC and submission.cost is not None
    return submission


def every_value(directory: Path) -> str:
    """Everything an export says, as text: JSONL and README as written, Parquet decoded
    (its pages are compressed, so searching its bytes would prove nothing)."""
    parts = [path.read_text() for path in sorted(directory.glob("*.jsonl")) + [directory / "README.md"]]
    for path in sorted(directory.glob("*.parquet")):
        parts.append(json.dumps(pq.read_table(path).to_pylist(), default=str))
    return "\n".join(parts)


def snapshot() -> dict[str, Any]:
    """What must survive a round trip, keyed by problem code."""
    skip = {"id", "origin", "origin_id", "created_at", "bank_hash", "is_public"}
    state = {}
    for problem in Problem.objects.order_by("code"):
        fields = {f.name: getattr(problem, f.name) for f in Problem._meta.concrete_fields if f.name not in skip}
        state[problem.code] = {
            "problem": fields,
            "tests": list(problem.cases.order_by("ordinal").values_list("ordinal", "kind", "input", "expected")),
            "references": sorted(problem.references.values_list("label", "source", "is_canonical")),
        }
    return state


@pytest.mark.django_db
def test_the_export_writes_every_table_as_jsonl_and_parquet_with_a_readme(
    accepted: Submission, rival: Participant, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    judged(rival, accepted.problem, TWO_SUM_WRONG, django_capture_on_commit_callbacks)  # WA: not exported
    out = StringIO()
    call_command("export_open_data", str(tmp_path), "--format", "jsonl,parquet", stdout=out)
    assert "submissions  1" in out.getvalue()
    readme = (tmp_path / "README.md").read_text()
    for table in TABLES:
        jsonl = [json.loads(line) for line in (tmp_path / f"{table.name}.jsonl").read_text().splitlines()]
        parquet = pq.read_table(tmp_path / f"{table.name}.parquet").to_pylist()
        assert len(jsonl) == len(parquet) > 0, table.name
        assert set(jsonl[0]) == set(parquet[0]) == {c.name for c in table.columns}
        assert f"## {table.name} ({len(jsonl)} rows)" in readme
        for column in table.columns:  # every field of every table is described
            assert f"| `{column.name}` | {column.type}" in readme
    submission = json.loads((tmp_path / "submissions.jsonl").read_text())
    assert submission["verdict"] == "AC" and submission["source"] == TWO_SUM_OK
    assert submission["cost"] == accepted.cost and submission["cost_meter"] == accepted.cost_meter
    assert submission["judge_host"] == accepted.judge_host and submission["es"] == accepted.es
    assert {"beyond", "dps", "dps_norm", "cost_unit"} <= set(submission)
    # Parquet keeps JSON columns as JSON text.
    tests = pq.read_table(tmp_path / "tests.parquet").to_pylist()
    first_input = accepted.problem.cases.order_by("ordinal").values_list("input", flat=True)[0]
    assert isinstance(tests[0]["input"], str) and json.loads(tests[0]["input"]) == first_input


@pytest.mark.django_db
def test_participants_who_did_not_opt_in_appear_only_under_a_stable_pseudonym(
    accepted: Submission, hidden_author: Participant, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    signed = TWO_SUM_OK + f"# solved by {SECRET_NAME}\n"
    judged(hidden_author, accepted.problem, signed, django_capture_on_commit_callbacks)
    open_data_export(out_dir=tmp_path / "first")
    open_data_export(out_dir=tmp_path / "second")

    text = every_value(tmp_path / "first")
    for secret in (SECRET_NAME, SECRET_USERNAME, "Zebulon", "Quartermaine"):
        assert secret.lower() not in text.lower()
    pseudonym = participant_pseudonym(hidden_author)
    rows = [json.loads(line) for line in (tmp_path / "first" / "submissions.jsonl").read_text().splitlines()]
    assert {r["participant"] for r in rows} == {pseudonym}
    assert sorted(r["source"] is None for r in rows) == [False, True]  # the signed program is withheld
    again = [json.loads(line) for line in (tmp_path / "second" / "submissions.jsonl").read_text().splitlines()]
    assert [r["participant"] for r in again] == [r["participant"] for r in rows]
    assert [r["submission"] for r in again] == [r["submission"] for r in rows]
    assert str(accepted.pk) not in {r["submission"] for r in rows}


@pytest.mark.django_db
def test_participants_who_opted_in_appear_under_their_display_name(
    two_sum: Problem, contestant: Participant, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    Participant.objects.filter(id=contestant.pk).update(open_data_opt_in=True, display_name="Alice Open")
    contestant.refresh_from_db()
    judged(contestant, two_sum, TWO_SUM_OK, django_capture_on_commit_callbacks)
    open_data_export(out_dir=tmp_path, formats=("jsonl",))
    row = json.loads((tmp_path / "submissions.jsonl").read_text())
    assert row["participant"] == "Alice Open" and row["participant_kind"] == "human"
    assert not (tmp_path / "submissions.parquet").exists()


@pytest.mark.django_db
def test_unpublished_problems_stay_out_of_the_export(two_sum: Problem, tmp_path: Path) -> None:
    Problem.objects.filter(id=two_sum.pk).update(is_public=False)
    counts = open_data_export(out_dir=tmp_path)
    assert counts == {"problems": 0, "tests": 0, "references": 0, "submissions": 0}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_an_export_round_trips_into_an_emptied_instance(accepted: Submission, tmp_path: Path, fmt: str) -> None:
    open_data_export(out_dir=tmp_path, formats=(fmt,))
    before = snapshot()
    Problem.objects.all().delete()  # the submissions go with them: an empty instance

    out = StringIO()
    call_command("import_open_data", str(tmp_path), "--trust-code", stdout=out)
    assert "1 imported" in out.getvalue()
    assert snapshot() == before
    problem = Problem.objects.get()
    assert (problem.origin, problem.origin_id) == ("open-data", "two-sum")
    assert not Submission.objects.exists()  # submissions are research data, not imported

    again = StringIO()
    call_command("import_open_data", str(tmp_path), stdout=again)
    assert Problem.objects.count() == 1


@pytest.mark.django_db
def test_code_that_runs_outside_the_jail_is_imported_only_when_trusted(accepted: Submission, tmp_path: Path) -> None:
    open_data_export(out_dir=tmp_path)
    Problem.objects.all().delete()
    [outcome] = open_data_import(directory=tmp_path)
    assert outcome.status == "imported"
    assert Problem.objects.get().generator_source == ""
    assert any("generator dropped" in note for note in outcome.notes)


@pytest.mark.django_db
def test_an_export_whose_expected_outputs_the_canonical_does_not_reproduce_is_refused(
    two_sum: Problem, tmp_path: Path
) -> None:
    open_data_export(out_dir=tmp_path, formats=("jsonl",))
    rows = [json.loads(line) for line in (tmp_path / "tests.jsonl").read_text().splitlines()]
    rows[3]["expected"] = [99, 100]
    (tmp_path / "tests.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    Problem.objects.all().delete()
    [outcome] = open_data_import(directory=tmp_path, trust_code=True)
    assert outcome.status == "skipped"
    assert "does not reproduce the expected output of case 4" in outcome.reason
    assert not Problem.objects.exists()
