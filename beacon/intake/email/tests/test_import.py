"""`beacon email_import`: .eml files and folders, mbox and Maildir; running it twice adds nothing."""

from __future__ import annotations

import mailbox as mailboxes
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from beacon.intake.email.models import InboundEmail, InboundStatus, Mailbox, Source
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
