"""Attachment checks: size and type decided by the file's content, never by its name or header."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from beacon.core.errors import Invalid, TooLarge

# Types we accept, decided from magic bytes. HTML, SVG, scripts and executables are never accepted,
# and even accepted files are served as downloads (Content-Disposition: attachment).
ALLOWED_BINARY = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
}
TEXT_TYPE = "text/plain"
_MARKUP_MARKERS = (
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<script",
    b"<?xml",
    b"<body",
    b"<iframe",
)
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile[bytes]
    name: str
    content_type: str
    size: int
    sha256: str
    token: str


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multibyte character cut at the sniff boundary is still text.
        if exc.start < len(head) - 4:
            return False
    lowered = head.lstrip().lower()
    return not any(marker in lowered[:1024] for marker in _MARKUP_MARKERS)


def safe_name(name: str, content_type: str) -> str:
    """A display name without path parts or control characters, ending in an extension that matches the content."""
    base = PurePath(name.replace("\\", "/")).name
    base = (
        "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/|?*')[
            :120
        ].strip(". ")
        or "file"
    )
    extension = ALLOWED_BINARY.get(content_type, ".txt")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem}{extension}"


def check_upload(upload: UploadedFile[bytes]) -> CheckedFile:
    """Refuse oversized or disallowed files with a message the customer can act on."""
    size = upload.size or 0
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise TooLarge(
            _("%(name)s is larger than %(limit)s MB.")
            % {
                "name": upload.name,
                "limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
            },
            fields={"attachments": [_("File too large.")]},
        )
    if size == 0:
        raise Invalid(
            _("%(name)s is empty.") % {"name": upload.name},
            fields={"attachments": [_("Empty file.")]},
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.mime in ALLOWED_BINARY:
        content_type = kind.mime
    elif kind is None and _looks_like_text(head):
        content_type = TEXT_TYPE
    else:
        raise Invalid(
            _(
                "%(name)s is not an accepted file type. Attach images (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text."
            )
            % {"name": upload.name},
            code="file_type",
            fields={"attachments": [_("File type not accepted.")]},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        upload=upload,
        name=safe_name(upload.name or "file", content_type),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        token=secrets.token_urlsafe(18),
    )


def check_uploads(uploads: list[UploadedFile[bytes]]) -> list[CheckedFile]:
    if len(uploads) > settings.ATTACHMENT_MAX_FILES:
        raise Invalid(
            _("Attach at most %(count)s files.")
            % {"count": settings.ATTACHMENT_MAX_FILES},
            fields={"attachments": [_("Too many files.")]},
        )
    return [check_upload(upload) for upload in uploads]
