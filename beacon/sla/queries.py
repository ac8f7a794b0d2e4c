"""SLA reads: which calendar a team follows, which policy a ticket gets, targets a user may see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet

from beacon.accounts.models import User
from beacon.core.prepared import PreparedQuery
from beacon.sla.clock import TWENTY_FOUR_SEVEN, Schedule
from beacon.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, TeamCalendar
from beacon.tickets.models import ACTIVE_STATUSES, Ticket
from beacon.tickets.queries import tickets_visible_to

# The "breaching soon" page lists at most this many targets (the most urgent first).
BREACHING_LIMIT = 200


def schedule_for_team(team_id: int | None) -> Schedule:
    """The team's calendar, else the default calendar, else 24/7 in UTC."""
    calendar: BusinessCalendar | None = None
    if team_id is not None:
        link = (
            TeamCalendar.objects.select_related("calendar")
            .prefetch_related("calendar__holidays")
            .filter(team_id=team_id)
            .first()
        )
        calendar = link.calendar if link is not None else None
    if calendar is None:
        calendar = (
            BusinessCalendar.objects.prefetch_related("holidays")
            .filter(is_default=True)
            .first()
        )
    return calendar.schedule() if calendar is not None else TWENTY_FOUR_SEVEN


def policy_for(
    ticket: Ticket, policies: Iterable[SlaPolicy] | None = None
) -> SlaPolicy | None:
    """The first active policy (by position) whose priority, VIP tier and category all match."""
    if policies is None:
        policies = SlaPolicy.objects.filter(is_active=True).order_by("position", "id")
    vip_tier = ticket.customer.vip_tier
    for policy in policies:
        if policy.priority is not None and policy.priority != ticket.priority:
            continue
        if policy.vip_tier_min is not None and vip_tier < policy.vip_tier_min:
            continue
        if policy.category_id is not None and policy.category_id != ticket.category_id:
            continue
        return policy
    return None


def targets_breaching_for_user(
    *, user: User, within: timedelta, now: datetime
) -> QuerySet[SlaTarget]:
    """Running targets of tickets `user` may see that are due before `now + within` (overdue included)."""
    return (
        SlaTarget.objects.filter(
            ticket__in=tickets_visible_to(user).filter(status__in=ACTIVE_STATUSES),
            fulfilled_at__isnull=True,
            paused_since__isnull=True,
            due_at__lte=now + within,
        )
        .select_related("ticket", "ticket__team", "ticket__assignee")
        .order_by("due_at", "id")[:BREACHING_LIMIT]
    )


def targets_of_ticket(ticket: Ticket) -> list[SlaTarget]:
    """A ticket's unfulfilled targets (running or paused), the soonest first."""
    return list(
        SlaTarget.objects.filter(ticket=ticket, fulfilled_at__isnull=True).order_by(
            "due_at", "id"
        )
    )


def next_target_by_ticket(ticket_ids: list[int]) -> dict[int, SlaTarget]:
    """For a page of tickets (already access-checked by the caller), each one's soonest unfulfilled
    target: one query, for the console list's "time left" column."""
    soonest: dict[int, SlaTarget] = {}
    for target in _OPEN_TARGETS.all(ids=ticket_ids):
        soonest.setdefault(target.ticket_id, target)
    return soonest


_OPEN_TARGETS = PreparedQuery(
    lambda ids: SlaTarget.objects.filter(
        ticket_id__in=ids, fulfilled_at__isnull=True
    ).order_by("due_at", "id"),
    ids=list,
)
