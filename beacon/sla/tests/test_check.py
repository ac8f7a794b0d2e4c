"""The periodic check: warnings and escalations, each exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings

from beacon.accounts.models import Membership, Team, User
from beacon.audit.models import AuditEvent
from beacon.sla import events
from beacon.sla.models import Metric, SlaPolicy, SlaTarget
from beacon.sla.services import CheckResult, sla_check, sla_check_target, sla_sync
from beacon.sla.tasks import sla_check_task
from beacon.sla.tests.conftest import StartedTicket
from beacon.sla.tests.helpers import T0, target
from beacon.tickets.models import (
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

PolicyMaker = Callable[..., SlaPolicy]
# first response 60 min (warning at 45), resolution 600 min (warning at 450).
BEFORE_WARNING = T0 + timedelta(minutes=44)
AFTER_WARNING = T0 + timedelta(minutes=46)
AFTER_BREACH = T0 + timedelta(minutes=61)


@pytest.fixture
def alerts() -> Iterator[list[events.SlaAlert]]:
    received: list[events.SlaAlert] = []
    events.subscribe("sla_warning", received.append)
    events.subscribe("sla_breached", received.append)
    yield received
    events.unsubscribe("sla_warning", received.append)
    events.unsubscribe("sla_breached", received.append)


@pytest.fixture
def policy(only_policy: PolicyMaker) -> SlaPolicy:
    return only_policy(
        first_response_minutes=60, resolution_minutes=600, warning_share=0.75
    )


def test_nothing_happens_before_the_warning_share(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    started_ticket()

    assert sla_check(now=BEFORE_WARNING) == CheckResult(warned=0, breached=0)


def test_a_warning_is_sent_once_even_when_the_check_runs_twice(
    policy: SlaPolicy,
    started_ticket: StartedTicket,
    alerts: list[events.SlaAlert],
    lead: User,
) -> None:
    ticket = started_ticket()

    first = sla_check(now=AFTER_WARNING)
    second = sla_check(now=AFTER_WARNING + timedelta(seconds=30))

    assert first == CheckResult(warned=1, breached=0)
    assert second == CheckResult(warned=0, breached=0)
    assert target(ticket, Metric.FIRST_RESPONSE).warned_at == AFTER_WARNING
    assert [a["kind"] for a in alerts] == ["sla_warning"]
    assert alerts[0]["lead_ids"] == [lead.pk]
    assert AuditEvent.objects.filter(action="sla.warning").count() == 1
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).count() == 1


def test_a_breach_escalates_once_raising_priority_one_step(
    policy: SlaPolicy,
    started_ticket: StartedTicket,
    alerts: list[events.SlaAlert],
    lead: User,
) -> None:
    ticket = started_ticket(priority=3)
    sla_check(now=AFTER_WARNING)

    first = sla_check(now=AFTER_BREACH)
    second = sla_check(now=AFTER_BREACH + timedelta(minutes=1))

    ticket.refresh_from_db()
    assert first == CheckResult(warned=0, breached=1)
    assert second == CheckResult(warned=0, breached=0)
    assert ticket.priority == Priority.P2
    assert target(ticket, Metric.FIRST_RESPONSE).breached_at == AFTER_BREACH
    assert [a["kind"] for a in alerts] == ["sla_warning", "sla_breached"]
    assert AuditEvent.objects.filter(action="sla.breached").count() == 1
    update = AuditEvent.objects.get(action="ticket.update")
    assert update.actor is None
    assert update.data == {"fields": ["priority"], "reason": "sla_breached"}
    change = TicketEvent.objects.get(ticket=ticket, field="priority")
    assert (change.actor, change.old_value, change.new_value) == (None, "P3", "P2")
    assert (
        Message.objects.filter(
            ticket=ticket, kind=MessageKind.NOTE, author=None
        ).count()
        == 2
    )


def test_priority_never_rises_above_p1(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    ticket = started_ticket(priority=1)

    sla_check(now=AFTER_BREACH)

    ticket.refresh_from_db()
    assert ticket.priority == Priority.P1
    assert not TicketEvent.objects.filter(ticket=ticket, field="priority").exists()


def test_a_late_check_breaches_without_a_separate_warning(
    policy: SlaPolicy, started_ticket: StartedTicket, alerts: list[events.SlaAlert]
) -> None:
    ticket = started_ticket()

    result = sla_check(now=AFTER_BREACH)
    sla_check(now=AFTER_BREACH + timedelta(minutes=1))

    first = target(ticket, Metric.FIRST_RESPONSE)
    assert result == CheckResult(warned=0, breached=1)
    assert first.warned_at == AFTER_BREACH
    assert [a["kind"] for a in alerts] == ["sla_breached"]


def test_breach_reassigns_to_the_team_lead_when_the_policy_says_so(
    only_policy: PolicyMaker, started_ticket: StartedTicket, lead: User, agent: User
) -> None:
    only_policy(breach_reassign_to_lead=True, breach_raise_priority=False)
    ticket = started_ticket(priority=3)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    sla_check(now=AFTER_BREACH)

    ticket.refresh_from_db()
    assert ticket.assignee == lead
    assert ticket.priority == Priority.P3
    change = TicketEvent.objects.get(ticket=ticket, field="assignee")
    assert (change.actor, change.new_value) == (None, str(lead))


def test_breach_without_a_lead_returns_the_ticket_to_the_team_queue(
    only_policy: PolicyMaker, started_ticket: StartedTicket, agent: User
) -> None:
    only_policy(breach_reassign_to_lead=True)
    ticket = started_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    sla_check(now=AFTER_BREACH)

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_without_reassignment_the_assignee_stays(
    policy: SlaPolicy, started_ticket: StartedTicket, agent: User, lead: User
) -> None:
    ticket = started_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)

    sla_check(now=AFTER_BREACH)

    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_paused_and_fulfilled_targets_are_not_escalated(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    paused = started_ticket()
    Ticket.objects.filter(pk=paused.pk).update(status=Status.ON_HOLD)
    sla_sync(ticket=paused, now=T0 + timedelta(minutes=1))
    closed = started_ticket()
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    sla_sync(ticket=closed, now=T0 + timedelta(minutes=1))

    result = sla_check(now=T0 + timedelta(days=30))

    assert result == CheckResult(warned=0, breached=0)
    assert not SlaTarget.objects.filter(breached_at__isnull=False).exists()


def test_a_stale_candidate_claimed_by_another_worker_is_left_alone(
    policy: SlaPolicy, started_ticket: StartedTicket, alerts: list[events.SlaAlert]
) -> None:
    # Two workers picked the same due target; the first one's conditional UPDATE wins.
    ticket = started_ticket()
    candidate = target(ticket, Metric.FIRST_RESPONSE)

    winner = sla_check_target(target_id=candidate.pk, now=AFTER_BREACH)
    loser = sla_check_target(
        target_id=candidate.pk, now=AFTER_BREACH + timedelta(seconds=1)
    )

    assert (winner, loser) == ("breached", None)
    assert target(ticket, Metric.FIRST_RESPONSE).breached_at == AFTER_BREACH
    assert len(alerts) == 1


def test_a_target_fulfilled_after_it_was_picked_is_not_escalated(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    ticket = started_ticket()
    candidate = target(ticket, Metric.FIRST_RESPONSE)
    SlaTarget.objects.filter(pk=candidate.pk).update(fulfilled_at=AFTER_WARNING)

    outcome = sla_check_target(target_id=candidate.pk, now=AFTER_BREACH)

    assert outcome is None
    assert target(ticket, Metric.FIRST_RESPONSE).breached_at is None


def test_a_failing_subscriber_rolls_the_escalation_back_for_a_retry(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    ticket = started_ticket(priority=3)

    def broken(alert: events.SlaAlert) -> None:
        raise RuntimeError("outbox unavailable")

    events.subscribe("sla_breached", broken)
    try:
        failed = sla_check(now=AFTER_BREACH)
    finally:
        events.unsubscribe("sla_breached", broken)
    retried = sla_check(now=AFTER_BREACH + timedelta(minutes=1))

    ticket.refresh_from_db()
    assert failed == CheckResult(warned=0, breached=0)
    assert retried == CheckResult(warned=0, breached=1)
    assert ticket.priority == Priority.P2
    assert AuditEvent.objects.filter(action="sla.breached").count() == 1


def test_each_target_of_a_ticket_escalates_on_its_own(
    policy: SlaPolicy, started_ticket: StartedTicket
) -> None:
    ticket = started_ticket(priority=4)

    sla_check(now=AFTER_BREACH)
    sla_check(now=T0 + timedelta(minutes=601))

    ticket.refresh_from_db()
    assert ticket.priority == Priority.P2
    assert (
        SlaTarget.objects.filter(ticket=ticket, breached_at__isnull=False).count() == 2
    )


def test_the_minute_task_runs_the_check(
    policy: SlaPolicy, started_ticket: StartedTicket, team: Team
) -> None:
    # Created "now" minus two hours: the task uses the real clock.
    from django.utils import timezone

    ticket = started_ticket(at=timezone.now() - timedelta(hours=2))

    sla_check_task()

    assert target(ticket, Metric.FIRST_RESPONSE).breached_at is not None


def test_team_leads_of_other_teams_are_not_alerted(
    policy: SlaPolicy,
    started_ticket: StartedTicket,
    alerts: list[events.SlaAlert],
    lead: User,
) -> None:
    from beacon.accounts.tests.factories import AgentFactory, TeamFactory

    other_lead = AgentFactory.create(role="lead")
    Membership.objects.create(user=other_lead, team=TeamFactory.create(), is_lead=True)
    started_ticket()

    sla_check(now=AFTER_BREACH)

    assert alerts[0]["lead_ids"] == [lead.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="needs a database server that several threads share (run with DATABASE_URL)",
)
def test_concurrent_checks_escalate_once(
    policy: SlaPolicy, started_ticket: StartedTicket, alerts: list[events.SlaAlert]
) -> None:
    import threading

    from django.db import connection

    ticket = started_ticket(priority=3)
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[CheckResult] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(sla_check(now=AFTER_BREACH))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ticket.refresh_from_db()
    assert len(results) == workers
    assert sum(r.breached for r in results) == 1
    assert ticket.priority == Priority.P2
    assert AuditEvent.objects.filter(action="sla.breached").count() == 1
    assert [a["kind"] for a in alerts] == ["sla_breached"]
