"""Leaderboards from standings: which submission counts, filters, the seed table, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from arena.models import Participant, Problem, Standing, Submission
from arena.selectors.leaderboard import LeaderboardFilters, leaderboard_rows
from arena.services.participants import participant_create
from arena.services.standings import standing_update, standings_rebuild

pytestmark = pytest.mark.django_db


def make_problem(code: str, points: float, *, difficulty: str = "easy", published: str = "2025-01-01") -> Problem:
    return Problem.objects.create(
        code=code,
        title=code,
        statement="x",
        difficulty=difficulty,
        points=points,
        signature={"style": "function", "name": "f", "params": []},
        published_at=dt.datetime.fromisoformat(published).replace(tzinfo=dt.UTC),
    )


def judged(participant: Participant, problem: Problem, verdict: str, es: float | None = None) -> Submission:
    return Submission.objects.create(
        participant=participant, problem=problem, language="PY3", source="x", status="D", verdict=verdict, es=es,
        beyond=es, dps=es,
    )  # fmt: skip


def test_seed_table_through_standings() -> None:
    p1, p2, p3 = make_problem("p1", 5), make_problem("p2", 3), make_problem("p3", 5)
    m1, m2, m3 = (participant_create(username=f"model-{i}", kind="model") for i in (1, 2, 3))
    judged(m1, p1, "WA")
    judged(m1, p2, "AC", 0.4)
    judged(m2, p1, "AC", 0.8)
    judged(m2, p2, "AC", 0.6)
    judged(m2, p3, "AC", 0.5)
    judged(m3, p2, "AC", 0.3)
    judged(m3, p3, "AC", 0.4)
    judged(m3, p1, "TLE")
    standings_rebuild()
    rows = {r.name: r for r in leaderboard_rows()}
    assert [rows[f"model-{i}"].dp for i in (1, 2, 3)] == [pytest.approx(1.4), pytest.approx(10.4), pytest.approx(4.2)]
    assert rows["model-2"].rank == 1 and rows["model-2"].pass_rate == 100.0
    assert rows["model-1"].solved == 1 and rows["model-1"].attempted == 2


def test_models_count_their_first_submission_humans_their_best() -> None:
    problem = make_problem("p", 3)
    model = participant_create(username="m", kind="model")
    human = participant_create(username="h")
    judged(model, problem, "WA")
    judged(model, problem, "AC", 0.9)
    judged(human, problem, "WA")
    judged(human, problem, "AC", 0.2)
    judged(human, problem, "AC", 0.7)
    for who in (model, human):
        standing_update(participant_id=who.pk, problem_id=problem.pk)
    assert Standing.objects.get(participant=model).solved is False
    human_standing = Standing.objects.get(participant=human)
    assert human_standing.solved and human_standing.es == 0.7 and human_standing.attempts == 3
    incremental = sorted(Standing.objects.values_list("participant_id", "solved", "es"))
    standings_rebuild()
    assert sorted(Standing.objects.values_list("participant_id", "solved", "es")) == incremental


def test_filters_kind_difficulty_window_and_language() -> None:
    old = make_problem("old", 3, published="2023-01-01")
    new = make_problem("new", 5, difficulty="hard", published="2025-06-01")
    model = participant_create(username="m", kind="model")
    model.training_cutoff = dt.date(2024, 1, 1)
    model.save()
    human = participant_create(username="h")
    for who in (model, human):
        judged(who, old, "AC", 0.5)
        judged(who, new, "AC", 0.5)
    standings_rebuild()
    assert {r.name for r in leaderboard_rows(filters=LeaderboardFilters(kind="model"))} == {"m"}
    hard = {r.name: r for r in leaderboard_rows(filters=LeaderboardFilters(difficulty="hard"))}
    assert hard["m"].solved == 1 and hard["m"].solved_by_difficulty["hard"] == 1
    windowed = {r.name: r for r in leaderboard_rows(filters=LeaderboardFilters(window="cutoff"))}
    assert windowed["m"].solved == 1 and windowed["m"].pass_rate == 100.0
    assert windowed["h"].solved == 2
    after = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    assert all(r.solved == 1 for r in leaderboard_rows(filters=LeaderboardFilters(published_after=after)))
    assert leaderboard_rows(filters=LeaderboardFilters(language="PY3"))[0].solved == 2


def test_leaderboard_query_counts_are_pinned(client: Client, django_assert_num_queries: object) -> None:
    problems = [make_problem(f"p{i}", 3) for i in range(5)]
    for i in range(6):
        who = participant_create(username=f"u{i}", kind="model" if i % 2 else "human")
        for problem in problems[: i % 5 + 1]:
            judged(who, problem, "AC", 0.5)
    standings_rebuild()
    with django_assert_num_queries(2):  # type: ignore[operator]
        leaderboard_rows()
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert len(client.get("/api/leaderboard/?kind=all").json()) == 6
    # The page adds one query per chart: snapshots (DP over time) and acceptance by difficulty.
    with django_assert_num_queries(4):  # type: ignore[operator]
        assert client.get("/leaderboard/").status_code == 200


def test_bad_filters_are_a_400(client: Client) -> None:
    for query in ("kind=robots", "difficulty=insane", "published_after=yesterday", "window=x", "rule=magic"):
        response = client.get(f"/api/leaderboard/?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["message"]


def test_snapshot_and_rebuild_commands() -> None:
    from io import StringIO

    from django.core.management import call_command

    from arena.models import LeaderboardSnapshot

    problem = make_problem("p", 3)
    judged(participant_create(username="m", kind="model"), problem, "AC", 0.5)
    out = StringIO()
    call_command("rebuild_standings", stdout=out)
    assert "1 standings rebuilt" in out.getvalue()
    call_command("snapshot_leaderboard", stdout=StringIO())
    snapshot = LeaderboardSnapshot.objects.get(kind="model")
    assert snapshot.rows[0]["name"] == "m" and snapshot.rows[0]["dp"] == pytest.approx(3.5)
