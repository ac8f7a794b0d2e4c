"""The MTA endpoint (raw RFC 5322 in, token-authenticated) and the console's email source page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from beacon.accounts.models import User
from beacon.core.errors import TooLarge
from beacon.intake.email import queries
from beacon.intake.email.models import Source
from beacon.intake.email.services import inbound_store
from beacon.tickets.console.access import staff_view

READ_CHUNK = 65536


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


@csrf_exempt  # machine-to-machine: authenticated by the mailbox's bearer token, no cookies
@require_POST
def inbound_message(request: HttpRequest, slug: str) -> HttpResponse:
    """POST the raw message as the body (Content-Type message/rfc822) with
    `Authorization: Bearer <mailbox token>`. 202 once stored; parsing follows in a job."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    mailbox = (
        queries.mailbox_for_token(slug=slug, token=token.strip())
        if scheme.lower() == "bearer"
        else None
    )
    if mailbox is None:
        return _error(401, "unauthorized", _("A valid mailbox token is required."))
    limit = settings.EMAIL_MAX_MESSAGE_BYTES
    # Read the stream ourselves: the body may be larger than the form-data limit, but is bounded.
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return _error(413, TooLarge.code, _("The message is too large."))
        chunks.append(chunk)
    raw = b"".join(chunks)
    if b"\n" not in raw[:65536] or b":" not in raw[:998]:
        return _error(400, "invalid", _("The body is not an RFC 5322 message."))
    row, created = inbound_store(raw=raw, source=Source.HTTP, mailbox=mailbox)
    if created:
        from beacon.intake.email.tasks import inbound_process_task

        inbound_process_task(row.pk)
    return JsonResponse(
        {"id": row.pk, "status": "stored" if created else "duplicate"},
        status=202 if created else 200,
    )


@staff_view()
def ticket_email_source(
    request: HttpRequest, user: User, reference: str
) -> HttpResponse:
    """The mails of a ticket: sender check, sanitised HTML and the stored (redacted) source."""
    ticket, inbound = queries.inbound_for_ticket(user=user, reference=reference)
    rows = [
        {
            "row": row,
            "source": bytes(row.raw).decode("utf-8", errors="replace"),
        }
        for row in inbound
    ]
    return render(request, "intake_email/source.html", {"ticket": ticket, "rows": rows})
