"""Raw RFC 5322 bytes -> what the desk needs: addresses, thread ids, text, sanitised HTML, files.

Parsing never raises on bad input: broken MIME, unknown or lying charsets and undecodable
headers are read as well as possible (the raw source stays stored, so nothing is lost).
"""

from __future__ import annotations

import email
import email.header
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser

import nh3

from beacon.intake.email.quotes import visible_reply

# Chinese mail often declares a charset narrower than what it contains (GB2312 for GBK text,
# Big5 for HKSCS characters): decode with the superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
FALLBACK_CHARSETS = ("utf-8", "gb18030", "big5hkscs")
ID_RE = re.compile(r"<([^<>\s]+)>")
REFERENCE_RE = re.compile(r"\bBX-([0-9A-Z]{8})\b", re.IGNORECASE)

# Tags and attributes kept when HTML is shown; everything else (scripts, styles, forms, event
# handlers, remote images) is dropped. Links get rel=noopener noreferrer from nh3.
ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan"}}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset, falling back through the usual suspects."""
    candidates = []
    if charset:
        name = charset.strip().strip('"').lower()
        candidates.append(CHARSET_ALIASES.get(name, name))
    candidates.extend(FALLBACK_CHARSETS)
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header(value: object) -> str:
    """An RFC 2047 header as text, whatever charsets (or raw 8-bit bytes) it holds."""
    if not value:
        return ""
    # Raw 8-bit headers come as Header objects (charset unknown-8bit): keep their bytes.
    text: str | email.header.Header = (
        value if isinstance(value, email.header.Header) else str(value)
    )
    try:
        chunks = email.header.decode_header(text)
    except (ValueError, email.errors.HeaderParseError):
        return " ".join(str(text).split())
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            # Raw 8-bit headers arrive as surrogate escapes; get the bytes back first.
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(decode_bytes(chunk.encode("utf-8", "surrogateescape"), None))
    joined = "".join(parts) if len(parts) > 1 else (parts[0] if parts else "")
    return " ".join(joined.split())


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in a Message-ID, In-Reply-To or References header, in order."""
    if not value:
        return []
    found = ID_RE.findall(str(value))
    if not found and "@" in str(value):
        found = [str(value).strip().strip("<>")]
    return [m[:250] for m in found]


def _addresses(message: Message, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        values.extend(str(v) for v in message.get_all(name, []))
    return [
        address.lower()
        for _name, address in email.utils.getaddresses(values)
        if "@" in address
    ]


@dataclass
class ParsedFile:
    name: str
    content_type: str
    data: bytes
    inline: bool


@dataclass
class BounceRecipient:
    address: str
    status: str
    action: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    from_address: str
    from_name: str
    recipients: list[str]
    subject: str
    text: str
    visible_text: str
    html: str
    files: list[ParsedFile]
    headers: dict[str, str]
    auth_results: list[str]
    return_path: str
    bounce_recipients: list[BounceRecipient] = field(default_factory=list)
    is_report: bool = False
    # The addresses in To and Cc (who the sender copied), lower-cased.
    copied: list[str] = field(default_factory=list)

    @property
    def from_domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1]

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def thread_ids(self) -> list[str]:
        """Ids this message replies to, the most direct first."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen:
                seen.append(mid)
        return seen

    @property
    def subject_reference(self) -> str | None:
        match = REFERENCE_RE.search(self.subject)
        return f"BX-{match.group(1).upper()}" if match else None


