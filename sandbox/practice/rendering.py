"""The task as the candidate reads it: instructions.md (a Django template, escaped) → safe HTML.

Scenario authors write CommonMark with GitHub-style tables (the catalog uses headings, numbered
lists with nested bullets indented by three spaces, tables inside list items, block quotes and
inline code). markdown-it-py follows CommonMark, so those nest as the author sees them in an
editor; raw HTML is off (the params were escaped by the template already, and are not decoded
back into markup), and the result is still run through nh3 with a short list of tags, so nothing a
scenario or a param contains can put script, styles or attributes of its own into the page.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"h3", "h4", "h5", "h6", "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li",
                "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
# Table alignment is the only style markdown-it writes.
ALLOWED_STYLES = {"text-align"}

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False}).enable("table")


def markdown_html(text: str) -> str:
    """Markdown → sanitised HTML. Headings move two levels down: the page's h1 is the task title and
    its h2 the 任务说明 section the text sits in."""
    tokens = _MD.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    html = _MD.renderer.render(tokens, _MD.options, {})
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, filter_style_properties=ALLOWED_STYLES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
