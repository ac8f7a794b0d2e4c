"""`beacon email_import`: .eml files and folders, mbox and Maildir; running it twice adds nothing."""

from __future__ import annotations

import mailbox as mailboxes
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from beacon.intake.email.importing import BatchClaim
from beacon.intake.email.models import InboundEmail, InboundStatus, Mailbox, Source
from beacon.intake.email.services import dedup_key_for
from beacon.intake.email.tests.conftest import SAMPLES, sample
from beacon.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NEW_TICKETS = ["html_only.eml", "big5_traditional.eml", "forwarded_gmail.eml"]


def _run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command(
        "email_import",
        str(path),
        "--mailbox",
        "support",
        *args,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def test_import_a_folder_of_eml_files_twice(mailbox: Mailbox, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name in NEW_TICKETS:
        (folder / name).write_bytes(sample(name))

    first = _run(folder)
    second = _run(folder)

    assert "stored 3" in first and "ticket 3" in first
    assert "stored 0" in second and "duplicate 3" in second
    assert Ticket.objects.count() == 3
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {Source.IMPORT}
    assert InboundEmail.objects.filter(mailbox=mailbox).count() == 3


def test_import_a_single_eml_file(mailbox: Mailbox) -> None:
    _run(SAMPLES / "html_only.eml")

    assert InboundEmail.objects.get().status == InboundStatus.TICKET


def test_import_an_mbox(mailbox: Mailbox, tmp_path: Path) -> None:
    path = tmp_path / "archive.mbox"
    box = mailboxes.mbox(str(path))
    for name in NEW_TICKETS:
        box.add(sample(name))
    box.close()

    _run(path)

    assert Ticket.objects.count() == 3


def test_import_a_maildir(mailbox: Mailbox, tmp_path: Path) -> None:
    box = mailboxes.Maildir(str(tmp_path / "Maildir"))
    for name in NEW_TICKETS:
        box.add(sample(name))

    _run(tmp_path / "Maildir")

    assert Ticket.objects.count() == 3
    assert {t.subject for t in Ticket.objects.all()} == {
        "Account locked",
        "帳戶被凍結",
        "Fwd: Urgent: verify your wallet",
    }


def test_import_refuses_a_missing_path_or_mailbox(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    with pytest.raises(CommandError):
        _run(tmp_path / "nothing")
    with pytest.raises(CommandError):
        call_command("email_import", str(SAMPLES), "--mailbox", "nope")


def test_a_batch_claimed_by_an_overlapping_run_is_left_to_it_then_checked(
    mailbox: Mailbox, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "export"
    folder.mkdir()
    for name in NEW_TICKETS:
        (folder / name).write_bytes(sample(name))
    # "Another run" holds the claim on the first batch (the first file) and stops without
    # storing it: this run goes on with the other batches, then waits, then stores it itself.
    first = sorted(folder.iterdir())[0]
    other = BatchClaim(
        tmp_path / "email-import-claims", [dedup_key_for(first.read_bytes())[0]]
    )
    assert other.take(wait=False)
    timer = threading.Timer(0.5, other.release)
    timer.start()
    try:
        output = _run(folder, "--batch", "1", "--helpers", "0")
    finally:
        timer.cancel()
        other.release()

    assert "stored 3" in output and "ticket 3" in output
    assert Ticket.objects.count() == 3
    keys = list(InboundEmail.objects.order_by("id").values_list("dedup_key", flat=True))
    # The claimed file was skipped at first and stored last, once the claim was given up.
    assert keys[-1] == dedup_key_for(first.read_bytes())[0]
    assert keys[0] != keys[-1]
    assert not list((tmp_path / "email-import-claims").iterdir())


def test_a_claim_is_exclusive_until_released(tmp_path: Path) -> None:
    mine = BatchClaim(tmp_path, ["mid:a@x", "mid:b@x"])
    theirs = BatchClaim(tmp_path, ["mid:b@x", "mid:a@x"])

    assert mine.take(wait=False)
    assert not theirs.take(wait=False)
    mine.release()
    assert theirs.take(wait=False)
    theirs.release()