class _TextExtractor(HTMLParser):
    """HTML -> plain text with line breaks where blocks end (for HTML-only mail)."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "hr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    name = part.get_filename()
    return decode_header(name) if name else ""


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or bool(part.get_filename())


def _walk(
    message: Message,
    texts: list[str],
    htmls: list[str],
    files: list[ParsedFile],
    reports: list[Message],
) -> None:
    content_type = message.get_content_type()
    if message.is_multipart():
        subtype = message.get_content_subtype()
        parts = [p for p in message.get_payload() if isinstance(p, Message)]
        if subtype == "alternative":
            # Prefer the plain text; use the HTML only when no text alternative exists.
            plain = [p for p in parts if p.get_content_type() == "text/plain"]
            html = [p for p in parts if p.get_content_type() == "text/html"]
            others = [p for p in parts if p not in plain and p not in html]
            if plain:
                texts.append(_part_text(plain[-1]))
            if html:
                htmls.append(_part_text(html[-1]))
            for part in others:
                _walk(part, texts, htmls, files, reports)
            return
        if subtype == "report":
            reports.append(message)
        for part in parts:
            _walk(part, texts, htmls, files, reports)
        return
    if content_type == "message/rfc822":
        # A forwarded message as attachment: keep it as a file, do not read it as our text.
        payload = message.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = inner.as_bytes() if isinstance(inner, Message) else b""
        files.append(
            ParsedFile(
                _filename(message) or "forwarded.eml", "text/plain", data, inline=False
            )
        )
        return
    if content_type in ("message/delivery-status", "text/rfc822-headers"):
        return
    if _is_attachment(message) or content_type.split("/")[0] in (
        "image",
        "application",
        "audio",
        "video",
    ):
        content = message.get_payload(decode=True)
        if isinstance(content, bytes):
            inline = message.get("Content-ID") is not None and not (
                message.get("Content-Disposition") or ""
            ).lower().startswith("attachment")
            name = _filename(message) or (
                "calendar.ics" if content_type == "text/calendar" else "attachment"
            )
            files.append(ParsedFile(name, content_type, content, inline))
        return
    if content_type == "text/calendar":
        invite = message.get_payload(decode=True)
        if isinstance(invite, bytes):
            files.append(
                ParsedFile(
                    _filename(message) or "invite.ics",
                    content_type,
                    invite,
                    inline=False,
                )
            )
        return
    if content_type == "text/html":
        htmls.append(_part_text(message))
    elif message.get_content_maintype() == "text":
        texts.append(_part_text(message))


def _bounce_recipients(report: Message) -> list[BounceRecipient]:
    found = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks: list[Message] = []
        if isinstance(payload, list):
            blocks = [p for p in payload if isinstance(p, Message)]
        elif isinstance(payload, str):
            # Some MTAs send the fields as one text body: per-recipient blocks split by blank lines.
            blocks = [
                email.message_from_string(chunk)
                for chunk in re.split(r"\r?\n\r?\n", payload.strip())
                if chunk.strip()
            ]
        for block in blocks:
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
            if not recipient:
                continue
            address = str(recipient).split(";", 1)[-1].strip().strip("<>").lower()
            found.append(
                BounceRecipient(
                    address=address,
                    status=str(block.get("Status", "")).strip()[:20],
                    action=str(block.get("Action", "")).strip().lower(),
                    diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split())[
                        :500
                    ],
                )
            )
    return found


def parse_message(raw: bytes) -> ParsedEmail:
    """Read one raw message. Never raises on malformed input."""
    return parse_source(email.message_from_bytes(raw))


def parse_source(message: Message) -> ParsedEmail:
    """`parse_message` of an already parsed source (left unchanged, so that masking can reuse
    it instead of parsing the bytes again)."""
    texts: list[str] = []
    htmls: list[str] = []
    files: list[ParsedFile] = []
    reports: list[Message] = []
    _walk(message, texts, htmls, files, reports)
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    # The same file twice (a calendar part and its .ics attachment): keep one.
    unique: dict[bytes, ParsedFile] = {}
    for item in files:
        unique.setdefault(item.data, item)
    files = list(unique.values())
    html_source = "\n".join(htmls)
    if not text and html_source:
        text = html_to_text(html_source)
    from_name, from_address = email.utils.parseaddr(decode_header(message.get("From")))
    subject = decode_header(message.get("Subject"))
    headers = {
        key.lower(): decode_header(value)[:1000]
        for key, value in message.items()
        if key.lower()
        in {
            "auto-submitted",
            "precedence",
            "x-autoreply",
            "x-autorespond",
            "x-auto-response-suppress",
            "list-id",
            "list-unsubscribe",
            "list-post",
            "list-help",
            "x-beacon-mailbox",
            "x-failed-recipients",
            "return-path",
        }
    }
    bounce = []
    is_report = False
    for report in reports:
        if "delivery-status" in (report.get_param("report-type") or "").lower():  # type: ignore[union-attr]  # a str param
            is_report = True
            bounce.extend(_bounce_recipients(report))
    is_forward = bool(re.match(r"^\s*(fwd?|转发|fw)\s*[:：]", subject, re.IGNORECASE))
    return ParsedEmail(
        message_id=(message_ids(message.get("Message-ID")) or [""])[0],
        in_reply_to=message_ids(message.get("In-Reply-To")),
        references=message_ids(message.get("References"))[-30:],
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        recipients=_addresses(
            message, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"
        ),
        subject=subject[:300],
        text=text,
        visible_text=visible_reply(text, forwarded=is_forward),
        html=sanitise_html(html_source) if html_source else "",
        files=files,
        headers=headers,
        auth_results=[str(v) for v in message.get_all("Authentication-Results", [])],
        return_path=(
            email.utils.parseaddr(str(message.get("Return-Path", "")))[1].lower()
        ),
        bounce_recipients=bounce,
        is_report=is_report,
        copied=_addresses(message, "To", "Cc"),
    )
