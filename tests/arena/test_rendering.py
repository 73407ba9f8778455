"""Statements: Markdown rendered, sanitised, and powers in constraints as superscripts."""

from __future__ import annotations

from arena.rendering import render_statement


def test_powers_in_constraints_are_superscripts_but_not_in_code_blocks() -> None:
    html = render_statement("* `1 <= n <= 10^5`, `-10^9 <= x`, 2^31 - 1, x^2, 1e^5\n\n```\nprint(10^5)\n```\n")
    assert "<code>1 &lt;= n &lt;= 10<sup>5</sup></code>" in html
    assert "<code>-10<sup>9</sup> &lt;= x</code>" in html and "2<sup>31</sup> - 1" in html
    assert "x^2" in html and "1e^5" in html, "only a caret between plain numbers is a power"
    assert "print(10^5)" in html, "code blocks keep their carets"


def test_statements_are_sanitised() -> None:
    html = render_statement("<script>alert(1)</script><img src=x onerror=alert(1)> [a](javascript:alert(1)) 10^5")
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "10<sup>5</sup>" in html
