"""Acceptance: `beacon email_import` SIGKILLed in the middle of a 1,000-message import; after a
restart every message is there exactly once (one stored row, one ticket)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from beacon.core.tests.processes import BeaconProcesses, kill, wait_for

MESSAGES = 1000
SEED = """
from beacon.tickets.models import Category
from beacon.intake.email.models import Mailbox
Category.objects.get_or_create(slug="other", defaults={"name_en": "Other"})
Mailbox.objects.create(name="Support", slug="support", address="support@beacon.test")
"""


def _write_messages(directory: Path) -> None:
    directory.mkdir()
    for n in range(MESSAGES):
        message = EmailMessage()
        message["From"] = f"Customer {n} <customer{n}@example.com>"
        message["To"] = "support@beacon.test"
        message["Subject"] = f"Withdrawal {n} pending"
        message["Message-ID"] = f"<crash-{n}@example.com>"
        message.set_content(f"My withdrawal number {n} has been pending for an hour.")
        (directory / f"{n:05d}.eml").write_bytes(message.as_bytes())


def _stored(beacon: BeaconProcesses) -> int:
    return beacon.count("SELECT count(*) FROM intake_email_inboundemail")


@pytest.mark.live
def test_a_killed_import_restarts_without_losing_or_duplicating_a_message(
    tmp_path: Path,
) -> None:
    beacon = BeaconProcesses(tmp_path)
    source = tmp_path / "mail"
    _write_messages(source)
    beacon.run("migrate", "--no-input", "-v", "0")
    beacon.run("shell", "-c", SEED)

    first = beacon.start("email_import", str(source), "--mailbox", "support")
    try:
        wait_for(
            lambda: _stored(beacon) >= 150 or first.poll() is not None,
            120,
            "the import to store its first messages",
        )
        assert first.poll() is None, "the import ended before it could be killed"
    finally:
        kill(first)
    stored_at_kill = _stored(beacon)
    assert 0 < stored_at_kill < MESSAGES

    beacon.run("email_import", str(source), "--mailbox", "support", timeout=300)

    assert beacon.count("SELECT count(*) FROM intake_email_inboundemail") == MESSAGES
    assert (
        beacon.count("SELECT count(DISTINCT message_id) FROM intake_email_inboundemail")
        == MESSAGES
    )
    assert (
        beacon.count(
            "SELECT count(*) FROM intake_email_inboundemail WHERE status != 'ticket'",
        )
        == 0
    )
    assert beacon.count("SELECT count(*) FROM tickets_ticket") == MESSAGES
    assert (
        beacon.count("SELECT count(DISTINCT ticket_id) FROM intake_email_inboundemail")
        == MESSAGES
    )
    assert (
        beacon.count(
            "SELECT count(*) FROM intake_email_threadmessageid WHERE direction = 'in'",
        )
        == MESSAGES
    )
