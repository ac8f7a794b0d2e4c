"""Acceptance: a real worker is SIGKILLed in the middle of delivering webhooks; after a restart
every row is sent, none is lost, and the receiver (idempotent by Beacon-Delivery) sees each
delivery id, with at most the one in-flight call repeated (at-least-once)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from beacon.core.tests.processes import BeaconProcesses, kill, wait_for
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


@pytest.mark.live
def test_a_killed_worker_loses_no_delivery_and_repeats_at_most_the_one_in_flight(
    tmp_path: Path, receiver: Receiver
) -> None:
    beacon = BeaconProcesses(
        tmp_path,
        NOTIFY_LEASE_SECONDS="2",
        NOTIFY_CLAIM_BATCH="1",
        NOTIFY_BACKOFF_SECONDS="1",
        HUEY_REAL="1",
    )

    def statuses() -> dict[str, int]:
        rows = beacon.query(
            "SELECT status, count(*) FROM notifications_delivery GROUP BY status"
        )
        return {str(status): int(count or 0) for status, count in rows}

    receiver.delay = 0.4
    beacon.run("migrate", "--no-input", "-v", "0")
    beacon.run("shell", "-c", SEED.format(url=receiver.url, secret=SECRET, rows=ROWS))
    first = beacon.worker()
    try:
        # Kill while the worker waits on the 4th call (the receiver is still sleeping on it).
        wait_for(lambda: len(receiver.requests) >= 4, 30, "the first deliveries")
    finally:
        kill(first)
    at_kill = statuses()
    assert at_kill.get("sending", 0) == 1, at_kill
    assert at_kill.get("sent", 0) < ROWS

    second = beacon.worker()
    try:
        time.sleep(2.2)  # the dead worker's lease runs out
        beacon.run("shell", "-c", KICK)
        wait_for(
            lambda: statuses() == {"sent": ROWS}, 30, f"all sent, now {statuses()}"
        )
    finally:
        kill(second)

    ids = {str(row[0]) for row in beacon.query("SELECT id FROM notifications_delivery")}
    successes = beacon.query(
        "SELECT delivery_id, count(*) FROM notifications_webhookdelivery "
        "WHERE response_status = 200 GROUP BY delivery_id"
    )
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
