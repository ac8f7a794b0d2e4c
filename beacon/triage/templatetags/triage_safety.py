"""Console display of triage safety: `{{ text|pii:user }}` and `{% ticket_entities ticket %}`."""

from __future__ import annotations

from typing import Any

from django import template

from beacon.accounts.models import User
from beacon.tickets.models import MessageKind, Ticket
from beacon.triage.entities import Entity, extract_entities
from beacon.triage.pii import PII_KINDS, mask_entity, pii_for, sees_pii

register = template.Library()


@register.filter
def pii(text: str, user: User | None) -> str:
    """Personal data partially masked unless `user` may see it (beacon/triage/pii.py)."""
    return pii_for(user, str(text or ""))


def ticket_entities_list(ticket: Ticket) -> list[Entity]:
    """Entities of the ticket's subject, description, fields and conversation, each value once."""
    texts = [ticket.subject, ticket.description, *map(str, ticket.fields.values())]
    texts += ticket.messages.exclude(kind=MessageKind.SYSTEM).values_list(
        "body", flat=True
    )
    seen: dict[tuple[str, str], Entity] = {}
    for text in texts:
        for entity in extract_entities(text):
            key = (entity.kind, entity.value)
            if key not in seen:
                seen[key] = entity
    return list(seen.values())


@register.inclusion_tag("triage/_entities.html", takes_context=True)
def ticket_entities(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    """The structured fields found in a ticket, with explorer links, for the console."""
    user = context.get("user")
    viewer = user if isinstance(user, User) else None
    full = sees_pii(viewer)
    rows = []
    for entity in ticket_entities_list(ticket):
        shown = entity.value
        if entity.kind in PII_KINDS and not full:
            shown = mask_entity(entity)
        rows.append(
            {
                "kind": entity.kind,
                "value": shown,
                "network": entity.network,
                "networks": entity.networks,
                "currency": entity.currency,
                "url": entity.url,
            }
        )
    return {"entities": rows}
