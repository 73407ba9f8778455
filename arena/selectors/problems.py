from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from arena.models import Problem, Submission


def problem_list(*, difficulty: str = "", search: str = "", tag: str = "") -> QuerySet[Problem]:
    problems = Problem.objects.filter(is_public=True, published_at__lte=timezone.now()).annotate(
        solvers=Count("submissions__participant", filter=Q(submissions__verdict=Submission.Verdict.AC), distinct=True),
        attempts=Count("submissions", distinct=True),
    )
    if difficulty:
        problems = problems.filter(difficulty=difficulty)
    if search:
        problems = problems.filter(Q(title__icontains=search) | Q(code__icontains=search))
    if tag:
        problems = problems.filter(tags__icontains=tag)
    return problems.order_by("difficulty", "code")


def problem_get(code: str) -> Problem | None:
    return Problem.objects.filter(code=code, is_public=True, published_at__lte=timezone.now()).first()
