"""Acceptance: a real worker is SIGKILLed in the middle of running SLA escalations; after a
restart every due target is escalated, and none twice (one audit row, one note, one priority step)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

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


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.live
def test_a_killed_worker_escalates_every_target_exactly_once(tmp_path: Path) -> None:
    # Triage off: its 300 jobs (and the models' first training) would queue before the
    # escalations this test times; triage has crash and repair tests of its own.
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "HUEY_REAL": "1",
        "TRIAGE_ENABLED": "false",
    }
    for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    beacon = [sys.executable, "-m", "beacon.cli"]
    log = (tmp_path / "worker.log").open("ab")
    database = tmp_path / "beacon.sqlite3"

    def run(*args: str) -> None:
        subprocess.run(
            [*beacon, *args], env=env, check=True, capture_output=True, timeout=120
        )

    def worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*beacon, "run_huey", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def query(sql: str) -> list[tuple[int | str, ...]]:
        with sqlite3.connect(database, timeout=20) as db:
            rows: list[tuple[int | str, ...]] = db.execute(sql).fetchall()
        return rows

    def breached() -> int:
        (count,) = query(
            "SELECT count(*) FROM sla_slatarget WHERE breached_at IS NOT NULL"
        )[0]
        return int(count)

    run("migrate", "--no-input", "-v", "0")
    run("shell", "-c", SEED.format(tickets=TICKETS))
    assert query(
        "SELECT count(*) FROM sla_slatarget WHERE metric = 'first_response'"
    ) == [(TICKETS,)]

    first = worker()
    try:
        run("shell", "-c", KICK)
        _wait(lambda: breached() >= 10, 30, "the first escalations")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    at_kill = breached()
    assert 0 < at_kill < TICKETS, "the worker must be killed in the middle of the run"

    second = worker()
    try:
        run("shell", "-c", KICK)
        _wait(lambda: breached() == TICKETS, 60, f"all escalated, now {breached()}")
        run("shell", "-c", KICK)  # a further run finds nothing left to do
        time.sleep(0.5)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(timeout=10)

    per_ticket = query(
        "SELECT target_id, count(*) FROM audit_auditevent WHERE action = 'sla.breached' "
        "GROUP BY target_id"
    )
    assert len(per_ticket) == TICKETS
    assert all(count == 1 for _ref, count in per_ticket)
    assert query("SELECT DISTINCT priority FROM tickets_ticket") == [(2,)]
    notes = query(
        "SELECT ticket_id, count(*) FROM tickets_message WHERE kind = 'note' AND author_id IS NULL "
        "GROUP BY ticket_id"
    )
    assert len(notes) == TICKETS and all(count == 1 for _id, count in notes)
