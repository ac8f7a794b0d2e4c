"""Acceptance: triage jobs are lost (the queue is flushed) and a real worker is SIGKILLed in the
middle of the repair; after a restart every message is triaged exactly once, and its effect
(the category triage applied) is in the history once."""

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


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.live
def test_lost_jobs_and_a_killed_worker_still_triage_every_ticket_once(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "HUEY_REAL": "1",
        "TRIAGE_ENABLED": "true",
    }
    for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    beacon = [sys.executable, "-m", "beacon.cli"]
    log = (tmp_path / "worker.log").open("ab")
    database = tmp_path / "beacon.sqlite3"

    def run(*args: str) -> None:
        subprocess.run(
            [*beacon, *args], env=env, check=True, capture_output=True, timeout=180
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

    def done() -> int:
        (count,) = query(
            "SELECT count(*) FROM triage_triageresult WHERE status = 'done'"
        )[0]
        return int(count)

    run("migrate", "--no-input", "-v", "0")
    run("shell", "-c", SEED.format(tickets=TICKETS))
    assert query("SELECT count(*) FROM triage_triageresult") == [(0,)]

    first = worker()
    try:
        run("shell", "-c", KICK)
        _wait(lambda: done() >= 3, 120, "the first repaired results")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert 0 < done() < TICKETS, "the worker must be killed in the middle of the run"

    second = worker()
    try:
        run("shell", "-c", KICK)
        _wait(lambda: done() == TICKETS, 120, f"all triaged, now {done()}")
        run("shell", "-c", KICK)  # a further run finds nothing left to do
        time.sleep(1)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(timeout=10)

    per_ticket = query(
        "SELECT ticket_id, count(*) FROM triage_triageresult GROUP BY ticket_id"
    )
    assert len(per_ticket) == TICKETS and all(n == 1 for _id, n in per_ticket)
    moved = query(
        "SELECT ticket_id, count(*) FROM tickets_ticketevent WHERE field = 'category' "
        "GROUP BY ticket_id"
    )
    assert len(moved) == TICKETS and all(n == 1 for _id, n in moved)
    assert query(
        "SELECT DISTINCT c.slug FROM tickets_ticket t JOIN tickets_category c ON c.id = t.category_id"
    ) == [("withdrawal-delayed",)]
