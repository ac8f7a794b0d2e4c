"""Mail out on email tickets: agents' replies and the auto-reply to a new ticket.

Both are rows in the notifications outbox (durable, retried, visible under Failed work),
written in the transaction of the reply or the intake. The Message-ID of each mail is chosen
when the row is written and recorded in the ticket's thread, so a retry sends the same id and
the customer's answer (In-Reply-To / References) finds the ticket.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC
from email.utils import formataddr, make_msgid
from typing import Any

from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from beacon.intake.email.identity import reply_address
from beacon.intake.email.models import (
    BouncedAddress,
    Direction,
    InboundEmail,
    Mailbox,
    ThreadMessageId,
)
from beacon.notifications.backends import DeliveryError, PermanentDeliveryError
from beacon.notifications.link_urls import ticket_url
from beacon.notifications.models import Delivery, Kind
from beacon.notifications.services import delivery_enqueue
from beacon.sla.models import Metric
from beacon.sla.queries import policy_for, schedule_for_team, targets_of_ticket
from beacon.sla.services import deadlines
from beacon.tickets.models import Channel, Message, MessageKind, Ticket
from beacon.tickets.participants import participant_addresses

logger = logging.getLogger(__name__)

REPLY_TEMPLATE = "email_reply"
AUTO_REPLY_TEMPLATE = "email_auto_reply"
REFERENCES_KEPT = 10


def mailbox_for_ticket(ticket: Ticket) -> Mailbox | None:
    """The mailbox the customer last wrote to, else the first active one."""
    inbound = (
        InboundEmail.objects.filter(ticket=ticket, mailbox__is_active=True)
        .select_related("mailbox")
        .order_by("-id")
        .first()
    )
    if inbound is not None and inbound.mailbox is not None:
        return inbound.mailbox
    return Mailbox.objects.filter(is_active=True).order_by("id").first()


def _thread_headers(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next mail on the ticket: the latest inbound mail, and
    the first id of the thread plus the most recent ones."""
    ids = list(
        ThreadMessageId.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("message_id", "direction")
    )
    inbound = [mid for mid, direction in ids if direction == Direction.INBOUND]
    in_reply_to = inbound[-1] if inbound else (ids[-1][0] if ids else "")
    chain = [mid for mid, _direction in ids]
    references = chain[:1] + chain[1:][-REFERENCES_KEPT:] if chain else []
    return in_reply_to, references


def _new_message_id(ticket: Ticket, mailbox: Mailbox) -> str:
    message_id = outbound_message_id(ticket, mailbox)
    ThreadMessageId.objects.create(
        message_id=message_id, ticket=ticket, direction=Direction.OUTBOUND
    )
    return message_id


def outbound_message_id(ticket: Ticket, mailbox: Mailbox) -> str:
    """A new Message-ID for mail about `ticket` (the caller records it as a thread id)."""
    return make_msgid(idstring=ticket.reference, domain=mailbox.domain).strip("<>")


def on_message_added(message_id: int) -> None:
    """An agent's public reply on an email ticket becomes an outbox row (in its transaction)."""
    message = Message.objects.select_related(
        "ticket", "ticket__customer", "author"
    ).get(pk=message_id)
    ticket = message.ticket
    if (
        ticket.channel != Channel.EMAIL
        or message.kind != MessageKind.REPLY
        or message.from_customer
    ):
        return
    mailbox = mailbox_for_ticket(ticket)
    if mailbox is None or not ticket.customer.email:
        return
    in_reply_to, references = _thread_headers(ticket)
    delivery_enqueue(
        dedup_key=f"{REPLY_TEMPLATE}:m{message.pk}",
        kind=Kind.EMAIL,
        template_key=REPLY_TEMPLATE,
        language=ticket.language,
        context={
            "ticket_id": ticket.pk,
            "message_pk": message.pk,
            "mailbox_id": mailbox.pk,
            "message_id": _new_message_id(ticket, mailbox),
            "in_reply_to": in_reply_to,
            "references": references,
            # Participants as they were when the agent replied (a retry copies the same).
            "cc": participant_addresses(ticket),
        },
        recipient=ticket.customer,
        address=ticket.customer.email,
    )


def auto_reply_enqueue(*, ticket: Ticket, mailbox: Mailbox, in_reply_to: str) -> None:
    """The acknowledgement of a new email ticket (the caller has checked RFC 3834 rules)."""
    if not mailbox.auto_reply:
        return
    delivery_enqueue(
        **auto_reply_row(
            ticket=ticket,
            mailbox=mailbox,
            in_reply_to=in_reply_to,
            message_id=_new_message_id(ticket, mailbox),
        )
    )


def auto_reply_row(
    *, ticket: Ticket, mailbox: Mailbox, in_reply_to: str, message_id: str
) -> dict[str, Any]:
    """The outbox row (`delivery_enqueue` arguments) of an auto-reply sent as `message_id`."""
    return {
        "dedup_key": f"{AUTO_REPLY_TEMPLATE}:t{ticket.pk}",
        "kind": Kind.EMAIL,
        "template_key": AUTO_REPLY_TEMPLATE,
        "language": ticket.language,
        "context": {
            "ticket_id": ticket.pk,
            "mailbox_id": mailbox.pk,
            "message_id": message_id,
            "in_reply_to": in_reply_to,
            "references": [in_reply_to] if in_reply_to else [],
        },
        "recipient": ticket.customer,
        # To the address the mail came from (the ticket's customer), nothing else.
        "address": ticket.customer.email,
    }


