"""Attachment downloads for the portal and the console, after the same access check as the ticket.

Files always download (never render in the browser), so an uploaded file can never run as a
page on our origin, whatever its content turns out to be.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_safe

from beacon.accounts.models import User
from beacon.core.errors import NotFound
from beacon.tickets import queries

# Types a browser may recognise by name; anything else is sent as opaque bytes.
KEEP_CONTENT_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
)


@login_required
@require_safe
def attachment_download(request: HttpRequest, token: str) -> FileResponse:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    attachment = queries.attachment_get_for_user(user=user, token=token)
    content_type = (
        attachment.content_type
        if attachment.content_type in KEEP_CONTENT_TYPES
        else "application/octet-stream"
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so the site-wide CSP middleware leaves it alone: even if a browser did render
    # the file, it would run in a sandbox with nothing allowed.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
