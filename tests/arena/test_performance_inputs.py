"""Secret performance inputs: drawn from the deployment's secret, rotatable, never published."""

from __future__ import annotations

import json
import tomllib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from arena.ingest.bank import BANK_DIR, load_generator
from arena.ingest.open_data import open_data_import, open_data_read
from arena.models import Problem, ReferenceCost
from arena.models import TestCase as Case
from arena.services.curation import problem_validate
from arena.services.open_data import open_data_export
from arena.services.performance import performance_inputs_draw
from frontend.templatetags.arena_ui import call_args
from tests.conftest import load_problem

pytestmark = pytest.mark.django_db

# The bank folder's scale (manage.py scale --write-fixtures sets it for the meter).
TWO_SUM_SCALE = tomllib.loads((BANK_DIR / "two-sum" / "problem.toml").read_text())["tests"]["perf_scale"]
OTHER_SECRET = "another-deployment-" + "x" * 32


def performance_inputs(problem: Problem) -> list[Any]:
    return list(problem.cases.filter(kind=Case.Kind.PERFORMANCE).order_by("ordinal").values_list("input", flat=True))


def drawn(problem: Problem, *, generation: int) -> list[list[Any]]:
    """What the current secret gives for this problem, drawn independently of the stored rows."""
    return performance_inputs_draw(
        generate=load_generator(problem.generator_source, problem.code),
        problem_code=problem.code,
        generation=generation,
        scale=problem.perf_scale,
        count=2,
    )


def nested_values(value: Any) -> list[Any]:
    """Every value inside a decoded JSON document, containers included."""
    found = [value]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for child in children:
        found += nested_values(child)
    return found


def test_the_bank_draws_performance_inputs_from_the_deployment_secret(two_sum: Problem, settings: Any) -> None:
    first = performance_inputs(two_sum)
    hidden = list(two_sum.cases.filter(kind=Case.Kind.HIDDEN).values_list("input", flat=True))
    assert len(first) == 2 and first == drawn(two_sum, generation=1)

    assert performance_inputs(load_problem("two-sum")) == first  # same secret and generation: same inputs

    settings.JUDGE_PERF_SECRET = OTHER_SECRET
    other = load_problem("two-sum")
    assert performance_inputs(other) != first
    assert [len(args[0]) for args in performance_inputs(other)] == [len(args[0]) for args in first]  # same scale
    assert list(other.cases.filter(kind=Case.Kind.HIDDEN).values_list("input", flat=True)) == hidden


def test_rotation_draws_a_new_valid_generation_and_drops_reference_costs(two_sum: Problem) -> None:
    before = performance_inputs(two_sum)
    for reference in two_sum.references.all():
        ReferenceCost.objects.create(reference=reference, host="judge-1", meter="cpu", unit="ms", cost=5.0)
    Problem.objects.filter(id=two_sum.pk).update(is_public=False)
    quiet = StringIO()
    call_command("rotate_performance_inputs", stdout=quiet)  # by default only published problems
    assert "0 rotated" in quiet.getvalue() and performance_inputs(two_sum) == before

    out = StringIO()
    call_command("rotate_performance_inputs", "--problem", "two-sum", stdout=out)

    two_sum.refresh_from_db()
    after = performance_inputs(two_sum)
    assert two_sum.perf_generation == 2 and two_sum.perf_scale == TWO_SUM_SCALE
    assert after != before and after == drawn(two_sum, generation=2)
    assert [len(args[0]) for args in after] == [len(args[0]) for args in before]
    # The costs measured on the old inputs are gone; the references were calibrated again, here.
    assert not ReferenceCost.objects.filter(reference__problem=two_sum, host="judge-1").exists()
    assert ReferenceCost.objects.filter(reference__problem=two_sum).count() == two_sum.references.count()
    # Every reference, the canonical one included, is AC on the new inputs and their stored outputs.
    assert problem_validate(problem=two_sum, seeds=0, measure=False).failures == []
    text = out.getvalue()
    assert "rotate [" in text and "1 -> 2" in text and "1 rotated, 0 skipped, 0 failed" in text

    assert performance_inputs(load_problem("two-sum")) == after  # reloading the bank keeps the generation
    with pytest.raises(CommandError, match="no problem nope"):
        call_command("rotate_performance_inputs", "--problem", "nope", stdout=StringIO())


def test_problem_pages_and_apis_show_samples_but_no_performance_input(
    client: Client, two_sum: Problem, model_token: str
) -> None:
    sample = two_sum.sample_cases().first()
    assert sample is not None
    secret = [case.input for case in two_sum.cases.filter(kind=Case.Kind.PERFORMANCE)]
    secret_args = [arg for args in secret for arg in args if isinstance(arg, list)]
    for url, headers in (
        ("/api/problems/two-sum/", {}),
        ("/api/v2/problem/two-sum", {"HTTP_AUTHORIZATION": f"Bearer {model_token}"}),
    ):
        values = nested_values(client.get(url, **headers).json())
        assert sample.input in values, url
        assert not any(args in values for args in secret + secret_args), url
    page = client.get(f"/problem/{two_sum.code}/").content.decode()
    assert call_args(sample.input, two_sum.signature) in page
    assert not any(call_args(args, two_sum.signature) in page for args in secret)


def test_the_export_leaves_performance_inputs_out_and_an_import_draws_its_own(
    two_sum: Problem, tmp_path: Path, settings: Any
) -> None:
    secret = performance_inputs(two_sum)
    for fmt in ("jsonl", "parquet"):
        open_data_export(out_dir=tmp_path / fmt, formats=(fmt,))
        rows = open_data_read(directory=tmp_path / fmt, table="tests")
        assert len(rows) == two_sum.cases.exclude(kind=Case.Kind.PERFORMANCE).count() > 0, fmt
        assert {row["kind"] for row in rows} == {"sample", "hidden"}, fmt
        assert not any(row["input"] in secret for row in rows), fmt
        [problem_row] = open_data_read(directory=tmp_path / fmt, table="problems")
        assert (problem_row["perf_count"], problem_row["perf_scale"]) == (2, TWO_SUM_SCALE), fmt
        assert "Performance inputs are secret" in (tmp_path / fmt / "README.md").read_text()
    everything = "".join(path.read_text() for path in (tmp_path / "jsonl").glob("*.jsonl"))
    assert not any(json.dumps(args) in everything for args in secret)

    # Another deployment, another secret: it draws its own inputs from the exported generator.
    settings.JUDGE_PERF_SECRET = OTHER_SECRET
    Problem.objects.all().delete()
    [outcome] = open_data_import(directory=tmp_path / "jsonl")  # no --trust-code: drawn in the sandbox
    assert outcome.status == "imported", outcome.reason
    imported = Problem.objects.get()
    own = performance_inputs(imported)
    assert len(own) == 2 and not any(args in secret for args in own)
    # Every reference is AC on them: the stored outputs are the canonical reference's.
    assert problem_validate(problem=imported, seeds=0, measure=False).failures == []
    assert imported.generator_source == "" and imported.perf_scale == TWO_SUM_SCALE
    imported.generator_source = two_sum.generator_source
    assert own == drawn(imported, generation=1)
