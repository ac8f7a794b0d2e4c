"""The leads' daily digest: where each of their teams stands, delivered through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from beacon.accounts.models import Membership
from beacon.notifications.services import notify_staff
from beacon.sla.models import SlaTarget
from beacon.tickets.models import ACTIVE_STATUSES, Status, Ticket

SOON = timedelta(hours=4)


def team_digest_counts(team_id: int, now: datetime) -> dict[str, int]:
    """Open, unassigned and pending tickets of a team, and its SLA targets breached or due soon."""
    tickets = Ticket.objects.filter(
        team_id=team_id, status__in=ACTIVE_STATUSES
    ).aggregate(
        open=Count("pk"),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        pending=Count("pk", filter=Q(status=Status.PENDING_CUSTOMER)),
    )
    running = SlaTarget.objects.filter(
        ticket__team_id=team_id,
        ticket__status__in=ACTIVE_STATUSES,
        fulfilled_at__isnull=True,
        paused_since__isnull=True,
    )
    return {
        **tickets,
        "breached": running.filter(due_at__lte=now).count(),
        "due_soon": running.filter(due_at__gt=now, due_at__lte=now + SOON).count(),
    }


def digests_send(*, now: datetime | None = None) -> int:
    """Queue one digest per lead and team for today; running twice the same day queues nothing new."""
    now = now or timezone.now()
    queued = 0
    leads = Membership.objects.filter(
        is_lead=True, user__is_active=True, team__is_active=True
    ).select_related("user", "team")
    for membership in leads:
        counts = team_digest_counts(membership.team_id, now)
        notify_staff(
            user=membership.user,
            template_key="staff_daily_digest",
            context={"team": str(membership.team), **counts},
            dedup_key=f"digest:{now.date().isoformat()}:{membership.team_id}:{membership.user_id}",
        )
        queued += 1
    return queued
