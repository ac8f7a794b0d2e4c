"""Reads on a person's behalf: the email source of a ticket, only for those who see the ticket."""

from __future__ import annotations

import hashlib
import hmac

from django.db.models import QuerySet

from beacon.accounts.models import User
from beacon.intake.email.models import InboundEmail, Mailbox
from beacon.tickets.models import Ticket
from beacon.tickets.queries import ticket_get_for_user


def inbound_for_ticket(
    *, user: User, reference: str
) -> tuple[Ticket, QuerySet[InboundEmail]]:
    """The ticket (access-checked: NotFound otherwise) and the mails that opened or joined it."""
    ticket = ticket_get_for_user(user=user, reference=reference)
    return ticket, InboundEmail.objects.filter(ticket=ticket).order_by(
        "received_at", "id"
    )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mailbox_for_token(*, slug: str, token: str) -> Mailbox | None:
    """The active mailbox `slug` if `token` is its inbound token (compared in constant time)."""
    mailbox = Mailbox.objects.filter(slug=slug, is_active=True).first()
    if mailbox is None or not mailbox.inbound_token_digest or not token:
        return None
    if not hmac.compare_digest(mailbox.inbound_token_digest, token_digest(token)):
        return None
    return mailbox
