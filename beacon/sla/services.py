"""SLA state changes: starting, fulfilling, pausing and resuming targets, and the periodic check.

Targets follow the ticket through the ticket hooks (after commit). Each handler looks at the
ticket as it now is and brings its targets in line (`sla_sync`), so running one twice, late, or
in another process changes nothing more.

Deadlines are always derived from stored columns: `due_at = started_at + (target + paused)
business time` in the team's calendar, so a restarted process computes exactly the same instants.

Escalations are written here, not through tickets.services.ticket_update, because that function
needs a human actor (it checks the actor's role). The change is made the same way it would make
it: in one transaction with the ticket row locked, a TicketEvent (actor empty = system), an audit
record, and the "ticket_updated" hook after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.db import transaction
from django.db.models import DateTimeField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.accounts.models import Membership, User
from beacon.audit.services import audit_record
from beacon.sla import events
from beacon.sla.clock import Schedule, add_business_time, business_time_between
from beacon.sla.models import Metric, SlaPolicy, SlaTarget
from beacon.sla.queries import policy_for, schedule_for_team
from beacon.tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from beacon.tickets.services import ticket_system_update

logger = logging.getLogger(__name__)

PAUSED_STATUSES = frozenset({Status.PENDING_CUSTOMER, Status.ON_HOLD})
# How many due targets one sla_check run handles; the rest wait a minute (most urgent first).
CHECK_BATCH = 500


def deadlines(
    *,
    started_at: datetime,
    target_minutes: int,
    warning_share: float,
    paused_seconds: int,
    schedule: Schedule,
) -> tuple[datetime, datetime]:
    """(warn_at, due_at) of a target: its start plus the target (or its warning share) plus the
    business time spent paused, in the calendar's business time."""
    paused = timedelta(seconds=paused_seconds)
    target = timedelta(minutes=target_minutes)
    warn_at = add_business_time(started_at, target * warning_share + paused, schedule)
    due_at = add_business_time(started_at, target + paused, schedule)
    return warn_at, due_at


def _new_target(
    ticket: Ticket,
    policy: SlaPolicy,
    metric: Metric,
    started_at: datetime,
    schedule: Schedule,
) -> SlaTarget | None:
    minutes = policy.minutes_for(metric)
    if not minutes:
        return None
    warn_at, due_at = deadlines(
        started_at=started_at,
        target_minutes=minutes,
        warning_share=policy.effective_warning_share(),
        paused_seconds=0,
        schedule=schedule,
    )
    return SlaTarget.objects.create(
        ticket=ticket,
        metric=metric,
        policy=policy,
        target_minutes=minutes,
        started_at=started_at,
        warn_at=warn_at,
        due_at=due_at,
    )


def _lock(ticket_id: int) -> Ticket | None:
    # Locking the ticket row serialises every SLA change of one ticket (hooks in two processes).
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=ticket_id)
        .first()
    )


PolicyChooser = Callable[[Ticket], int | None]
_policy_choosers: list[PolicyChooser] = []


def register_policy_chooser(chooser: PolicyChooser) -> None:
    """Let another app pick a ticket's policy (e.g. a routing rule's "SLA policy" action).

    `chooser(ticket)` returns a policy id or None; the first id naming an active policy wins,
    otherwise the policies' own matching applies. Register once, in an AppConfig.ready()."""
    if chooser not in _policy_choosers:
        _policy_choosers.append(chooser)


def unregister_policy_chooser(chooser: PolicyChooser) -> None:
    if chooser in _policy_choosers:
        _policy_choosers.remove(chooser)


def _choose_policy(ticket: Ticket) -> SlaPolicy | None:
    for chooser in list(_policy_choosers):
        policy_id = chooser(ticket)
        if policy_id is not None:
            chosen = SlaPolicy.objects.filter(pk=policy_id, is_active=True).first()
            if chosen is not None:
                return chosen
    return policy_for(ticket)


def _start_locked(
    ticket: Ticket, policy: SlaPolicy, now: datetime, schedule: Schedule
) -> list[SlaTarget]:
    targets = [
        target
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
        if (target := _new_target(ticket, policy, metric, ticket.created_at, schedule))
        is not None
    ]
    _sync_locked(ticket, now, schedule)
    return targets


