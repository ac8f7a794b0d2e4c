"""Acceptance: triage jobs are lost (the queue is flushed) and a real worker is SIGKILLed in the
middle of the repair; after a restart every message is triaged exactly once, and its effect
(the category triage applied) is in the history once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from beacon.core.tests.processes import BeaconProcesses, kill, wait_for

TICKETS = 20

# Tickets in the generic category made through the real service, a little in the past (the
# sweep leaves the last 30 s to the normal job), then their queued jobs are lost.
SEED = """
from datetime import timedelta
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from beacon.accounts.models import User
from beacon.tickets.models import Category, Ticket
from beacon.tickets.services import ticket_create
customer = User.objects.create_user("crash@example.com", role="customer")
other = Category.objects.get(slug="other")
for n in range({tickets}):
    ticket_create(customer=customer, subject=f"USDT withdrawal pending {{n}}",
                  description="my USDT withdrawal has been pending for hours, not in my wallet",
                  category=other, require_fields=False)
Ticket.objects.update(created_at=timezone.now() - timedelta(minutes=2))
HUEY.flush()
"""
KICK = "from beacon.triage.tasks import triage_sweep_task; triage_sweep_task()"


@pytest.mark.live
def test_lost_jobs_and_a_killed_worker_still_triage_every_ticket_once(
    tmp_path: Path,
) -> None:
    beacon = BeaconProcesses(tmp_path, HUEY_REAL="1", TRIAGE_ENABLED="true")

    def done() -> int:
        return beacon.count(
            "SELECT count(*) FROM triage_triageresult WHERE status = 'done'"
        )

    beacon.run("migrate", "--no-input", "-v", "0")
    beacon.run("shell", "-c", SEED.format(tickets=TICKETS))
    assert beacon.count("SELECT count(*) FROM triage_triageresult") == 0

    first = beacon.worker()
    try:
        beacon.run("shell", "-c", KICK)
        wait_for(lambda: done() >= 3, 120, "the first repaired results")
    finally:
        kill(first)
    assert 0 < done() < TICKETS, "the worker must be killed in the middle of the run"

    second = beacon.worker()
    try:
        beacon.run("shell", "-c", KICK)
        wait_for(lambda: done() == TICKETS, 120, f"all triaged, now {done()}")
        beacon.run("shell", "-c", KICK)  # a further run finds nothing left to do
        time.sleep(1)
    finally:
        kill(second)

    per_ticket = beacon.query(
        "SELECT ticket_id, count(*) FROM triage_triageresult GROUP BY ticket_id"
    )
    assert len(per_ticket) == TICKETS and all(n == 1 for _id, n in per_ticket)
    moved = beacon.query(
        "SELECT ticket_id, count(*) FROM tickets_ticketevent WHERE field = 'category' "
        "GROUP BY ticket_id"
    )
    assert len(moved) == TICKETS and all(n == 1 for _id, n in moved)
    assert beacon.query(
        "SELECT DISTINCT c.slug FROM tickets_ticket t JOIN tickets_category c ON c.id = t.category_id"
    ) == [("withdrawal-delayed",)]
