"""Routing reads: the rules in order, presence and pages for the console."""

from __future__ import annotations

from beacon.accounts.models import Role, User
from beacon.core import configcache
from beacon.routing.models import AgentPresence, OnCallPage, PageStatus, RoutingRule
from beacon.tickets.models import ACTIVE_STATUSES, Ticket

DRY_RUN_ROLES = frozenset({Role.LEAD, Role.ADMIN})


def active_rules() -> list[RoutingRule]:
    """Active rules in evaluation order, with their categories: from the configuration cache
    (beacon/core/configcache.py), loaded again whenever a rule changes. Read-only: the objects
    are shared by the process's threads."""
    return configcache.get("routing:active_rules", _load_active_rules)


def _load_active_rules() -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(is_active=True)
        .prefetch_related("categories")
        .order_by("position", "id")
    )


def rules_for_dry_run(*, user: User) -> list[RoutingRule]:
    """Every rule (inactive ones too, so the page shows the whole list) for leads and admins."""
    if user.role not in DRY_RUN_ROLES:
        return []
    return list(
        RoutingRule.objects.select_related("set_team", "sla_policy")
        .prefetch_related("categories")
        .order_by("position", "id")
    )


def presence_for(*, user: User) -> AgentPresence:
    """The agent's presence; an agent never set is offline (not saved until they change it)."""
    found = AgentPresence.objects.filter(user=user).first()
    return found if found is not None else AgentPresence(user=user)


def open_pages_for(*, user: User) -> int:
    """Pages sent to the agent that they have not acknowledged yet."""
    return OnCallPage.objects.filter(
        user=user, status=PageStatus.SENT, acknowledged_at__isnull=True
    ).count()


def ticket_needs_assignment(*, ticket_id: int) -> bool:
    """Unassigned, active, in a team that assigns automatically (cheap check before enqueuing)."""
    return Ticket.objects.filter(
        pk=ticket_id,
        assignee__isnull=True,
        merged_into__isnull=True,
        status__in=ACTIVE_STATUSES,
        team__routing__auto_assign=True,
    ).exists()
