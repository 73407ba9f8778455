"""A real headless Chromium (Debian's) driven by Playwright against the real server.

Log in, submit a solution on a problem page, watch the verdict arrive live without a reload.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

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


def test_log_in_submit_and_watch_the_verdict_arrive_live(server: str, page: Page) -> None:
    page.goto(f"{server}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "Correct-horse-9")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{server}/")

    page.goto(f"{server}/problem/two-sum/")
    page.wait_for_selector(".CodeMirror")
    page.evaluate("source => document.querySelector('.CodeMirror').CodeMirror.setValue(source)", SLOW_START_OK)
    page.click("#submit-button")
    page.wait_for_url(f"{server}/submission/*/")
    # Marks this page load: a reload would wipe it.
    page.evaluate("window.__loadedOnce = true")
    assert page.get_attribute("#verdict", "data-final") == "0", "the verdict was already there: nothing to watch"
    page.wait_for_selector("#verdict[data-final='1']", timeout=60_000)

    assert "Accepted" in page.inner_text("#verdict")
    assert page.evaluate("window.__loadedOnce === true"), "the page reloaded instead of updating live"
    rows = page.locator("#cases-body tr.case-row")
    assert rows.count() >= 3
