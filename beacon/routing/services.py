"""Routing writes: rules applied at creation, automatic assignment, presence and on-call pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, Team, User
from beacon.audit.services import audit_record
from beacon.core.errors import Invalid, PermissionDenied
from beacon.notifications.services import notify_staff
from beacon.routing import emergency
from beacon.routing.matching import Outcome, TicketFacts, evaluate
from beacon.routing.models import (
    AgentPresence,
    OnCallPage,
    PageStatus,
    PresenceStatus,
    RoutingDecision,
    Strategy,
    TeamRouting,
)
from beacon.routing.queries import active_rules
from beacon.tickets import hooks
from beacon.tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Tag,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

ASSIGNABLE_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN)
SWEEP_LIMIT = 200
_NEVER = datetime.min.replace(tzinfo=UTC)


# --- routing at creation ---------------------------------------------------------------------


def ticket_facts(ticket: Ticket) -> TicketFacts:
    """What the rules see of a ticket (intent and urgency once triage stores them on it)."""
    urgency = getattr(ticket, "urgency", None)
    return TicketFacts(
        subject=ticket.subject,
        description=ticket.description,
        category_id=ticket.category_id,
        category_is_security=ticket.category.is_security,
        channel=ticket.channel,
        language=ticket.language,
        vip_tier=ticket.customer.vip_tier,
        kyc_level=ticket.customer.kyc_level,
        intent=str(getattr(ticket, "intent", "") or ""),
        urgency=urgency if isinstance(urgency, int) else None,
    )


def routing_result(
    outcome: Outcome, *, team_id: int | None, priority: int
) -> tuple[int | None, int, list[str]]:
    """Team, priority and tags after the rules (and the emergency override) ran over a ticket
    that would otherwise get `team_id` and `priority` (its category's defaults)."""
    if outcome.team_id is not None:
        team_id = outcome.team_id
    if outcome.priority is not None:
        priority = outcome.priority
    tags = list(outcome.tags)
    if outcome.is_emergency:
        security = emergency.security_team()
        if security is not None:
            team_id = security.pk
        priority = Priority.P1
        tags.append(emergency.EMERGENCY_TAG)
    return team_id, priority, tags


def _event(ticket: Ticket, field: str, old: object, new: object) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        kind=EventKind.CHANGED,
        field=field,
        old_value=str(old or "")[:255],
        new_value=str(new or "")[:255],
        public=False,
    )


def routing_apply(ticket: Ticket) -> Outcome:
    """Run the routing rules over a ticket just inserted, inside its create transaction.

    Sets team, priority and tags (recorded as system events), remembers the SLA policy, and for a
    security emergency makes it P1 for Account Security, tells the customer how to protect the
    account and writes a page for the on-call agent (delivered right after commit).
    """
    outcome = evaluate(active_rules(), ticket_facts(ticket))
    team_id, priority, tags = routing_result(
        outcome, team_id=ticket.team_id, priority=ticket.priority
    )
    if not outcome.matched and not outcome.is_emergency:
        return outcome

    reason = ", ".join(rule.name for rule in outcome.matched)
    _event(ticket, "routing", "", f"routing rule {reason}" if reason else "")
    changed: dict[str, object] = {}
    if team_id != ticket.team_id:
        new_team = Team.objects.get(pk=team_id) if team_id is not None else None
        _event(ticket, "team", ticket.team, new_team)
        changed["team"] = team_id
        ticket.team = new_team
    if priority != ticket.priority:
        _event(ticket, "priority", f"P{ticket.priority}", f"P{priority}")
        changed["priority"] = priority
        ticket.priority = priority
    if changed:
        ticket.save(update_fields=[*changed, "updated_at"])
    new_tags = _add_tags(ticket, tags)
    if new_tags:
        changed["tags"] = new_tags
    RoutingDecision.objects.create(
        ticket=ticket,
        rule_names=[rule.name for rule in outcome.matched],
        sla_policy_id=outcome.sla_policy_id,
        is_emergency=outcome.is_emergency,
    )
    page = _emergency_response(ticket) if outcome.is_emergency else None
    audit_record(
        actor=None,
        action="routing.apply",
        target_type="ticket",
        target_id=ticket.reference,
        data={
            "rules": [rule.pk for rule in outcome.matched],
            "changes": changed,
            "sla_policy": outcome.sla_policy_id,
            "emergency": outcome.is_emergency,
            "page": page.pk if page is not None else None,
        },
    )
    return outcome


def _add_tags(ticket: Ticket, names: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(name.lower() for name in names))
    if not wanted:
        return []
    have = set(ticket.tags.values_list("name", flat=True))
    missing = [name for name in wanted if name not in have]
    if not missing:
        return []
    ticket.tags.add(*(Tag.objects.get_or_create(name=name)[0] for name in missing))
    _event(
        ticket, "tags", ", ".join(sorted(have)), ", ".join(sorted(have | set(missing)))
    )
    return missing


