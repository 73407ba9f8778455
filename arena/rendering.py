"""Problem statements are Markdown, rendered and then sanitised (curators are trusted, imports are not)."""

from __future__ import annotations

import re

import markdown
import nh3

# Powers in constraints, as statements write them: 10^5, 2^31, 10^-6 (a caret between digits).
POWER = re.compile(r"(?<![\w^])(\d+)\^(-?\d+)(?![\w^])")
PRE_BLOCK = re.compile(r"(<pre\b.*?</pre>)", re.S)

ALLOWED_TAGS = {
    "p",
    "pre",
    "code",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "hr",
    "sub",
    "sup",
    "a",
    "span",
}


def render_statement(text: str) -> str:
    html = markdown.markdown(text, extensions=["fenced_code", "tables"])
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "code": {"class"}})
    return _superscript_powers(clean)


def _superscript_powers(html: str) -> str:
    """``10^5`` → ``10<sup>5</sup>`` in the text and inline code, never inside code blocks (where a
    caret is code). Only digits go in, so the markup stays what the sanitiser let through."""
    parts = PRE_BLOCK.split(html)
    return "".join(part if part.startswith("<pre") else POWER.sub(r"\1<sup>\2</sup>", part) for part in parts)
