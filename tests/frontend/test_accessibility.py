"""axe-core (from npm, injected from node_modules) on every page of the site, in the real browser:
no serious or critical violation, on a desktop and on a 390 px phone."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page

from tests.frontend.conftest import log_in
from tests.live import manage
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def pages(live: dict[str, Any]) -> list[str]:
    """Every kind of page, with data on it: an accepted submission, a model's campaign."""
    url, env = live["url"], live["env"]
    alice = manage(env, "arena_token", "alice").strip().splitlines()[-1]
    bot = manage(env, "arena_token", "axe-bot", "--model").strip().splitlines()[-1]
    item = {"problem": "two-sum", "language": "PY3", "source": TWO_SUM_OK}
    submission = requests.post(f"{url}/api/submissions/", json=item, headers=auth(alice), timeout=30).json()
    campaign = requests.post(f"{url}/api/campaigns/", json={"name": "axe", "k": 1}, headers=auth(bot), timeout=30)
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    posted = requests.post(
        f"{url}/api/campaigns/{campaign_id}/submissions/", json=[item], headers=auth(bot), timeout=30
    )
    assert posted.status_code == 201, posted.text
    # alice registered the model: its campaign page is hers to open.
    manage(env, "shell", "-c", "from arena.models import Participant; from django.contrib.auth.models import User; "
                               "Participant.objects.filter(user__username='axe-bot')"
                               ".update(owner=User.objects.get(username='alice'))")  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = requests.get(f"{url}/api/submissions/{submission['id']}/", headers=auth(alice), timeout=30).json()
        if state["status"] == "D":
            break
        time.sleep(0.5)
    manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
                               "User.objects.filter(username='axe-bot').update(is_staff=False)")  # fmt: skip
    return [
        "/", "/problem/two-sum/", f"/submission/{submission['id']}/", "/submissions/", "/leaderboard/",
        "/profile/", "/u/alice/", "/u/axe-bot/", f"/campaign/{campaign_id}/", "/signup/", "/login/",
        "/problem/no-such-problem/",
    ]  # fmt: skip


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n")[1]),
        }))"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


# What axe rates below serious, or does not check, but the site holds itself to.
HOUSE_RULES = """() => {
    const missing = [...document.querySelectorAll("[aria-describedby]")]
        .flatMap(e => e.getAttribute("aria-describedby").split(/\\s+/)).filter(id => !document.getElementById(id));
    const emptyHeaders = [...document.querySelectorAll("th")]
        .filter(th => !th.textContent.trim() && !th.getAttribute("aria-label")).map(th => th.outerHTML);
    const first = document.querySelector("a[href], button, input, select, textarea, [tabindex]");
    const skip = first && first.matches("a.skip-link[href='#main']") && document.getElementById("main") ? [] : ["no skip link first"];
    return [...missing.map(id => "aria-describedby → missing #" + id), ...emptyHeaders.map(h => "empty " + h), ...skip];
}"""


def check(page: Page, url: str, paths: list[str]) -> dict[str, list[Any]]:
    problems: dict[str, list[Any]] = {}
    for path in paths:
        page.goto(url + path, wait_until="networkidle")
        found: list[Any] = violations(page) + page.evaluate(HOUSE_RULES)
        if found:
            problems[path] = found
    return problems


def test_no_serious_accessibility_violations_on_any_page(server: str, page: Page, pages: list[str]) -> None:
    assert AXE.exists(), "axe-core comes from frontend/package.json (make test installs it)"
    anonymous = check(page, server, [p for p in pages if not p.startswith(("/profile/", "/campaign/"))])
    log_in(server, page)
    signed_in = check(page, server, pages)
    page.set_viewport_size({"width": 390, "height": 844})
    phone = check(page, server, ["/", "/problem/two-sum/", "/leaderboard/", pages[2]])
    found = {"anonymous": anonymous, "signed in": signed_in, "phone": phone}
    assert not anonymous and not signed_in and not phone, json.dumps(found, indent=1)
    page.goto(server + "/problem/two-sum/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link moves focus past the header"
