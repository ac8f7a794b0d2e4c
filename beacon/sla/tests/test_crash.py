"""Acceptance: a real worker is SIGKILLed in the middle of running SLA escalations; after a
restart every due target is escalated, and none twice (one audit row, one note, one priority step)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from beacon.core.tests.processes import BeaconProcesses, kill, wait_for

TICKETS = 300

# Tickets made through the real services (the hook starts their SLA), then made overdue.
SEED = """
from datetime import timedelta
from django.utils import timezone
from beacon.accounts.models import User
from beacon.sla.models import SlaTarget
from beacon.tickets.models import Category
from beacon.tickets.services import ticket_create
customer = User.objects.create_user("crash@example.com", role="customer")
category = Category.objects.filter(is_active=True, form_fields=[]).first() or Category.objects.first()
for n in range({tickets}):
    ticket_create(customer=customer, subject=f"crash {{n}}", description="x", category=category,
                  priority=3, require_fields=False)
# Targets are started by a job after commit; no worker runs during the seed, so start them here.
from beacon.sla.services import sla_start
from beacon.tickets.models import Ticket
for ticket in Ticket.objects.all():
    sla_start(ticket=ticket)
past = timezone.now() - timedelta(hours=1)
SlaTarget.objects.filter(metric="first_response").update(warn_at=past, due_at=past)
SlaTarget.objects.filter(metric="resolution").update(
    warn_at=past + timedelta(days=30), due_at=past + timedelta(days=30))
SlaTarget.objects.update(paused_since=None)
"""
KICK = "from beacon.sla.tasks import sla_check_task; sla_check_task()"


@pytest.mark.live
def test_a_killed_worker_escalates_every_target_exactly_once(tmp_path: Path) -> None:
    # Triage off: its 300 jobs (and the models' first training) would queue before the
    # escalations this test times; triage has crash and repair tests of its own.
    beacon = BeaconProcesses(
        tmp_path, timeout=120, HUEY_REAL="1", TRIAGE_ENABLED="false"
    )

    def breached() -> int:
        return beacon.count(
            "SELECT count(*) FROM sla_slatarget WHERE breached_at IS NOT NULL"
        )

    beacon.run("migrate", "--no-input", "-v", "0")
    beacon.run("shell", "-c", SEED.format(tickets=TICKETS))
    assert (
        beacon.count(
            "SELECT count(*) FROM sla_slatarget WHERE metric = 'first_response'"
        )
        == TICKETS
    )

    first = beacon.worker()
    try:
        beacon.run("shell", "-c", KICK)
        wait_for(lambda: breached() >= 10, 30, "the first escalations", every=0.01)
    finally:
        kill(first)
    at_kill = breached()
    assert 0 < at_kill < TICKETS, "the worker must be killed in the middle of the run"

    second = beacon.worker()
    try:
        beacon.run("shell", "-c", KICK)
        wait_for(lambda: breached() == TICKETS, 60, f"all escalated, now {breached()}")
        beacon.run("shell", "-c", KICK)  # a further run finds nothing left to do
        time.sleep(0.5)
    finally:
        kill(second)

    per_ticket = beacon.query(
        "SELECT target_id, count(*) FROM audit_auditevent WHERE action = 'sla.breached' "
        "GROUP BY target_id"
    )
    assert len(per_ticket) == TICKETS
    assert all(count == 1 for _ref, count in per_ticket)
    assert beacon.query("SELECT DISTINCT priority FROM tickets_ticket") == [(2,)]
    notes = beacon.query(
        "SELECT ticket_id, count(*) FROM tickets_message WHERE kind = 'note' AND author_id IS NULL "
        "GROUP BY ticket_id"
    )
    assert len(notes) == TICKETS and all(count == 1 for _id, count in notes)