def sla_start(*, ticket: Ticket, now: datetime | None = None) -> list[SlaTarget]:
    """Pick the ticket's policy and start its first-response and resolution targets (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket.pk)
        if locked is None or SlaTarget.objects.filter(ticket=locked).exists():
            return []
        policy = _choose_policy(locked)
        if policy is None:
            return []
        return _start_locked(locked, policy, now, schedule_for_team(locked.team_id))


def sla_policy_set(
    *, ticket: Ticket, policy: SlaPolicy, now: datetime | None = None
) -> None:
    """Put the ticket under `policy`: its open targets take the policy's minutes, still counted
    from their own start (warnings and escalations already done stay done); a ticket without
    targets starts them. A metric the policy does not track is dropped unless already breached."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket.pk)
        if locked is None:
            return
        schedule = schedule_for_team(locked.team_id)
        if not SlaTarget.objects.filter(ticket=locked).exists():
            _start_locked(locked, policy, now, schedule)
            return
        for target in SlaTarget.objects.filter(
            ticket=locked, fulfilled_at__isnull=True
        ):
            minutes = policy.minutes_for(target.metric)
            if not minutes:
                if target.breached_at is None:
                    target.delete()
                continue
            target.policy = policy
            target.target_minutes = minutes
            target.warn_at, target.due_at = deadlines(
                started_at=target.started_at,
                target_minutes=minutes,
                warning_share=policy.effective_warning_share(),
                paused_seconds=target.paused_seconds,
                schedule=schedule,
            )
            target.save(update_fields=["policy", "target_minutes", "warn_at", "due_at"])


def sla_message(*, message: Message, now: datetime | None = None) -> None:
    """An agent's public reply fulfils the response targets; a customer's reply starts next response."""
    at = now or message.created_at
    with transaction.atomic():
        ticket = _lock(message.ticket_id)
        if ticket is None:
            return
        author = message.author
        schedule = schedule_for_team(ticket.team_id)
        running = SlaTarget.objects.filter(
            ticket=ticket, fulfilled_at__isnull=True
        ).select_related("policy")
        if (
            message.kind == MessageKind.REPLY
            and not message.from_customer
            and author is not None
            and author.is_support_staff
        ):
            # A reply answers only what was asked before it (hooks may arrive late or twice).
            for target in running.filter(
                metric__in=(Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE),
                started_at__lte=at,
            ):
                _fulfil(target, at, schedule)
        elif message.from_customer and message.kind == MessageKind.REPLY:
            awaiting_answer = running.filter(
                metric__in=(Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)
            ).exists()
            latest = (
                SlaTarget.objects.filter(ticket=ticket)
                .select_related("policy")
                .order_by("-started_at", "-id")
                .first()
            )
            # Only tickets under an SLA get one; the policy chosen at the start still applies.
            if not awaiting_answer and latest is not None:
                _new_target(
                    ticket,
                    latest.policy,
                    Metric.NEXT_RESPONSE,
                    at,
                    schedule,
                )
        _sync_locked(ticket, now or timezone.now(), schedule)


def sla_sync(*, ticket: Ticket, now: datetime | None = None) -> None:
    """Pause, resume or fulfil the ticket's targets to match its status."""
    with transaction.atomic():
        locked = _lock(ticket.pk)
        if locked is not None:
            _sync_locked(locked, now or timezone.now())


def _sync_locked(
    ticket: Ticket, now: datetime, schedule: Schedule | None = None
) -> None:
    schedule = schedule or schedule_for_team(ticket.team_id)
    open_targets = list(
        SlaTarget.objects.filter(
            ticket=ticket, fulfilled_at__isnull=True
        ).select_related("policy")
    )
    if ticket.status == Status.CLOSED:
        for target in open_targets:
            _fulfil(target, now, schedule)
    elif ticket.status == Status.SOLVED:
        # Solving meets the resolution target; a response still owed waits (the customer may reopen).
        for target in open_targets:
            if target.metric == Metric.RESOLUTION:
                _fulfil(target, now, schedule)
            else:
                _pause(target, now)
    elif ticket.status in PAUSED_STATUSES:
        for target in open_targets:
            _pause(target, now)
    else:
        for target in open_targets:
            _resume(target, now, schedule)
        if not any(t.metric == Metric.RESOLUTION for t in open_targets):
            _reopen_resolution(ticket, now, schedule)


