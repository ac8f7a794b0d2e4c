"""Mask secrets (seed phrases, private keys, ...) in a stored raw message once it is parsed.

The MIME structure stays as it was; only the text of the affected text parts (and the Subject)
is replaced by its masked form, so the secret is not kept in the database. Masking itself is
beacon/triage/secrets.py, the same function the tickets services apply to what they store.
"""

from __future__ import annotations

import email
import email.header
from email.message import Message
from functools import lru_cache

from beacon.intake.email.parsing import decode_bytes, decode_header
from beacon.triage.secrets import mask_secrets


def mask_text(text: str) -> str:
    """`text` with secret spans masked (for the parsed fields kept beside the source)."""
    if len(text) > _MEMO_MAX_CHARS:
        return mask_secrets(text).text
    return _mask_memo(text)


# Intake masks the same subject and text more than once (the source, the fields kept beside it);
# short texts are remembered rather than scanned again.
_MEMO_MAX_CHARS = 8192


@lru_cache(maxsize=1024)
def _mask_memo(text: str) -> str:
    return mask_secrets(text).text


def _is_text_body(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").lower()
    return part.get_content_maintype() == "text" and not disposition.startswith(
        "attachment"
    )


def redact_raw(raw: bytes) -> bytes:
    """`raw` with secret spans masked; the same bytes when there is nothing to mask."""
    return redact_source(email.message_from_bytes(raw), raw)


def redact_source(message: Message, raw: bytes) -> bytes:
    """`redact_raw` given `raw` already parsed into `message` (which it may change: use it
    for nothing else afterwards)."""
    changed = False
    subject = message.get("Subject")
    if subject is not None:
        text = decode_header(subject)
        masked = mask_text(text)
        if masked != text:
            message.replace_header(
                "Subject", email.header.Header(masked, "utf-8").encode()
            )
            changed = True
    for part in message.walk():
        if part.is_multipart() or not _is_text_body(part):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = decode_bytes(payload, part.get_content_charset())
        masked = mask_text(text)
        if masked == text:
            continue
        del part["Content-Transfer-Encoding"]
        part.set_payload(masked, charset="utf-8")
        changed = True
    return message.as_bytes() if changed else raw
