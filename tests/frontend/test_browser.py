"""A real headless Chromium (Debian's) driven by Playwright against the real server.

Log in, submit a solution on a problem page, watch the verdict arrive live without a reload;
the cost chart follows it live, and plotly.js is fetched only once a chart is in view. Run code
on the samples and on custom inputs without submitting; the editor keeps the code across a
reload and lets the keyboard out.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, ViewportSize, expect

from tests.frontend.conftest import log_in
from tests.sources import TWO_SUM_OK, TWO_SUM_PRINTS

# Correct, but slow to start (sleeping costs no CPU), so the page is open before the verdict exists.
SLOW_START_OK = "import time\ntime.sleep(2)\n" + TWO_SUM_OK
# Correct, prints, and takes a second per input, so a run is still going when the page is looked at.
CHATTY_OK = "import time\ntime.sleep(1)\n" + TWO_SUM_PRINTS

pytestmark = pytest.mark.browser


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


def open_two_sum(server: str, page: Page) -> None:
    page.goto(f"{server}/problem/two-sum/")
    page.wait_for_selector(".CodeMirror")


def editor_code(page: Page) -> str:
    return str(page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()"))


def run_requests(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if request.url.endswith("/run/") else None)
    return seen


def my_submission_count(page: Page, server: str) -> int:
    response = page.request.get(f"{server}/api/submissions/?problem=two-sum")
    assert response.ok, response.text()
    return len(response.json())


def test_run_on_the_samples_and_on_custom_input_without_submitting(server: str, page: Page) -> None:
    log_in(server, page)
    submissions_before = my_submission_count(page, server)
    open_two_sum(server, page)
    runs = run_requests(page)
    page.evaluate("source => document.querySelector('.CodeMirror').CodeMirror.setValue(source)", CHATTY_OK)
    page.click(".CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.type("  # typed last")

    page.click("#run-button")
    expect(page.locator("#run-button")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#run-button")).to_be_disabled()
    expect(page.locator("#run-results .run-summary")).to_contain_text("All 2 samples passed", timeout=60_000)
    expect(page.locator("#run-button")).to_be_enabled()
    assert page.get_attribute("#run-results", "aria-live") == "polite"
    cases = page.locator("#run-results li.run-case")
    assert cases.count() == 2
    assert page.locator("#run-results li.run-case[data-verdict='AC']").count() == 2
    first = cases.nth(0)
    assert page.locator(".statement ~ .sample").count() == 0, "the statement's examples are not repeated"
    assert "nums = [3, 8, 11, 4]" in page.locator(".statement").inner_text()
    assert first.locator("dd pre").nth(0).inner_text() == "nums = [3, 8, 11, 4], target = 12"
    assert first.locator("dt").all_inner_texts()[:3] == ["Input", "Expected", "Got"]
    assert first.locator("dd pre").nth(1).inner_text() == first.locator("dd pre").nth(2).inner_text() == "[1, 3]"
    assert first.locator("pre.run-stdout").text_content() == "looking at [3, 8, 11, 4] for 12\n"
    assert first.locator("pre.run-stderr").text_content() == "debug line\n"
    assert len(runs) == 1

    # Custom input: prefilled with the first sample's arguments, one input a line.
    page.check("#custom-toggle")
    custom = page.locator("#custom-input")
    expect(custom).to_be_visible()
    assert custom.input_value() == "[[3, 8, 11, 4], 12]"
    custom.fill('[[1, 2, 7], 9]\n\n{"target": 10, "nums": [5, 5]}')
    page.click("#run-button")
    expect(page.locator("#run-results .run-summary")).to_contain_text("returned on all 2 inputs", timeout=60_000)
    second = page.locator("#run-results li.run-case").nth(1)
    assert second.locator(".sample-head").inner_text().startswith("Input 2")
    assert second.locator("dt").all_inner_texts()[:2] == ["Input", "Returned"]
    assert second.locator("dd pre").nth(0).inner_text() == "nums = [5, 5], target = 10"
    assert second.locator("dd pre").nth(1).inner_text() == "[0, 1]"
    assert "Expected" not in page.inner_text("#run-results")
    assert len(runs) == 2

    # A line that is not JSON is named, and nothing is sent.
    custom.fill("[[1, 2], 3]\n[[1, 2], 3")
    page.click("#run-button")
    error = page.locator("#custom-input-error")
    expect(error).to_be_visible()
    assert error.inner_text().startswith("Line 2 is not valid JSON")
    assert custom.get_attribute("aria-invalid") == "true"
    page.wait_for_timeout(300)
    assert len(runs) == 2, "invalid JSON was sent"
    # What only the server checks (the number of arguments) is shown beside the line too.
    custom.fill("[[1, 2], 3]\n[[1, 2]]")
    page.click("#run-button")
    expect(error).to_have_text("Line 2: give 2 argument(s) (nums, target), as a list or an object by name.")
    assert len(runs) == 3

    assert my_submission_count(page, server) == submissions_before, "a run created a submission"

    # The code outlives a reload: kept in localStorage, restored before the starter code.
    typed = editor_code(page)
    assert typed.endswith("  # typed last")
    page.reload()
    page.wait_for_selector(".CodeMirror")
    assert editor_code(page) == typed
    assert page.evaluate("localStorage.getItem('codearena:code:two-sum:PY3')") == typed

    # Logged out meanwhile: the panel says so and links to the log-in page.
    page.context.clear_cookies()
    page.click("#run-button")
    login = page.locator("#run-results .run-error a")
    expect(login).to_have_text("Log in")
    assert login.get_attribute("href") == "/login/?next=/problem/two-sum/"

    # Reset to starter code replaces the kept code.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#reset-code")
    starter = page.evaluate("JSON.parse(document.getElementById('editor-languages').textContent).PY3.starter")
    assert editor_code(page) == starter
    page.reload()
    page.wait_for_selector(".CodeMirror")
    assert editor_code(page) == starter


def test_esc_then_tab_leaves_the_editor_and_ctrl_quote_runs(server: str, page: Page) -> None:
    log_in(server, page)
    open_two_sum(server, page)
    field = page.locator(".CodeMirror textarea")
    assert field.get_attribute("aria-label") == "Code editor"
    assert "Esc then Tab leaves the editor." in page.inner_text("#editor-help")

    page.click(".CodeMirror-code")
    before = editor_code(page)
    page.keyboard.press("Tab")  # indents: the editor keeps the focus
    assert editor_code(page) != before
    assert page.evaluate("document.activeElement === document.querySelector('.CodeMirror textarea')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "run-button"
    page.keyboard.press("Shift+Tab")  # back into the editor, where Tab indents again
    assert page.evaluate("document.activeElement === document.querySelector('.CodeMirror textarea')")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "reset-code"

    page.click(".CodeMirror-code")
    page.keyboard.press("Control+'")
    expect(page.locator("#run-results .run-summary")).to_be_visible(timeout=60_000)


def test_the_problem_page_and_its_run_results_fit_a_phone(server: str, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(server, page)
    open_two_sum(server, page)
    long_print = "print('x' * 500)\n" + CHATTY_OK.replace("time.sleep(1)", "")
    page.evaluate("source => document.querySelector('.CodeMirror').CodeMirror.setValue(source)", long_print)
    page.check("#custom-toggle")
    page.click("#run-button")
    expect(page.locator("#run-results .run-summary")).to_be_visible(timeout=60_000)
    assert page.locator("#run-results pre.run-stdout").first.inner_text().startswith("x" * 100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
