"""Triage reads on someone's behalf: results of a ticket they can see, incidents for leads."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from beacon.accounts.models import Role, User
from beacon.core.errors import NotFound
from beacon.tickets.models import Ticket
from beacon.triage.models import Incident, IncidentStatus, TriageResult

RESULTS_SHOWN = 4
INCIDENT_ROLES = (Role.LEAD, Role.ADMIN, Role.AUDITOR)
DECIDED_SHOWN = 20


def results_for_ticket(*, ticket: Ticket) -> list[TriageResult]:
    """The opening request's result first, then the newest replies' (the caller checked access)."""
    rows = list(
        TriageResult.objects.filter(ticket=ticket)
        .select_related("intent_model", "sentiment_model", "message")
        .order_by("-created_at", "-id")
    )
    opening = [row for row in rows if row.message_id is None]
    replies = [row for row in rows if row.message_id is not None]
    return (opening + replies)[:RESULTS_SHOWN]


def result_get_for_ticket(*, ticket: Ticket, result_id: int) -> TriageResult:
    result = (
        TriageResult.objects.select_related("ticket", "message")
        .filter(pk=result_id, ticket=ticket)
        .first()
    )
    if result is None:
        raise NotFound
    return result


def can_see_incidents(user: User) -> bool:
    return user.is_active and user.role in INCIDENT_ROLES


def incidents_for_user(*, user: User) -> tuple[list[Incident], list[Incident]]:
    """(proposals waiting for a decision, recently decided ones) for leads, admins and auditors."""
    if not can_see_incidents(user):
        raise NotFound
    base: QuerySet[Incident] = Incident.objects.select_related(
        "team", "decided_by"
    ).annotate(size=Count("tickets"))
    proposed = list(base.filter(status=IncidentStatus.PROPOSED).order_by("-last_seen"))
    decided = list(
        base.exclude(status=IncidentStatus.PROPOSED).order_by("-decided_at")[
            :DECIDED_SHOWN
        ]
    )
    return proposed, decided


def incident_get_for_user(*, user: User, incident_id: int) -> Incident:
    if not can_see_incidents(user):
        raise NotFound
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound
    return incident


def incident_tickets(incident: Incident, *, limit: int = 10) -> list[Ticket]:
    return list(incident.tickets.order_by("-created_at")[:limit])
