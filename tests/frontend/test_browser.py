"""A real headless Chromium (Debian's) driven by Playwright against the real server.

Log in, submit a solution on a problem page, watch the verdict arrive live without a reload;
the cost chart follows it live, and plotly.js is fetched only once a chart is in view.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, ViewportSize, sync_playwright

from tests.live import base_env, free_port, manage, process, uvicorn_cmd, wait_healthy
from tests.sources import TWO_SUM_OK

# Correct, but slow to start (sleeping costs no CPU), so the page is open before the verdict exists.
SLOW_START_OK = "import time\ntime.sleep(2)\n" + TWO_SUM_OK

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var_dir = tmp_path_factory.mktemp("browser")
    env = base_env(var_dir)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "load_bank", "two-sum")
    manage(env, "shell", "-c", "from arena.services.participants import participant_create as p; "
                               "p(username='alice', password='Correct-horse-9')")  # fmt: skip
    port = free_port()
    with process(uvicorn_cmd(port), env, var_dir / "web.log") as web:
        wait_healthy(f"http://127.0.0.1:{port}", web, var_dir / "web.log")
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (deploy/system-packages.sh)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        browser.close()


def log_in(server: str, page: Page) -> None:
    page.goto(f"{server}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "Correct-horse-9")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{server}/")


def submit(server: str, page: Page, source: str) -> None:
    page.goto(f"{server}/problem/two-sum/")
    page.wait_for_selector(".CodeMirror")
    page.evaluate("source => document.querySelector('.CodeMirror').CodeMirror.setValue(source)", source)
    page.click("#submit-button")
    page.wait_for_url(f"{server}/submission/*/")


def test_log_in_submit_and_watch_the_verdict_arrive_live(server: str, page: Page) -> None:
    log_in(server, page)
    submit(server, page, SLOW_START_OK)
    # Marks this page load: a reload would wipe it.
    page.evaluate("window.__loadedOnce = true")
    assert page.get_attribute("#verdict", "data-final") == "0", "the verdict was already there: nothing to watch"
    page.wait_for_selector("#verdict[data-final='1']", timeout=60_000)

    assert "Accepted" in page.inner_text("#verdict")
    assert page.evaluate("window.__loadedOnce === true"), "the page reloaded instead of updating live"
    rows = page.locator("#cases-body tr.case-row")
    assert rows.count() >= 3


PLOTLY = "/static/vendor/plotly/plotly.min.js"
PAGE_BUDGET_BYTES = 300_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 700}
# What plotly drew, read back from the chart's element (plotly keeps the figure on it).
DRAWN = """() => {
  const node = document.getElementById("plot-cost");
  const layout = node._fullLayout;
  return {
    traces: node.data.map(t => ({type: t.type, name: t.name || "", x: t.x, y: t.y})),
    xType: layout.xaxis.type, xRange: layout.xaxis.range, yRange: layout.yaxis.range,
    barWidths: [...node.querySelectorAll(".bars path")].map(p => p.getBoundingClientRect().width),
  };
}"""


def below_the_fold(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    # plots.js starts fetching 200 px before a chart scrolls in.
    return box is not None and box["y"] > VIEWPORT["height"] + 200


def test_the_cost_chart_arrives_live_and_plotly_loads_only_in_view(server: str, page: Page) -> None:
    page.set_viewport_size(VIEWPORT)
    plotly_requests: list[str] = []
    page.on("request", lambda request: plotly_requests.append(request.url) if PLOTLY in request.url else None)
    log_in(server, page)
    submit(server, page, SLOW_START_OK)
    plotly_requests.clear()  # the problem page may have a chart of its own (never scrolled to)
    page.evaluate("window.__loadedOnce = true")
    assert page.locator("#cost-chart").is_hidden(), "the chart was there before the cost"

    page.wait_for_selector("#verdict[data-final='1']", timeout=120_000)
    assert "Accepted" in page.inner_text("#verdict")
    page.wait_for_selector("#cost-chart:not([hidden])")
    assert below_the_fold(page, "#plot-cost"), "the chart must start out of view for this test to mean anything"
    assert not plotly_requests, "plotly.js was fetched before any chart was in view"

    page.locator("#plot-cost").scroll_into_view_if_needed()
    page.wait_for_selector("#plot-cost[data-drawn='1'] .main-svg")
    assert page.evaluate("window.__loadedOnce === true"), "the page reloaded instead of updating live"
    assert len(plotly_requests) == 1

    drawn = page.evaluate(DRAWN)
    cost_text = page.inner_text("#stat-cost")
    (mark,) = [t for t in drawn["traces"] if t["name"].startswith("this submission")]
    assert mark["name"] == f"this submission: {cost_text}", "the chart and the page say the same cost"
    assert drawn["xType"] == "log"
    low, high = drawn["xRange"]  # log10 units
    assert 10**low < mark["x"][0] < 10**high, "this submission is inside the axis, at its cost"
    assert drawn["yRange"][0] == 0 and drawn["yRange"][1] > 0
    (bars,) = [t for t in drawn["traces"] if t["type"] == "bar"]
    assert sum(bars["y"]) >= 1  # this submission, accepted, is one of them
    assert drawn["barWidths"] and min(drawn["barWidths"]) > 1, "the histogram's bars were drawn"
    # No assertion on the references: the server calibrates them in the background (under
    # valgrind that outlasts this test); tests/arena/test_plots.py checks how they are drawn.

    # The page as served now (a second request, not a reload of this page) says the same cost.
    served = page.request.get(page.url).text()
    assert f'id="stat-cost">{cost_text}<' in served


def test_a_problem_page_weighs_under_300_kb_until_its_chart_is_in_view(server: str, page: Page) -> None:
    page.goto(f"{server}/problem/two-sum/")
    if page.locator("#plot-cost").count() == 0:  # run alone: give the problem an accepted solution
        log_in(server, page)
        submit(server, page, TWO_SUM_OK)
        page.wait_for_selector("#verdict[data-final='1']", timeout=120_000)
    # A visitor's first visit: a new context, so nothing comes from the cache or a session.
    assert page.context.browser is not None
    visitor = page.context.browser.new_context(viewport=VIEWPORT).new_page()
    finished: list[Request] = []
    visitor.on("requestfinished", lambda request: finished.append(request))
    visitor.goto(f"{server}/problem/two-sum/", wait_until="networkidle")
    assert visitor.locator("#plot-cost").count() == 1, "no chart on the problem page: nothing to load lazily"
    assert below_the_fold(visitor, "#plot-cost")

    def transferred() -> int:
        # Bytes on the wire: headers, and bodies as encoded (WhiteNoise serves collectstatic's gzip).
        return sum(r.sizes()["responseHeadersSize"] + r.sizes()["responseBodySize"] for r in finished)

    before = transferred()
    assert not any(PLOTLY in r.url for r in finished)
    assert before < PAGE_BUDGET_BYTES, f"{before} bytes before the chart is in view"
    editor = next(r for r in finished if r.url.endswith("/codemirror.js")).response()
    assert editor is not None and editor.headers.get("content-encoding") == "gzip"

    visitor.locator("#plot-cost").scroll_into_view_if_needed()
    visitor.wait_for_selector("#plot-cost[data-drawn='1'] .main-svg")
    visitor.wait_for_load_state("networkidle")
    assert any(PLOTLY in r.url for r in finished)
    print(f"problem page: {before} bytes before the chart is in view, {transferred()} after")  # for the report
    visitor.context.close()
