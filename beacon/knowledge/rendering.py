"""Markdown to safe HTML, and to plain text for snippets.

markdown-it-py renders CommonMark plus tables and strikethrough; raw HTML in the source is
allowed through the parser and then everything passes nh3 (ammonia), which keeps an allow-list
of tags and attributes: no script or style, no event handlers, no javascript:/data: links.
Images may only point at this site (a path such as /help/files/<token>): the server never
fetches anything, and a browser is never sent to a third party to load one.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul", "details", "summary",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_LOCAL_PATH = re.compile(r"^/(?!/)[^\s\\]*$")


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Only this site's own paths: not //host, not http(s)://, not data:.
        return value if _LOCAL_PATH.match(value) else None
    if tag == "a" and attribute == "href" and value.strip().startswith("//"):
        return None
    return value


def render_markdown(source: str) -> str:
    """Sanitised HTML for an article body written in Markdown (raw HTML allowed, then cleaned)."""
    # Headings start at h2: the article title is the page's h1.
    html = re.sub(r"<(/?)h1(\s|>)", r"<\1h2\2", _markdown.render(source))
    cleaned: str = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned


def plain_text(source: str) -> str:
    """The readable text of a Markdown body, without markup (for snippets and excerpts)."""
    html = render_markdown(source)
    html = re.sub(r"</(p|li|h[1-6]|tr|pre|blockquote)>", " ", html)
    text: str = nh3.clean(html, tags=set())
    text = (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )
    return " ".join(text.split())


def snippet(summary: str, body: str, *, length: int = 300) -> str:
    """The summary if there is one, else the opening of the body, cut at a word."""
    text = " ".join(summary.split()) if summary.strip() else _first_paragraph(body)
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    if space > length * 0.6:
        cut = cut[:space]
    return cut.rstrip(",.;:，。；：") + "…"


def _first_paragraph(body: str) -> str:
    for block in re.split(r"\n\s*\n", body):
        text = plain_text(block)
        if text and not block.lstrip().startswith("#"):
            return text
    return plain_text(body)
