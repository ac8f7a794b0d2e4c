"""Acceptance: `beacon email_import` SIGKILLed in the middle of a 1,000-message import; after a
restart every message is there exactly once (one stored row, one ticket)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

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


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=20) as connection:
        return int(connection.execute(sql).fetchone()[0])


@pytest.mark.live
def test_a_killed_import_restarts_without_losing_or_duplicating_a_message(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path)}
    for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    beacon = [sys.executable, "-m", "beacon.cli"]
    db = tmp_path / "beacon.sqlite3"
    source = tmp_path / "mail"
    _write_messages(source)
    subprocess.run(
        [*beacon, "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*beacon, "shell", "-c", SEED], env=env, check=True, capture_output=True
    )

    first = subprocess.Popen(
        [*beacon, "email_import", str(source), "--mailbox", "support"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _count(db, "SELECT count(*) FROM intake_email_inboundemail") < 150:
            assert first.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    stored_at_kill = _count(db, "SELECT count(*) FROM intake_email_inboundemail")
    assert 0 < stored_at_kill < MESSAGES

    subprocess.run(
        [*beacon, "email_import", str(source), "--mailbox", "support"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )

    assert _count(db, "SELECT count(*) FROM intake_email_inboundemail") == MESSAGES
    assert (
        _count(db, "SELECT count(DISTINCT message_id) FROM intake_email_inboundemail")
        == MESSAGES
    )
    assert (
        _count(
            db,
            "SELECT count(*) FROM intake_email_inboundemail WHERE status != 'ticket'",
        )
        == 0
    )
    assert _count(db, "SELECT count(*) FROM tickets_ticket") == MESSAGES
    assert (
        _count(db, "SELECT count(DISTINCT ticket_id) FROM intake_email_inboundemail")
        == MESSAGES
    )
    assert (
        _count(
            db,
            "SELECT count(*) FROM intake_email_threadmessageid WHERE direction = 'in'",
        )
        == MESSAGES
    )
