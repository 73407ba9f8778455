"""Problem statements are Markdown, rendered and then sanitised (curators are trusted, imports are not)."""

from __future__ import annotations

import markdown
import nh3

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
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "code": {"class"}})
