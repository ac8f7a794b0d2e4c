"""Markdown rendering is sanitised: a catalogue of XSS payloads in Markdown and raw HTML."""

from __future__ import annotations

import re

import pytest

from beacon.knowledge.rendering import plain_text, render_markdown, snippet

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=/ok.png onload=alert(1)>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    '![x](https://tracker.example/pixel.gif "remote")',
    "![x](//evil.example/pixel.gif)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=x><button>go</button></form>',
    "<style>body{background:url(https://evil.example/x)}</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<p style="position:fixed;top:0">overlay</p>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<a href="https://example.com" onclick="alert(1)" target="_blank">ok</a>',
    "<body onload=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    '"><script>alert(1)</script>',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]

_DANGEROUS_TAG = re.compile(
    r"<\s*(script|iframe|object|embed|form|input|button|style|meta|link|base|svg|math|video|audio|body|noscript)\b",
    re.I,
)
_EVENT = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
_BAD_URL = re.compile(
    r"""(href|src|background)\s*=\s*["']?\s*(javascript|vbscript|data):""", re.I
)
_REMOTE_IMAGE = re.compile(r"<img[^>]+src\s*=\s*[\"']?(https?:)?//", re.I)
_STYLE = re.compile(r"\sstyle\s*=", re.I)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload: str) -> None:
    html = render_markdown(f"Intro\n\n{payload}\n\nOutro")

    assert not _DANGEROUS_TAG.search(html), html
    assert not _EVENT.search(html), html
    assert not _BAD_URL.search(html), html
    assert not _REMOTE_IMAGE.search(html), html
    assert not _STYLE.search(html), html
    assert "Outro" in html


def test_markdown_features_survive() -> None:
    html = render_markdown(
        "# Title\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[docs](https://example.com/docs) ![shot](/help/files/abc/)\n\n~~old~~"
    )

    assert "<h2>Title</h2>" in html  # the page title is the only h1
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<table>" in html and "<s>old</s>" in html
    assert (
        'href="https://example.com/docs"' in html
        and 'rel="noopener noreferrer nofollow"' in html
    )
    assert '<img src="/help/files/abc/" alt="shot">' in html


def test_code_blocks_show_markup_as_text() -> None:
    html = render_markdown("```\n<script>alert(1)</script>\n```")

    assert "&lt;script&gt;" in html


def test_plain_text_and_snippet_have_no_markup() -> None:
    body = "Intro with **bold** and <b>tags</b> & more.\n\n## Next\n\nSecond paragraph."

    assert plain_text(body) == "Intro with bold and tags & more. Next Second paragraph."
    assert snippet("", body) == "Intro with bold and tags & more."
    assert snippet("A summary.", body) == "A summary."
    long = snippet("", "word " * 200, length=50)
    assert len(long) <= 51 and long.endswith("…")
