"""The one save routine: a ``ProblemSpec`` from any source becomes (or replaces) a problem.

Before this routine the bank (``problem_load``) and the importers (``imported_problem_save``)
saved problems each their own way. What they now share, and how their differences were settled:

* **Identity.** A dataset record is its ``(origin, origin_id)``; a bank folder, which has no id
  of its own, is ``(origin "bank", code)``. A code already used by a problem from another origin
  is refused ("already taken by a problem from ..."), for the bank too — a bank folder used to
  overwrite whatever problem had its code, keeping that problem's origin.
* **origin / origin_id** are written when the problem is created and never changed after.
* **Replaced, never merged:** every save replaces all cases and references; the references'
  per-host costs go with them and are calibrated again.
* **Kept from the site:** ``perf_generation`` (a reload must not bring back inputs rotated away;
  the source draws its inputs under it before calling here) and ``is_public``, unless the spec
  asks for ``unpublished``.
* **Release date:** a bank folder states it (problem.toml), so every load applies it, as before;
  a dataset only bounds it, so the site's date wins after the first import, as before
  (``ProblemSpec.release_date_stated``).
* **hidden_feedback:** a bank folder states it (default ``error-type``) and every load applies it;
  datasets do not, so the site's choice stays (``None`` in the spec).
* **Truncation and choices:** titles are cut to 200 characters and reference labels to 120 for
  every source (the importers did, the bank did not); difficulty, checker and hidden_feedback
  must be known values for every source (the bank did not check its checker).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from arena.ingest.spec import IngestError, ProblemSpec
from arena.models import Problem, ReferenceSolution, TestCase

BANK_ORIGIN = "bank"


def problem_find(*, origin: str, origin_id: str, code: str) -> Problem | None:
    """The problem a source's record already became, if any (see "Identity" above)."""
    if origin_id:
        return Problem.objects.filter(origin=origin, origin_id=origin_id).first()
    return Problem.objects.filter(origin=origin, code=code).first()


def _check_choices(spec: ProblemSpec) -> None:
    for name, value, allowed in (
        ("difficulty", spec.difficulty, Problem.Difficulty.values),
        ("checker", spec.checker, Problem.Checker.values),
        ("hidden_feedback", spec.hidden_feedback, [None, *Problem.HiddenFeedback.values]),
    ):
        if value not in allowed:
            known = ", ".join(str(v) for v in allowed if v is not None)
            raise IngestError(f"{spec.code}: {name} must be one of {known}, not {value!r}")


def problem_save(*, spec: ProblemSpec) -> tuple[Problem, bool]:
    """Create or replace the problem ``spec`` describes. Returns (problem, created)."""
    _check_choices(spec)
    existing = problem_find(origin=spec.origin, origin_id=spec.origin_id, code=spec.code)
    clash = Problem.objects.filter(code=spec.code)
    if existing is not None:
        clash = clash.exclude(id=existing.pk)
    other = clash.first()
    if other is not None:
        raise IngestError(f"code {spec.code!r} is already taken by a problem from {other.origin!r}")
    fields: dict[str, Any] = {
        "code": spec.code,
        "title": spec.title[:200],
        "statement": spec.statement,
        "difficulty": spec.difficulty,
        "points": spec.points,
        "tags": spec.tags,
        "time_limit_ms": spec.time_limit_ms,
        "memory_limit_kb": spec.memory_limit_kb,
        "signature": spec.signature,
        "starter_code": spec.starter_code,
        "checker": spec.checker,
        "checker_source": spec.checker_source,
        "float_tolerance": spec.float_tolerance,
        "generator_source": spec.generator_source,
        "perf_scale": spec.perf_scale,
        "bank_hash": spec.digest,
    }
    if existing is None or spec.release_date_stated:
        fields["published_at"] = spec.published_at
    if spec.hidden_feedback is not None:
        fields["hidden_feedback"] = spec.hidden_feedback
    if spec.unpublished:
        fields["is_public"] = False
    with transaction.atomic():
        if existing is None:
            problem = Problem.objects.create(origin=spec.origin, origin_id=spec.origin_id, **fields)
        else:
            problem = existing
            for name, value in fields.items():
                setattr(problem, name, value)
            problem.save()
            problem.cases.all().delete()
            problem.references.all().delete()
        TestCase.objects.bulk_create(
            TestCase(
                problem=problem, ordinal=row.ordinal or index, kind=row.kind, input=row.args, expected=row.expected
            )
            for index, row in enumerate(spec.cases, start=1)
        )
        ReferenceSolution.objects.bulk_create(
            ReferenceSolution(
                problem=problem,
                label=ref.label[:120],
                source=ref.source,
                language=ref.language,
                is_canonical=ref.is_canonical,
            )
            for ref in spec.references
        )
    return problem, existing is None