def first_response_due(ticket: Ticket) -> tuple[int, Any] | None:
    """(target minutes, due time) of the ticket's first response, from its SLA."""
    for target in targets_of_ticket(ticket):
        if target.metric == Metric.FIRST_RESPONSE:
            return target.target_minutes, target.due_at
    policy = policy_for(ticket)
    minutes = policy.first_response_minutes if policy is not None else None
    if not minutes or policy is None:
        return None
    _warn, due = deadlines(
        started_at=ticket.created_at,
        target_minutes=minutes,
        warning_share=policy.effective_warning_share(),
        paused_seconds=0,
        schedule=schedule_for_team(ticket.team_id),
    )
    return minutes, due


def _duration(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return translation.ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return translation.ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return translation.ngettext("%(n)d minute", "%(n)d minutes", minutes) % {
        "n": minutes
    }


def _ticket_url(ticket: Ticket) -> str:
    return ticket_url(ticket.reference, staff=False)


def _auto_reply_text(ticket: Ticket) -> tuple[str, str]:
    """Subject and body: the reference and fixed text only, never what the sender wrote."""
    from beacon.tickets.services import missing_fields_message

    subject = _("[%(reference)s] We have received your request") % {
        "reference": ticket.reference
    }
    lines = [
        _(
            "Thank you for contacting us. Your request has been registered as %(reference)s."
        )
        % {"reference": ticket.reference},
    ]
    due = first_response_due(ticket)
    if due is not None:
        minutes, due_at = due
        lines.append(
            _("We aim to answer within %(duration)s (by %(when)s UTC).")
            % {
                "duration": _duration(minutes),
                "when": formats.date_format(
                    timezone.localtime(due_at, UTC), "Y-m-d H:i"
                ),
            }
        )
    if ticket.missing_fields:
        lines.append(missing_fields_message(ticket))
    lines.append(_("Follow your request here: %(url)s") % {"url": _ticket_url(ticket)})
    lines.append(
        _("Keep %(reference)s in the subject when you write to us about this request.")
        % {"reference": ticket.reference}
    )
    return subject, "\n\n".join(lines)


def _reply_text(ticket: Ticket, message: Message, mailbox: Mailbox) -> tuple[str, str]:
    subject = f"Re: {ticket.subject} [{ticket.reference}]"
    parts = [message.body.strip()]
    signature = mailbox.signature(ticket.language).strip()
    if signature:
        parts.append(f"-- \n{signature}")
    parts.append(
        _("Reference %(reference)s · %(url)s")
        % {"reference": ticket.reference, "url": _ticket_url(ticket)}
    )
    return subject, "\n\n".join(parts)


def build_email(delivery: Delivery) -> EmailMessage:
    """The mail of one outbox row, with its threading headers."""
    context = delivery.context
    ticket = Ticket.objects.select_related("customer").get(pk=context["ticket_id"])
    mailbox = Mailbox.objects.get(pk=context["mailbox_id"])
    headers = {"Message-ID": f"<{context['message_id']}>"}
    if context.get("in_reply_to"):
        headers["In-Reply-To"] = f"<{context['in_reply_to']}>"
    if context.get("references"):
        headers["References"] = " ".join(f"<{mid}>" for mid in context["references"])
    cc: list[str] = []
    with translation.override(delivery.language):
        if delivery.template_key == AUTO_REPLY_TEMPLATE:
            subject, body = _auto_reply_text(ticket)
            # RFC 3834: marks the mail automatic, so well-behaved robots do not answer it.
            headers["Auto-Submitted"] = "auto-generated"
            headers["X-Auto-Response-Suppress"] = "All"
        else:
            message = Message.objects.get(pk=context["message_pk"])
            subject, body = _reply_text(ticket, message, mailbox)
            # Only a person's reply copies the participants; an automatic answer goes to its
            # sender alone (RFC 3834), so that no one can make us mail a list of addresses.
            cc = _deliverable(context.get("cc", []), exclude=delivery.address)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=formataddr((mailbox.display_name, mailbox.address)),
        to=[delivery.address],
        cc=cc,
        reply_to=[reply_address(mailbox.address, ticket.reference)],
        headers=headers,
    )


def _deliverable(addresses: list[str], *, exclude: str) -> list[str]:
    """`addresses` without the main recipient and those that bounce."""
    wanted = [a for a in addresses if a.lower() != exclude.lower()]
    bouncing = set(
        BouncedAddress.objects.filter(address__in=wanted).values_list(
            "address", flat=True
        )
    )
    return [a for a in wanted if a not in bouncing]


def send_delivery(delivery: Delivery) -> None:
    """The outbox sender for email-thread rows (registered in apps.py)."""
    if BouncedAddress.objects.filter(address__iexact=delivery.address).exists():
        raise PermanentDeliveryError(f"{delivery.address} is bouncing")
    mail = build_email(delivery)
    try:
        mail.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"mail not accepted: {exc}") from exc
