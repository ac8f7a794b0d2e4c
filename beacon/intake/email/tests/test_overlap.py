"""Acceptance: two intake runs at once (two workers' schedulers polling the same IMAP mailbox,
two imports of the same export) create every ticket exactly once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from beacon.intake.email.tests.servers import Dovecot, dovecot, make_certificate

MESSAGES = 60
REDELIVERED = 10
SEED = """
from beacon.intake.email.models import Mailbox
Mailbox.objects.create(name="Support", slug="support", address="support@beacon.test",
    imap_host="127.0.0.1", imap_port={port}, imap_username={user!r}, imap_secret={password!r})
"""
POLL = "from beacon.intake.email.imap import mailboxes_poll; mailboxes_poll()"


def _messages() -> Iterator[tuple[str, bytes]]:
    for n in range(MESSAGES):
        message = EmailMessage()
        message["From"] = f"Trader {n} <trader{n}@example.com>"
        message["To"] = "support@beacon.test"
        message["Subject"] = f"Order {n} not filled"
        message["Message-ID"] = f"<overlap-{n}@example.com>"
        message.set_content(f"My limit order {n} was not filled.")
        raw = message.as_bytes()
        yield f"{n:05d}.eml", raw
        if n < REDELIVERED:
            yield f"{n:05d}.again.eml", raw


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db, timeout=20) as connection:
        return int(connection.execute(sql).fetchone()[0])


def _beacon(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "DATA_DIR": str(tmp_path)}
    for name in ("BEACON_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return [sys.executable, "-m", "beacon.cli"], env


def _assert_each_once(db: Path) -> None:
    assert _count(db, "SELECT count(*) FROM intake_email_inboundemail") == MESSAGES
    assert _count(db, "SELECT count(*) FROM tickets_ticket") == MESSAGES
    assert (
        _count(db, "SELECT count(DISTINCT ticket_id) FROM intake_email_inboundemail")
        == MESSAGES
    )
    assert (
        _count(
            db,
            "SELECT count(*) FROM intake_email_inboundemail WHERE status != 'ticket'",
        )
        == 0
    )


@pytest.mark.live
def test_two_overlapping_imap_polls_create_each_ticket_once(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    beacon, env = _beacon(tmp_path)
    env["SSL_CERT_FILE"] = str(cert)
    server: Dovecot
    with dovecot(cert, key) as server:
        for name, raw in _messages():
            server.deliver(name, raw)
        subprocess.run(
            [*beacon, "migrate", "--no-input", "-v", "0"],
            env=env,
            check=True,
            capture_output=True,
        )
        seed = SEED.format(port=server.port, user=server.user, password=server.password)
        subprocess.run(
            [*beacon, "shell", "-c", seed], env=env, check=True, capture_output=True
        )

        polls = [
            subprocess.Popen(
                [*beacon, "shell", "-c", POLL], env=env, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        errors = [poll.communicate(timeout=300)[1] for poll in polls]

    assert [poll.returncode for poll in polls] == [0, 0], errors
    _assert_each_once(tmp_path / "beacon.sqlite3")


@pytest.mark.live
def test_two_overlapping_imports_create_each_ticket_once(tmp_path: Path) -> None:
    beacon, env = _beacon(tmp_path)
    export = tmp_path / "export"
    export.mkdir()
    for name, raw in _messages():
        (export / name).write_bytes(raw)
    subprocess.run(
        [*beacon, "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *beacon,
            "shell",
            "-c",
            'from beacon.intake.email.models import Mailbox; Mailbox.objects.create(name="S", slug="support", address="support@beacon.test")',
        ],
        env=env,
        check=True,
        capture_output=True,
    )

    runs = [
        subprocess.Popen(
            [
                *beacon,
                "email_import",
                str(export),
                "--mailbox",
                "support",
                "--batch",
                "10",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=300) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], results
    _assert_each_once(tmp_path / "beacon.sqlite3")