def _emergency_response(ticket: Ticket) -> OnCallPage:
    """Self-protection steps to the customer now, and a durable page for the on-call agent."""
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.SYSTEM,
        body=emergency.self_protection_steps(ticket.language),
        channel=ticket.channel,
    )
    hooks.after_commit("message_added", message.pk)
    team = ticket.team
    page = OnCallPage.objects.create(
        ticket=ticket,
        team=team,
        user=emergency.on_call_for(team, timezone.now()) if team is not None else None,
    )

    def deliver() -> None:
        from beacon.routing.tasks import (
            page_deliver_task,
        )  # Late: tasks import this module.

        page_deliver_task(page.pk)

    transaction.on_commit(deliver, robust=True)
    return page


def emergency_respond(*, ticket: Ticket) -> OnCallPage:
    """The security-emergency response (steps to the customer, a page for the on-call agent) for
    a ticket found to be one after creation, by triage; call it inside a transaction, after the
    ticket was moved to its security team."""
    RoutingDecision.objects.update_or_create(
        ticket=ticket, defaults={"is_emergency": True}
    )
    return _emergency_response(ticket)


# --- on-call pages ---------------------------------------------------------------------------


def page_deliver(*, page_id: int) -> OnCallPage | None:
    """Deliver one pending page exactly once (the row lock makes concurrent workers agree)."""
    with transaction.atomic():
        page = (
            # of=self: PostgreSQL cannot lock the nullable side of the outer joins.
            OnCallPage.objects.select_for_update(of=("self",))
            .select_related("ticket", "user", "team")
            .filter(pk=page_id, status=PageStatus.PENDING)
            .first()
        )
        if page is None:
            return None
        page.attempts += 1
        now = timezone.now()
        if page.user is None:
            page.status = PageStatus.FAILED
            page.last_error = "Nobody is on call and the team has no lead."
            action = "oncall.unstaffed"
            logger.error("Security emergency %s: nobody to page", page.ticket.reference)
        else:
            # The outbox row commits with the page's status: the in-app bell and the email go
            # out at least once, and the dedup key keeps a retried page from sending twice.
            notify_staff(
                user=page.user,
                template_key="staff_security_emergency",
                context={},
                dedup_key=f"oncall-page:{page.pk}",
                ticket=page.ticket,
            )
            page.status = PageStatus.SENT
            page.sent_at = now
            action = "oncall.page"
        page.save(update_fields=["status", "attempts", "last_error", "sent_at"])
        audit_record(
            actor=None,
            action=action,
            target_type="ticket",
            target_id=page.ticket.reference,
            data={
                "page": page.pk,
                "user": page.user_id,
                "team": page.team_id,
                "priority": "high",
            },
        )
    return page


def pages_retry_due(*, limit: int = 100) -> int:
    """Deliver pages still pending (a worker died, or the broker was down at commit)."""
    due = list(
        OnCallPage.objects.filter(
            status=PageStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for page_id in due if page_deliver(page_id=page_id) is not None)


def page_acknowledge(*, page_id: int, user: User) -> OnCallPage:
    """The paged agent confirms they are on it."""
    with transaction.atomic():
        page = (
            OnCallPage.objects.select_for_update().filter(pk=page_id, user=user).first()
        )
        if page is None:
            raise PermissionDenied
        if page.acknowledged_at is None:
            page.acknowledged_at = timezone.now()
            page.save(update_fields=["acknowledged_at"])
            audit_record(
                actor=user,
                action="oncall.acknowledge",
                target_type="oncallpage",
                target_id=page.pk,
            )
    return page


# --- presence --------------------------------------------------------------------------------


def presence_set(
    *, user: User, status: str, capacity: int | None = None
) -> AgentPresence:
    """Set an agent's presence; coming online picks up the oldest unassigned work of their teams."""
    if user.role not in ASSIGNABLE_ROLES or not user.is_active:
        raise PermissionDenied
    if status not in PresenceStatus.values:
        raise Invalid(fields={"status": [_("Unknown status.")]})
    if capacity is not None and not 0 <= capacity <= 500:
        raise Invalid(fields={"capacity": [_("Enter a number from 0 to 500.")]})
    with transaction.atomic():
        presence, _created = AgentPresence.objects.select_for_update().get_or_create(
            user=user
        )
        came_online = status == PresenceStatus.ONLINE and presence.status != status
        more_room = (
            status == PresenceStatus.ONLINE
            and capacity is not None
            and capacity > presence.capacity
        )
        old = presence.status
        presence.status = status
        if capacity is not None:
            presence.capacity = capacity
        presence.last_seen = timezone.now()
        presence.save()
        if old != status:
            audit_record(
                actor=user,
                action="presence.change",
                target_type="user",
                target_id=user.pk,
                data={"from": old, "to": status},
            )
        if came_online:

            def pickup() -> None:
                from beacon.routing.tasks import (
                    pickup_task,
                )  # Late: tasks import this module.

                pickup_task(user.pk)

            transaction.on_commit(pickup, robust=True)
        if came_online or more_room:

            def chats() -> None:
                # At once, not through the job queue: a customer is waiting on the socket.
                # Late import: chat imports routing.
                from beacon.chat.services import chat_agent_available

                chat_agent_available(agent_id=user.pk)

            transaction.on_commit(chats, robust=True)
    return presence


# --- assignment ------------------------------------------------------------------------------


def _load(user_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=ACTIVE_STATUSES)
        .values("assignee_id")
        .annotate(active=Count("id"))
        .values_list("assignee_id", "active")
    )
    return dict(rows)