def _settle_pause(target: SlaTarget, now: datetime, schedule: Schedule) -> None:
    """Add the business time since the pause began to the target and move its deadlines out."""
    if target.paused_since is None:
        return
    paused = business_time_between(target.paused_since, now, schedule)
    target.paused_seconds += int(paused.total_seconds())
    target.paused_since = None
    target.warn_at, target.due_at = deadlines(
        started_at=target.started_at,
        target_minutes=target.target_minutes,
        warning_share=target.policy.effective_warning_share(),
        paused_seconds=target.paused_seconds,
        schedule=schedule,
    )


def _pause(target: SlaTarget, now: datetime) -> None:
    if target.paused_since is None:
        target.paused_since = now
        target.save(update_fields=["paused_since"])


def _resume(target: SlaTarget, now: datetime, schedule: Schedule) -> None:
    if target.paused_since is not None:
        _settle_pause(target, now, schedule)
        target.save(
            update_fields=["paused_since", "paused_seconds", "warn_at", "due_at"]
        )


def _fulfil(target: SlaTarget, now: datetime, schedule: Schedule) -> None:
    if target.paused_since is not None:
        _settle_pause(target, now, schedule)
    target.fulfilled_at = now
    target.save(
        update_fields=[
            "fulfilled_at",
            "paused_since",
            "paused_seconds",
            "warn_at",
            "due_at",
        ]
    )


def _reopen_resolution(ticket: Ticket, now: datetime, schedule: Schedule) -> None:
    """A solved ticket reopened: its resolution clock runs again, the solved time counting as paused."""
    latest = (
        SlaTarget.objects.filter(ticket=ticket, metric=Metric.RESOLUTION)
        .select_related("policy")
        .order_by("-started_at", "-id")
        .first()
    )
    if latest is None or latest.fulfilled_at is None:
        return
    latest.paused_since = latest.fulfilled_at
    latest.fulfilled_at = None
    _settle_pause(latest, now, schedule)
    latest.save(
        update_fields=[
            "fulfilled_at",
            "paused_since",
            "paused_seconds",
            "warn_at",
            "due_at",
        ]
    )


# --- hook handlers (run by sla.tasks after the ticket's transaction commits) -----------------

Handler = Callable[[int], None]
MISSING_LOOKBACK = timedelta(days=2)


def sla_start_missing(*, now: datetime | None = None) -> int:
    """Start targets for recent active tickets that have none (a job lost before it ran)."""
    now = now or timezone.now()
    missing = Ticket.objects.filter(
        created_at__gte=now - MISSING_LOOKBACK,
        created_at__lte=now - timedelta(seconds=30),
        status__in=ACTIVE_STATUSES,
        sla_targets__isnull=True,
    ).values_list("pk", flat=True)[:500]
    started = 0
    for ticket_id in list(missing):
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is not None and sla_start(ticket=ticket, now=now):
            started += 1
    return started


def on_ticket_created(ticket_id: int) -> None:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        sla_start(ticket=ticket)


def on_message_added(message_id: int) -> None:
    message = Message.objects.select_related("author").filter(pk=message_id).first()
    if message is not None:
        sla_message(message=message)


def on_ticket_changed(ticket_id: int) -> None:
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is not None:
        sla_sync(ticket=ticket)


# --- the periodic check ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    warned: int = 0
    breached: int = 0


Outcome = Literal["warned", "breached"] | None


def sla_check(*, now: datetime | None = None) -> CheckResult:
    """Warn about and escalate the running targets that are due (the body of the minute job).

    Safe to run twice or in several workers at once: each warning and escalation is claimed by
    a conditional UPDATE, and only the worker whose UPDATE changed the row acts on it."""
    now = now or timezone.now()
    due_ids = list(
        # warn_at <= due_at, and a breached target needs nothing more (its warning is spent too).
        SlaTarget.objects.filter(
            fulfilled_at__isnull=True,
            paused_since__isnull=True,
            breached_at__isnull=True,
            warn_at__lte=now,
        )
        .filter(Q(warned_at__isnull=True) | Q(due_at__lte=now))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:CHECK_BATCH]
    )
    warned = breached = 0
    for target_id in due_ids:
        try:
            outcome = sla_check_target(target_id=target_id, now=now)
        except Exception:
            # One broken ticket must not hold up every other escalation; it is retried next minute
            # because its claim rolled back with the failed transaction.
            logger.exception("SLA check of target %s failed", target_id)
            continue
        warned += outcome == "warned"
        breached += outcome == "breached"
    return CheckResult(warned=warned, breached=breached)


