from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from arena.errors import AppError
from arena.models import Problem, Submission

# easy → medium → hard, not alphabetical (which puts "hard" before "medium").
DIFFICULTY_ORDER = Case(
    *(When(difficulty=name, then=Value(rank)) for rank, name in enumerate(("easy", "medium", "hard"))),
    default=Value(3),
    output_field=IntegerField(),
)


def problems_published() -> QuerySet[Problem]:
    """What participants may see and submit to: public, and past its release date."""
    return Problem.objects.filter(is_public=True, published_at__lte=timezone.now())


def problem_list(*, difficulty: str = "", search: str = "", tag: str = "") -> QuerySet[Problem]:
    """Published problems, filtered; an unknown difficulty is the caller's error (a 400), not ``[]``."""

    if difficulty and difficulty not in Problem.Difficulty.values:
        allowed = ", ".join(Problem.Difficulty.values)
        raise AppError("invalid_difficulty", f"difficulty must be one of: {allowed} (got {difficulty!r}).")
    problems = problems_published().annotate(
        solvers=Count("submissions__participant", filter=Q(submissions__verdict=Submission.Verdict.AC), distinct=True),
        attempts=Count("submissions", distinct=True),
    )
    if difficulty:
        problems = problems.filter(difficulty=difficulty)
    if search:
        problems = problems.filter(Q(title__icontains=search) | Q(code__icontains=search))
    if tag:
        problems = problems.filter(tags__icontains=tag)
    return problems.order_by(DIFFICULTY_ORDER, "code")


def problem_get(code: str) -> Problem | None:
    return problems_published().filter(code=code).first()
