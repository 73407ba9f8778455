"""The editor in every language, in a real headless Chromium (Debian's) against the real server:
switch to C++, get its starter code and its CodeMirror mode, keep what was typed per language,
submit, get the verdict, and find the language remembered on the next visit and the next problem."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.arena.cpp_sources import TWO_SUM_CPP
from tests.frontend.conftest import log_in
from tests.live import manage

pytestmark = pytest.mark.browser

EDITOR = "document.querySelector('.CodeMirror').CodeMirror"


def editor_code(page: Page) -> str:
    return str(page.evaluate(f"{EDITOR}.getValue()"))


def editor_mode(page: Page) -> str:
    """The mode CodeMirror is really using ("null" when the mode's script was not loaded)."""
    return str(page.evaluate(f"{EDITOR}.getMode().name"))


def starter(page: Page, key: str) -> str:
    return str(page.evaluate(f"JSON.parse(document.getElementById('editor-languages').textContent)['{key}'].starter"))


def open_problem(server: str, page: Page, code: str) -> None:
    page.goto(f"{server}/problem/{code}/")
    page.wait_for_selector(".CodeMirror")


def test_switch_to_cpp_submit_and_find_the_language_remembered(server: str, live: dict[str, Any], page: Page) -> None:
    manage(live["env"], "load_bank", "missing-number")
    log_in(server, page)
    open_problem(server, page, "two-sum")
    assert page.input_value("#id_language") == "PY3" and editor_mode(page) == "python"
    python_starter = editor_code(page)
    options = page.eval_on_selector_all("#id_language option", "os => os.map(o => o.value)")
    assert options[0] == "PY3" and "CPP17" in options

    page.select_option("#id_language", "CPP17")
    assert editor_code(page) == starter(page, "CPP17")
    assert "vector<long long> twoSum(vector<long long>& nums, long long target)" in editor_code(page)
    assert editor_mode(page) == "clike", "the C++ mode's script was loaded and is in use"
    expect(page.locator(".CodeMirror .cm-keyword", has_text="public")).to_have_count(1)
    # Run works in every language (tests/arena/test_languages.py runs C++ through the API).
    expect(page.locator("#run-button")).to_be_visible()

    # What was typed is kept per language: Python's starter comes back, then the C++ code.
    page.evaluate(f"source => {EDITOR}.setValue(source)", TWO_SUM_CPP)
    page.select_option("#id_language", "PY3")
    assert editor_code(page) == python_starter and editor_mode(page) == "python"
    expect(page.locator("#run-button")).to_be_visible()
    page.select_option("#id_language", "CPP17")
    assert editor_code(page) == TWO_SUM_CPP

    page.click("#submit-button")
    page.wait_for_url(f"{server}/submission/*/")
    page.wait_for_selector("#verdict[data-final='1']", timeout=120_000)
    assert "Accepted" in page.inner_text("#verdict")
    assert page.inner_text("#submission-language") == "C++17"
    assert editor_mode(page) == "clike", "the submitted code is highlighted as C++"

    # Back on the problem (a new page load): C++ again, with the code sent.
    open_problem(server, page, "two-sum")
    assert page.input_value("#id_language") == "CPP17"
    assert editor_code(page) == TWO_SUM_CPP and editor_mode(page) == "clike"

    # The next problem opens in C++ too, with its own starter code.
    open_problem(server, page, "missing-number")
    assert page.input_value("#id_language") == "CPP17"
    assert editor_code(page) == starter(page, "CPP17") and "class Solution" in editor_code(page)
    assert editor_mode(page) == "clike"