def sla_check_target(*, target_id: int, now: datetime) -> Outcome:
    """Escalate (or warn about) one target if it is still due and nobody has yet; in one transaction."""
    running = SlaTarget.objects.filter(
        pk=target_id, fulfilled_at__isnull=True, paused_since__isnull=True
    )
    with transaction.atomic():
        # A breach found before its warning was sent also counts as warned: no late warning after.
        claimed = running.filter(breached_at__isnull=True, due_at__lte=now).update(
            breached_at=now,
            warned_at=Coalesce("warned_at", Value(now, output_field=DateTimeField())),
        )
        if claimed:
            _escalate(SlaTarget.objects.select_related("policy").get(pk=target_id), now)
            return "breached"
        claimed = running.filter(warned_at__isnull=True, warn_at__lte=now).update(
            warned_at=now
        )
        if claimed:
            _warn(SlaTarget.objects.select_related("policy").get(pk=target_id), now)
            return "warned"
    return None


def _team_leads(ticket: Ticket) -> list[User]:
    if ticket.team_id is None:
        return []
    return [
        membership.user
        for membership in Membership.objects.filter(
            team_id=ticket.team_id, is_lead=True, user__is_active=True
        )
        .select_related("user")
        .order_by("id")
    ]


def _alert(
    kind: events.AlertKind, target: SlaTarget, ticket: Ticket, leads: list[User]
) -> events.SlaAlert:
    return events.SlaAlert(
        kind=kind,
        target_id=target.pk,
        ticket_id=ticket.pk,
        ticket_reference=ticket.reference,
        metric=target.metric,
        due_at=target.due_at.astimezone(UTC).isoformat(),
        team_id=ticket.team_id,
        lead_ids=[lead.pk for lead in leads],
    )


def _system_note(ticket: Ticket, body: str, change: str) -> None:
    Message.objects.create(ticket=ticket, author=None, kind=MessageKind.NOTE, body=body)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=None,
        kind=EventKind.CHANGED,
        field="sla",
        new_value=change,
        public=False,
    )


def _warn(target: SlaTarget, now: datetime) -> None:
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=target.ticket_id)
    leads = _team_leads(ticket)
    minutes_left = max(int((target.due_at - now).total_seconds() // 60), 0)
    _system_note(
        ticket,
        _("SLA warning: %(metric)s is due at %(due)s UTC (in %(minutes)s minutes).")
        % {
            "metric": Metric(target.metric).label,
            "due": f"{target.due_at.astimezone(UTC):%Y-%m-%d %H:%M}",
            "minutes": minutes_left,
        },
        f"{target.metric} warning",
    )
    audit_record(
        actor=None,
        action="sla.warning",
        target_type="ticket",
        target_id=ticket.reference,
        data={
            "metric": target.metric,
            "target": target.pk,
            "due_at": target.due_at.isoformat(),
        },
    )
    events.emit(_alert("sla_warning", target, ticket, leads))


def _escalate(target: SlaTarget, now: datetime) -> None:
    """Breach: tell the team lead, raise the priority one step, and hand the ticket to the lead if
    the policy says so (without a lead it goes back to the team queue)."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .get(pk=target.ticket_id)
    )
    leads = _team_leads(ticket)
    _system_note(
        ticket,
        _("SLA breached: %(metric)s was due at %(due)s UTC.")
        % {
            "metric": Metric(target.metric).label,
            "due": f"{target.due_at.astimezone(UTC):%Y-%m-%d %H:%M}",
        },
        f"{target.metric} breached",
    )
    changes: dict[str, object] = {}
    if target.policy.breach_raise_priority and ticket.priority > Priority.P1:
        changes["priority"] = ticket.priority - 1
    if target.policy.breach_reassign_to_lead:
        lead = next((user for user in leads if user.can_write_tickets), None)
        if ticket.assignee_id != (lead.pk if lead else None):
            changes["assignee"] = lead
    if changes:
        # Through the ticket service: the same history, notices and webhooks as a person's change.
        ticket_system_update(ticket=ticket, changes=changes, reason="sla_breached")
    audit_record(
        actor=None,
        action="sla.breached",
        target_type="ticket",
        target_id=ticket.reference,
        data={
            "metric": target.metric,
            "target": target.pk,
            "due_at": target.due_at.isoformat(),
            "leads": [lead.pk for lead in leads],
        },
    )
    events.emit(_alert("sla_breached", target, ticket, leads))
