"""Acceptance: a real worker is SIGKILLed in the middle of delivering webhooks; after a restart
every row is sent, none is lost, and the receiver (idempotent by Beacon-Delivery) sees each
delivery id, with at most the one in-flight call repeated (at-least-once)."""

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

from beacon.notifications.signing import verify_signature
from beacon.notifications.tests.receiver import Receiver

ROWS = 10
SECRET = "crash-test-secret"

SEED = """
from django.db import transaction
from beacon.notifications.models import WebhookEndpoint
from beacon.notifications.services import webhook_event
with transaction.atomic():
    WebhookEndpoint.objects.create(name="crash", url={url!r}, secret={secret!r}, events=["*"])
    for n in range({rows}):
        webhook_event(event="ticket.created", data={{"n": n}}, marker=f"n{{n}}")
"""
KICK = "from beacon.notifications.tasks import deliveries_drain_task; deliveries_drain_task()"


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.live
def test_a_killed_worker_loses_no_delivery_and_repeats_at_most_the_one_in_flight(
    tmp_path: Path, receiver: Receiver
) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "NOTIFY_LEASE_SECONDS": "2",
        "NOTIFY_CLAIM_BATCH": "1",
        "NOTIFY_BACKOFF_SECONDS": "1",
        "HUEY_REAL": "1",
    }
    for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    beacon = [sys.executable, "-m", "beacon.cli"]
    log = (tmp_path / "worker.log").open("ab")

    def run(*args: str) -> None:
        subprocess.run([*beacon, *args], env=env, check=True, capture_output=True)

    def worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*beacon, "run_huey", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def statuses() -> dict[str, int]:
        with sqlite3.connect(tmp_path / "beacon.sqlite3", timeout=20) as db:
            rows = db.execute(
                "SELECT status, count(*) FROM notifications_delivery GROUP BY status"
            ).fetchall()
        return dict(rows)

    receiver.delay = 0.4
    run("migrate", "--no-input", "-v", "0")
    run("shell", "-c", SEED.format(url=receiver.url, secret=SECRET, rows=ROWS))
    first = worker()
    try:
        # Kill while the worker waits on the 4th call (the receiver is still sleeping on it).
        _wait(lambda: len(receiver.requests) >= 4, 30, "the first deliveries")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    at_kill = statuses()
    assert at_kill.get("sending", 0) == 1, at_kill
    assert at_kill.get("sent", 0) < ROWS

    second = worker()
    try:
        time.sleep(2.2)  # the dead worker's lease runs out
        run("shell", "-c", KICK)
        _wait(lambda: statuses() == {"sent": ROWS}, 30, f"all sent, now {statuses()}")
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(timeout=10)

    with sqlite3.connect(tmp_path / "beacon.sqlite3") as db:
        ids = {
            str(row[0]) for row in db.execute("SELECT id FROM notifications_delivery")
        }
        successes = db.execute(
            "SELECT delivery_id, count(*) FROM notifications_webhookdelivery "
            "WHERE response_status = 200 GROUP BY delivery_id"
        ).fetchall()
    # Nothing lost: the receiver saw every delivery id.
    assert set(receiver.seen) == ids
    # At least once: only the call in flight at the kill may have come twice.
    assert sum(receiver.seen.values()) - ROWS <= 1
    assert all(count <= 2 for count in receiver.seen.values())
    # The outbox recorded each row as sent exactly once.
    assert len(successes) == ROWS and all(count == 1 for _id, count in successes)
    now = int(time.time())
    assert all(
        verify_signature(SECRET, r.headers["Beacon-Signature"], r.body, now=now)
        for r in receiver.requests
    )
