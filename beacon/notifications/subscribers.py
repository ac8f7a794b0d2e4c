"""Ticket hooks -> outbox rows, inside the ticket service's transaction (tickets/hooks.py).

Customer progress notices are decided from the ticket's state and its latest history event, and
keyed by that event, so running a subscriber twice for one change queues one notice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from beacon.accounts.models import User
from beacon.core.prepared import PreparedQuery
from beacon.notifications.models import NotificationPreference
from beacon.notifications.services import (
    active_endpoints,
    customer_notice_rows,
    delivery_enqueue_many,
    notify_customer,
    notify_staff,
    webhook_event,
    webhook_rows,
)
from beacon.sla import events as sla_events
from beacon.sla.events import SlaAlert
from beacon.tickets import hooks
from beacon.tickets.models import EventKind, Message, MessageKind, Status, Ticket

# Only a status change this recent is announced (guards against announcing old history).
RECENT = timedelta(minutes=10)
STATUS_NOTICES = {
    Status.PENDING_CUSTOMER: "customer_waiting",
    Status.SOLVED: "customer_solved",
}


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """What webhooks receive about a ticket: its state, never the conversation."""
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category.slug,
        "team": ticket.team.slug if ticket.team else None,
        "assignee_id": ticket.assignee_id,
        "channel": ticket.channel,
        "language": ticket.language,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
    }


def _ticket(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("customer", "category", "team").get(
        pk=ticket_id
    )


def _progress_notices(ticket: Ticket) -> None:
    template = STATUS_NOTICES.get(Status(ticket.status))
    if template is not None:
        latest = (
            ticket.events.filter(
                field="status",
                kind__in=(EventKind.CHANGED, EventKind.REOPENED),
                new_value=ticket.status,
                created_at__gte=timezone.now() - RECENT,
            )
            .order_by("-id")
            .first()
        )
        if latest is not None:
            notify_customer(
                ticket=ticket, template_key=template, marker=f"e{latest.pk}"
            )
    elif ticket.assignee_id and ticket.status in (Status.NEW, Status.OPEN):
        # Once per assignee: a second specialist taking over is news, a re-save is not.
        notify_customer(
            ticket=ticket,
            template_key="customer_assigned",
            marker=f"a{ticket.assignee_id}",
        )


def on_ticket_created(ticket_id: int) -> None:
    # The batch version's few statements are cheaper than notify_customer's get_or_create per
    # row, for one ticket too.
    on_tickets_created([ticket_id])


def on_tickets_created(ticket_ids: list[int]) -> None:
    """on_ticket_created for a batch (bulk intake): the same rows, a few queries in all."""
    on_tickets_created_objects(
        list(
            Ticket.objects.select_related("customer", "category", "team")
            .filter(pk__in=ticket_ids)
            .order_by("id")
        )
    )


_PREFERENCE = PreparedQuery(
    lambda user_id: NotificationPreference.objects.filter(user_id=user_id),
    user_id=int,
)


def on_tickets_created_objects(tickets: list[Ticket]) -> None:
    """on_tickets_created for tickets the service has in memory (customer, category and team
    loaded): nothing is read back."""
    # One prepared lookup per customer: a batch of API creates has one or a few customers, and
    # a compiled-once statement costs a tenth of building the `user__in` query.
    preferences = {
        customer_id: preference
        for customer_id in {ticket.customer_id for ticket in tickets}
        if (preference := _PREFERENCE.first(user_id=customer_id)) is not None
    }
    endpoints = active_endpoints()
    rows = []
    for ticket in tickets:
        rows += customer_notice_rows(
            ticket=ticket,
            template_key="customer_received",
            marker="created",
            preference=preferences.get(ticket.customer_id)
            or NotificationPreference(user=ticket.customer),
        )
        rows += webhook_rows(
            event="ticket.created",
            data=ticket_payload(ticket),
            marker=f"t{ticket.pk}",
            endpoints=endpoints,
        )
    delivery_enqueue_many(rows, fresh=True)


def on_ticket_updated(ticket_id: int) -> None:
    ticket = _ticket(ticket_id)
    _progress_notices(ticket)
    latest_event = ticket.events.order_by("-id").values_list("pk", flat=True).first()
    webhook_event(
        event="ticket.updated",
        data=ticket_payload(ticket),
        marker=f"t{ticket.pk}:e{latest_event}",
    )


def on_message_added(message_id: int) -> None:
    message = Message.objects.only("pk", "ticket_id", "kind", "from_customer").get(
        pk=message_id
    )
    ticket = _ticket(message.ticket_id)
    _progress_notices(ticket)
    if message.kind == MessageKind.NOTE:
        return  # Internal notes stay inside the desk.
    webhook_event(
        event="ticket.message_added",
        data={
            **ticket_payload(ticket),
            "message": {
                "id": message.pk,
                "kind": message.kind,
                "from_customer": message.from_customer,
            },
        },
        marker=f"m{message.pk}",
    )


def on_ticket_merged(ticket_id: int) -> None:
    source = _ticket(ticket_id)
    data = ticket_payload(source)
    data["merged_into"] = source.merged_into.reference if source.merged_into else None
    webhook_event(event="ticket.merged", data=data, marker=f"t{source.pk}")


def on_sla_alert(alert: SlaAlert) -> None:
    """Tell the team's leads, once per target and alert kind (runs inside the escalation's transaction)."""
    template = (
        "staff_sla_warning" if alert["kind"] == "sla_warning" else "staff_sla_breach"
    )
    ticket = _ticket(alert["ticket_id"])
    for lead in User.objects.filter(pk__in=alert["lead_ids"], is_active=True):
        notify_staff(
            user=lead,
            template_key=template,
            context={"target": alert["metric"], "due_at": alert["due_at"]},
            dedup_key=f"{alert['kind']}:{alert['target_id']}:{lead.pk}",
            ticket=ticket,
        )


def connect() -> None:
    sla_events.subscribe("sla_warning", on_sla_alert)
    sla_events.subscribe("sla_breached", on_sla_alert)
    hooks.subscribe_in_transaction_batch(
        "ticket_created",
        on_ticket_created,
        on_tickets_created,
        on_tickets_created_objects,
    )
    hooks.subscribe_in_transaction("ticket_updated", on_ticket_updated)
    hooks.subscribe_in_transaction("message_added", on_message_added)
    hooks.subscribe_in_transaction("ticket_merged", on_ticket_merged)
