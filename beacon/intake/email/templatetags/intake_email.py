"""`{% email_sender_flag ticket %}`: the console's warning on tickets from unverified senders."""

from __future__ import annotations

from typing import Any

from django import template

from beacon.intake.email.models import InboundEmail
from beacon.tickets.models import Channel, Ticket

register = template.Library()


@register.inclusion_tag("intake_email/sender_flag.html")
def email_sender_flag(ticket: Ticket) -> dict[str, Any]:
    if ticket.channel != Channel.EMAIL:
        return {"flag": None, "has_email": False, "ticket": ticket}
    first = (
        InboundEmail.objects.select_related("claimed_ticket")
        .filter(ticket=ticket)
        .order_by("id")
        .first()
    )
    flag = first if first is not None and not first.sender_verified else None
    return {"flag": flag, "has_email": first is not None, "ticket": ticket}