def _pick(routing: TeamRouting, ticket: Ticket) -> tuple[User, AgentPresence] | None:
    members = list(
        User.objects.filter(
            memberships__team_id=routing.team_id,
            is_active=True,
            role__in=ASSIGNABLE_ROLES,
        ).order_by("pk")
    )
    # Locking the presence rows (in one global order) makes two workers assigning at once
    # queue up, so the second one counts the first one's assignment against capacity.
    presences = {
        presence.user_id: presence
        for presence in AgentPresence.objects.select_for_update()
        .filter(user_id__in=[m.pk for m in members], status=PresenceStatus.ONLINE)
        .order_by("pk")
    }
    load = _load(list(presences))
    eligible = [
        m
        for m in members
        if m.pk in presences and load.get(m.pk, 0) < presences[m.pk].capacity
    ]

    def least_loaded(user: User) -> tuple[int, datetime, int]:
        return (
            load.get(user.pk, 0),
            presences[user.pk].last_assigned_at or _NEVER,
            user.pk,
        )

    def oldest_turn(user: User) -> tuple[datetime, int]:
        return (presences[user.pk].last_assigned_at or _NEVER, user.pk)

    chosen: User | None = None
    if routing.strategy == Strategy.LANGUAGE_SKILL:
        skilled = [m for m in eligible if ticket.language in (m.skills_languages or [])]
        anyone_speaks = any(
            ticket.language in (m.skills_languages or []) for m in members
        )
        # Wait for a member who speaks the language; only a team without any takes it as it is.
        pool = skilled if anyone_speaks else eligible
        chosen = min(pool, key=least_loaded, default=None)
    elif routing.strategy == Strategy.LEAST_LOADED:
        chosen = min(eligible, key=least_loaded, default=None)
    else:
        chosen = min(eligible, key=oldest_turn, default=None)
    return (chosen, presences[chosen.pk]) if chosen is not None else None


def ticket_auto_assign(*, ticket_id: int) -> User | None:
    """Give an unassigned active ticket to an online member of its team with spare capacity,
    chosen by the team's strategy. Does nothing for teams without automatic assignment."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .filter(
                pk=ticket_id,
                assignee__isnull=True,
                team__isnull=False,
                merged_into__isnull=True,
                status__in=ACTIVE_STATUSES,
            )
            .first()
        )
        if ticket is None or ticket.team_id is None:
            return None
        routing = (
            TeamRouting.objects.select_for_update()
            .filter(team_id=ticket.team_id, auto_assign=True, team__is_active=True)
            .first()
        )
        if routing is None:
            return None
        picked = _pick(routing, ticket)
        if picked is None:
            return None
        agent, presence = picked
        # Local import: tickets.services imports this module (routing_apply runs inside create).
        from beacon.tickets.services import ticket_system_update

        presence.last_assigned_at = timezone.now()
        presence.save(update_fields=["last_assigned_at"])
        # Through the ticket service, so history, notices and webhooks see it like any change.
        ticket_system_update(
            ticket=ticket,
            changes={"assignee": agent},
            reason=f"auto_assign:{routing.strategy}",
            action="ticket.auto_assign",
        )
    return agent


def unassigned_sweep(
    *, team_ids: Iterable[int] | None = None, limit: int = SWEEP_LIMIT
) -> int:
    """Assign the oldest unassigned active tickets of auto-assigning teams; returns how many."""
    teams = TeamRouting.objects.filter(auto_assign=True, team__is_active=True)
    if team_ids is not None:
        teams = teams.filter(team_id__in=list(team_ids))
    routings = {routing.team_id: routing for routing in teams}
    if not routings:
        return 0
    candidates = (
        Ticket.objects.filter(
            team_id__in=list(routings),
            assignee__isnull=True,
            merged_into__isnull=True,
            status__in=ACTIVE_STATUSES,
        )
        .order_by("created_at", "id")
        .values_list("pk", "team_id")[:limit]
    )
    full: set[int] = set()
    assigned = 0
    for ticket_id, team_id in candidates:
        if team_id in full:
            continue
        if ticket_auto_assign(ticket_id=ticket_id) is not None:
            assigned += 1
        elif routings[team_id].strategy != Strategy.LANGUAGE_SKILL:
            # Nobody could take it, so nobody can take a later ticket of this team either.
            full.add(team_id)
    return assigned


def agent_pickup(*, user_id: int) -> int:
    """An agent came online: hand out the unassigned work of their teams (capacity permitting)."""
    team_ids = list(
        Team.objects.filter(memberships__user_id=user_id).values_list("pk", flat=True)
    )
    return unassigned_sweep(team_ids=team_ids)


def chosen_sla_policy_id(ticket: Ticket) -> int | None:
    """The SLA policy a routing rule chose for this ticket, if any (read by the SLA engine)."""
    return (
        RoutingDecision.objects.filter(ticket=ticket)
        .values_list("sla_policy_id", flat=True)
        .first()
    )
