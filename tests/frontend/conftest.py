"""Browser tests' shared pieces: the live server (SQLite, in-process judge, two-sum and a user
alice), Debian's headless chromium driven by Playwright, and logging in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.live import base_env, free_port, manage, process, uvicorn_cmd, wait_healthy

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The server's URL, and the environment that runs management commands against its database."""
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
        yield {"url": f"http://127.0.0.1:{port}", "env": env}


@pytest.fixture(scope="module")
def server(live: dict[str, Any]) -> str:
    url: str = live["url"]
    return url


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
