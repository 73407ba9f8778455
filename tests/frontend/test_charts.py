"""Costs and the cost chart on the pages, and what a page makes the browser download."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from whitenoise.compress import Compressor

from arena.models import Participant, Problem, ReferenceCost, Submission
from arena.services.calibration import judge_host

pytestmark = pytest.mark.django_db

PAGE_BUDGET_BYTES = 300_000
PLOTLY = "vendor/plotly/plotly.min.js"


class _Assets(HTMLParser):
    """Every URL a page makes the browser fetch: stylesheets, icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("href") if tag == "link" else found.get("src") if tag in ("script", "img") else None
        if url:
            self.urls.append(url)


def served_bytes(client: Client, url: str) -> int:
    """The asset's size on the wire: WhiteNoise serves the gzip that collectstatic writes
    (``CompressedStaticFilesStorage``) whenever compressing saves at least 5%."""
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.getvalue()  # WhiteNoise answers with a streaming FileResponse
    if not Compressor().should_compress(url):
        return len(body)
    return min(len(body), len(Compressor.compress_gzip(body)))


def page_weight(client: Client, path: str) -> tuple[int, list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.content.decode())
    # The page itself is not compressed: neither Django nor the shipped nginx config gzips HTML.
    return len(response.content) + sum(served_bytes(client, url) for url in parser.urls), parser.urls


@pytest.fixture
def static_client(settings: Any) -> Client:
    # Tests run without collectstatic: WhiteNoise serves the files straight from the finders.
    settings.WHITENOISE_USE_FINDERS = True
    return Client()


@pytest.fixture
def calibrated(two_sum: Problem) -> Problem:
    for cost, solution in zip((1.1e6, 4.12e7, 8e8), two_sum.references.all()):
        ReferenceCost.objects.create(
            reference=solution, host=judge_host(), meter="valgrind", unit="Ir", cost=cost, environment="v"
        )
    return two_sum


def test_a_problem_page_without_a_chart_stays_under_300_kb(static_client: Client, two_sum: Problem) -> None:
    weight, urls = page_weight(static_client, "/problem/two-sum/")
    assert not any("plotly" in url or "plots.js" in url for url in urls)
    assert "plotly" not in static_client.get("/problem/two-sum/").content.decode()
    assert any("codemirror.js" in url for url in urls), "the editor is part of what is weighed"
    assert weight < PAGE_BUDGET_BYTES, f"{weight} bytes"


def test_a_chart_page_references_plotly_only_for_later(static_client: Client, calibrated: Problem) -> None:
    weight, urls = page_weight(static_client, "/problem/two-sum/")
    page = static_client.get("/problem/two-sum/").content.decode()
    assert 'data-plot="plot-cost"' in page
    assert not any(PLOTLY in url for url in urls), "plotly.js must not be a <script src> of the page"
    assert f'data-plotly="/static/{PLOTLY}"' in page  # plots.js fetches it when the chart is seen
    assert weight < PAGE_BUDGET_BYTES, f"{weight} bytes before the chart scrolls into view"
    assert served_bytes(static_client, f"/static/{PLOTLY}") > 1_000_000  # why it waits


def test_the_problem_chart_shows_the_hosts_latest_meter_in_its_unit(client: Client, calibrated: Problem) -> None:
    page = client.get("/problem/two-sum/").content.decode()
    start = page.index('data-plot="plot-cost">') + len('data-plot="plot-cost">')
    figure = json.loads(page[start : page.index("</script>", start)])
    assert figure["layout"]["xaxis"]["type"] == "log"
    assert "instructions" in figure["layout"]["xaxis"]["title"]["text"]
    assert any("41.2 M instructions" in text for t in figure["data"] for text in t.get("hovertext") or [])


def chart(client: Client, submission: Submission, **query: Any) -> Any:
    response = client.get(f"/submission/{submission.pk}/cost-plot/", query)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()["figure"]


def test_the_submission_chart_comes_live_to_its_author_only(
    client: Client, calibrated: Problem, contestant: Participant, rival: Participant
) -> None:
    submission = Submission.objects.create(
        participant=contestant, problem=calibrated, language="PY3", source="", status=Submission.Status.GRADING,
        judge_host=judge_host(),
    )  # fmt: skip
    client.force_login(contestant.user)
    page = client.get(f"/submission/{submission.pk}/").content.decode()
    assert 'id="cost-chart" hidden' in page and f"/submission/{submission.pk}/cost-plot/" in page
    assert f'<script src="/static/{PLOTLY}"' not in page

    assert chart(client, submission) is None  # no cost yet, none heard
    figure = chart(client, submission, cost="41200000", unit="Ir", meter="valgrind")
    names = [t.get("name", "") for t in figure["data"]]
    assert "this submission: 41.2 M instructions" in names
    assert any(name.startswith("reference solutions (3)") for name in names)
    assert chart(client, submission, cost="inf", unit="Ir", meter="valgrind") is None
    assert chart(client, submission, cost="-1", unit="Ir", meter="valgrind") is None

    client.force_login(rival.user)
    assert client.get(f"/submission/{submission.pk}/cost-plot/").status_code == 404


def test_costs_read_in_the_meters_unit_on_the_submission_pages(
    client: Client, calibrated: Problem, contestant: Participant
) -> None:
    submission = Submission.objects.create(
        participant=contestant, problem=calibrated, language="PY3", source="", status=Submission.Status.DONE,
        verdict=Submission.Verdict.AC, cost=41_200_000, cost_unit="Ir", cost_meter="valgrind",
        cost_environment="v", judge_host=judge_host(),
    )  # fmt: skip
    client.force_login(contestant.user)
    page = client.get(f"/submission/{submission.pk}/").content.decode()
    assert 'id="stat-cost">41.2 M instructions<' in page
    assert 'id="cost-chart"' in page and 'id="cost-chart" hidden' not in page
    assert "41.2 M instructions" in client.get("/submissions/").content.decode()
    assert "41.2 M instructions" in client.get("/problem/two-sum/").content.decode()  # recent submissions
    figure = chart(client, submission, cost="1", unit="Ir", meter="cpu")  # stored values win over the query
    assert "this submission: 41.2 M instructions" in [t.get("name") for t in figure["data"]]
