"""Trim quoted history and signatures from a reply, so the conversation shows what is new.

Only the visible text is trimmed; the stored source keeps everything. Markers cover the clients
exchange users write from: Gmail, Outlook, Apple Mail, QQ Mail, 163/126 (NetEase), in English
and Chinese. A forwarded message keeps the forwarded part: it is the point of a forward.
"""

from __future__ import annotations

import re

# A line that starts the quoted history of a reply.
_QUOTE_HEADERS = [
    # Gmail / Apple Mail, English: "On Mon, 3 Jun 2024 at 10:00, Alice <a@x.com> wrote:"
    re.compile(r"^\s*On\b.{0,300}\bwrote\s*:\s*$", re.IGNORECASE),
    # Gmail, Chinese: "在 2024年6月3日周一 10:00，Alice <a@x.com> 写道："; Apple Mail: "2024年6月3日 10:00，Alice 写道："
    re.compile(r"^\s*(在|于)?.{0,300}写道\s*[:：]\s*$"),
    # Outlook, QQ Mail, 163: separators.
    re.compile(
        r"^\s*-{2,}\s*(Original Message|原始邮件|邮件原件|原邮件)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*-{5,}\s*(原始邮件|Original)\s*-{5,}\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*_{10,}\s*$"
    ),  # Outlook on the web: a line of underscores before "From:"
]
# Header blocks that open quoted history: "From: ... / Sent: ..." (Outlook), "发件人: / 发送时间:".
_FROM_LINE = re.compile(r"^\s*\**\s*(From|发件人|寄件者)\s*\**\s*[:：]", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^\s*\**\s*(Sent|Date|发送时间|时间|日期|寄件日期|To|收件人)\s*\**\s*[:：]",
    re.IGNORECASE,
)
_FORWARD_MARKERS = re.compile(
    r"^\s*-+\s*(Forwarded message|Begin forwarded message|转发的邮件|转发邮件|Forwarded Message)",
    re.IGNORECASE,
)
# Signature starts: the RFC 3676 "-- " line and the mobile footers.
_SIGNATURE_LINES = [
    re.compile(r"^-- ?$"),
    re.compile(
        r"^\s*(Sent from my (iPhone|iPad|Android|phone)|Get Outlook for (iOS|Android))",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(发自我的\s*(iPhone|iPad|手机)|发自网易邮箱大师|来自网易邮箱|发自\s*QQ\s*邮箱|来自 QQ 邮箱)"
    ),
]


def _quote_start(lines: list[str], *, forwarded: bool) -> int | None:
    for index, line in enumerate(lines):
        if forwarded and _FORWARD_MARKERS.match(line):
            return None
        if any(pattern.match(line) for pattern in _QUOTE_HEADERS):
            if forwarded and "original" in line.lower():
                continue
            return index
        # "On <date>, <name>" and "wrote:" wrapped onto the next line.
        if (
            re.match(r"^\s*On\b", line)
            and index + 1 < len(lines)
            and re.match(r"^.{0,200}\bwrote\s*:\s*$", lines[index + 1])
        ):
            return index
        if (
            not forwarded
            and _FROM_LINE.match(line)
            and any(_DATE_LINE.match(nxt) for nxt in lines[index + 1 : index + 4])
        ):
            return index
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[index:]
        ):
            return index
    return None


def visible_reply(text: str, *, forwarded: bool = False) -> str:
    """The new part of a reply: quoted history and signature removed; never empty if `text` isn't."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _quote_start(lines, forwarded=forwarded)
    if cut is not None:
        lines = lines[:cut]
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _SIGNATURE_LINES):
            lines = lines[:index]
            break
    visible = "\n".join(lines).strip()
    return visible or text.strip()
