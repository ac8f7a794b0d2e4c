"""The batch path of imports (inbound_store_many + inbound_process_many) ends exactly where the
one-by-one path (inbound_store + inbound_process) does, message for message."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from email.message import EmailMessage
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from beacon.accounts.tests.factories import AgentFactory
from beacon.intake.email.models import (
    InboundEmail,
    InboundStatus,
    Mailbox,
    Source,
    ThreadMessageId,
)
from beacon.intake.email.services import (
    inbound_process,
    inbound_process_many,
    inbound_store,
    inbound_store_many,
    our_addresses,
    prepare_sources,
)
from beacon.intake.email.tests.conftest import customer, sample
from beacon.notifications.models import Delivery
from beacon.notifications.services import deliveries_drain
from beacon.sla.models import SlaTarget
from beacon.tickets import services as ticket_services
from beacon.tickets.models import Ticket

pytestmark = pytest.mark.django_db
SEED = "abandon " * 11 + "about"


def _mail(run: str, i: int, *, sender: str = "", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender or f"Customer {i} <c{i}-{run}@example.test>"
    message["To"] = "support@beacon.test"
    message["Subject"] = headers.pop("Subject", f"Withdrawal pending #{i}")
    message["Message-ID"] = f"<m{i}-{run}@example.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Hello, withdrawal {i} is stuck.\n提现卡住了。\n")
    return message.as_bytes()


def _messages(run: str) -> list[bytes]:
    """New tickets (English, Chinese, HTML, a secret, two from one new address), a known
    customer, staff, an out-of-office, a bounce and a list mail: the batch and the full path."""
    html = EmailMessage()
    html["From"] = f"H <h-{run}@example.test>"
    html["To"] = "support@beacon.test"
    html["Subject"] = "HTML"
    html["Message-ID"] = f"<html-{run}@example.test>"
    html.set_content("plain part")
    html.add_alternative("<p>html <b>part</b><script>x()</script></p>", subtype="html")
    return [
        _mail(run, 1),
        _mail(run, 2, Subject="充值未到账"),
        html.as_bytes(),
        _mail(run, 3, Subject=f"seed {SEED}"),
        _mail(run, 4, sender=f"Same <same-{run}@example.test>"),
        _mail(run, 5, sender=f"Same <same-{run}@example.test>"),
        _mail(run, 6, sender=f"known-{run}@example.test"),
        _mail(run, 7, sender=f"agent-{run}@beacon.test"),
        _mail(run, 8, Auto_Submitted="auto-replied"),
        _mail(run, 9, Precedence="bulk"),
        sample("bounce_dsn.eml").replace(
            b"Message-Id: <", f"Message-Id: <{run}".encode(), 1
        ),
        _mail(run, 1),  # a re-delivery
    ]


def _summary(row: InboundEmail, run: str) -> dict[str, Any]:
    ticket = row.ticket

    def plain(value: Any) -> str:
        text = str(value).replace(f"-{run}", "").replace(run, "")
        if ticket is not None:
            text = text.replace(ticket.reference, "REF").replace(f"t{ticket.pk}", "tID")
        return text

    summary: dict[str, Any] = {
        "row": plain(
            (
                row.status,
                row.reason,
                row.from_address,
                row.subject,
                row.html,
                row.sender_verified,
                row.auth_summary,
                row.attempts,
                SEED in bytes(row.raw).decode("utf-8", "replace"),
            )
        )
    }
    if ticket is not None:
        summary["ticket"] = plain(
            (
                ticket.subject,
                ticket.description,
                ticket.status,
                ticket.language,
                ticket.customer.email,
                ticket.customer.email_verified,
                sorted(ticket.tags.values_list("name", flat=True)),
                list(
                    ticket.events.order_by("id").values_list(
                        "kind", "field", "new_value"
                    )
                ),
                list(ticket.messages.order_by("id").values_list("kind", "body")),
                sorted(
                    ThreadMessageId.objects.filter(ticket=ticket).values_list(
                        "direction", flat=True
                    )
                ),
                sorted(
                    Delivery.objects.filter(
                        dedup_key__regex=rf":t{ticket.pk}(:|$)"
                    ).values_list("template_key", "kind", "address")
                ),
                sorted(
                    SlaTarget.objects.filter(ticket=ticket).values_list(
                        "metric", flat=True
                    )
                ),
            )
        )
    return summary


def _setup(run: str) -> None:
    customer(f"known-{run}@example.test", email_verified=True, language="zh-hans")
    AgentFactory.create(email=f"agent-{run}@beacon.test")


def test_batch_ends_where_one_by_one_ends(
    mailbox: Mailbox,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _setup("solo")
    _setup("batched")
    one_rows = []
    with django_capture_on_commit_callbacks(execute=True):
        for raw in _messages("solo"):
            row, _created = inbound_store(
                raw=raw, source=Source.IMPORT, mailbox=mailbox
            )
            inbound_process(inbound_id=row.pk)
            one_rows.append(row.pk)
    with django_capture_on_commit_callbacks(execute=True):
        stored = inbound_store_many(
            raws=_messages("batched"), source=Source.IMPORT, mailbox=mailbox
        )
        statuses = inbound_process_many(
            inbound_ids=list(dict.fromkeys(row.pk for row, _c, _r in stored if row))
        )

    assert "batch failed" not in caplog.text  # the batch path itself, not the fallback
    assert [created for _row, created, _refusal in stored] == [True] * 11 + [False]
    assert statuses[InboundStatus.TICKET] == 8
    ones = [_summary(InboundEmail.objects.get(pk=pk), "solo") for pk in one_rows]
    bulks = [
        _summary(InboundEmail.objects.get(pk=row.pk), "batched")
        for row, _c, _r in stored
        if row
    ]
    for one, bulk in zip(ones, bulks, strict=True):
        assert bulk == one
    # The secret is masked in the ticket and in the stored source alike.
    assert "[REDACTED:seed_phrase]" in ones[3]["ticket"]
    assert ones[3]["row"].endswith(
        ", False)"
    )  # the seed is no longer in the raw source
    assert (
        "customer_received" in ones[0]["ticket"]
        and "email_auto_reply" in ones[0]["ticket"]
    )


def test_a_failing_batch_is_redone_one_by_one(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = inbound_store_many(
        raws=[_mail("x", i) for i in range(5)], source=Source.IMPORT, mailbox=mailbox
    )

    def broken(**_kwargs: Any) -> list[Ticket]:
        raise RuntimeError("bulk insert failed")

    monkeypatch.setattr(ticket_services, "tickets_create_many", broken)
    statuses = inbound_process_many(
        inbound_ids=[row.pk for row, _c, _r in stored if row]
    )

    assert statuses == {InboundStatus.TICKET: 5}
    assert Ticket.objects.count() == 5
    assert not InboundEmail.objects.filter(status=InboundStatus.RECEIVED).exists()


def test_a_second_batch_run_over_the_same_rows_does_nothing(mailbox: Mailbox) -> None:
    raws = [_mail("y", i) for i in range(4)]
    stored = inbound_store_many(raws=raws, source=Source.IMPORT, mailbox=mailbox)
    ids = [row.pk for row, _c, _r in stored if row]

    first = inbound_process_many(inbound_ids=ids)
    again = inbound_store_many(raws=raws, source=Source.IMPORT, mailbox=mailbox)
    second = inbound_process_many(inbound_ids=ids)

    assert first == {InboundStatus.TICKET: 4}
    assert second == {}
    assert [created for _row, created, _r in again] == [False] * 4
    assert Ticket.objects.count() == 4


def test_too_large_a_message_is_refused_in_a_batch(
    mailbox: Mailbox, settings: Any
) -> None:
    settings.EMAIL_MAX_MESSAGE_BYTES = 2000
    stored = inbound_store_many(
        raws=[_mail("z", 1), _mail("z", 2) + b"x" * 3000],
        source=Source.IMPORT,
        mailbox=mailbox,
    )

    assert stored[0][1] is True
    assert stored[1][0] is None and "larger than" in stored[1][2]
    assert InboundEmail.objects.count() == 1


def test_import_recovers_rows_an_earlier_run_left_unparsed(
    mailbox: Mailbox, tmp_path: Any
) -> None:
    # An earlier run stored these and was killed before parsing them.
    inbound_store_many(
        raws=[_mail("old", i) for i in range(3)], source=Source.IMPORT, mailbox=mailbox
    )
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "new.eml").write_bytes(_mail("new", 1))
    out = StringIO()

    call_command("email_import", str(folder), "--mailbox", "support", stdout=out)

    assert "stored 1" in out.getvalue() and "recovered 3" in out.getvalue()
    assert "ticket 4" in out.getvalue()
    assert not InboundEmail.objects.filter(status=InboundStatus.RECEIVED).exists()
    assert Ticket.objects.count() == 4


def _secret_mail(run: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"victim-{run}@example.test"
    message["To"] = "support@beacon.test"
    message["Subject"] = f"My phrase {SEED}"
    message["Message-ID"] = f"<secret-{run}@example.test>"
    message.set_content(f"Here it is: {SEED}\nPlease help.")
    message.add_alternative(f"<p>Here it is: <b>{SEED}</b></p>", subtype="html")
    return message.as_bytes()


@pytest.mark.parametrize("path", ["one-by-one", "batch"])
def test_a_seed_phrase_in_subject_and_html_is_stored_nowhere(
    mailbox: Mailbox, django_capture_on_commit_callbacks: Any, path: str
) -> None:
    from beacon.triage.tests.secret_checks import assert_secret_absent_everywhere

    with django_capture_on_commit_callbacks(execute=True):
        if path == "one-by-one":
            row, _created = inbound_store(
                raw=_secret_mail(path), source=Source.IMPORT, mailbox=mailbox
            )
            inbound_process(inbound_id=row.pk)
        else:
            stored = inbound_store_many(
                raws=[_secret_mail(path)], source=Source.IMPORT, mailbox=mailbox
            )
            inbound_process_many(inbound_ids=[r.pk for r, _c, _x in stored if r])

    deliveries_drain()

    row = InboundEmail.objects.get(message_id=f"secret-{path}@example.test")
    assert row.ticket is not None
    assert "[REDACTED:seed_phrase]" in row.subject
    assert_secret_absent_everywhere(SEED)


_HELPER_SCRIPT = """
import os, pickle, sys
import django
django.setup()
from beacon.intake.email.preparing import Preparer, prepare_many
sources, ours = pickle.load(sys.stdin.buffer)
with Preparer(helpers=1) as preparer:
    forked = preparer.forked
    helped = preparer.result(preparer.submit(sources, ours), sources, ours)
sys.stdout.buffer.write(pickle.dumps((forked, helped, prepare_many(sources, ours))))
"""


def test_a_helper_process_prepares_what_this_process_would(
    mailbox: Mailbox, tmp_path: Any
) -> None:
    stored = inbound_store_many(
        raws=_messages("helper"), source=Source.IMPORT, mailbox=mailbox
    )
    sources = prepare_sources([row for row, created, _r in stored if row and created])
    # In a fresh interpreter: this one has threads (native ones included), so no fork here.
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "beacon.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _HELPER_SCRIPT],
        input=pickle.dumps((sources, our_addresses())),
        capture_output=True,
        env=env,
        check=True,
        timeout=120,
    )
    forked, helped, here = pickle.loads(done.stdout)  # our own child's output

    assert forked
    assert helped == here
    assert [item.pk for item in here] == [source.pk for source in sources]
    # The out-of-office and the bounce take the one-by-one path; the seed phrase is masked.
    assert [n for n, item in enumerate(here) if item.single] == [8, 10]
    assert [n for n, item in enumerate(here) if item.redacted is not None] == [3]


def test_an_import_with_a_helper_process(mailbox: Mailbox, tmp_path: Any) -> None:
    _setup("cmd")
    folder = tmp_path / "mail"
    folder.mkdir()
    for n, raw in enumerate(_messages("cmd")):
        (folder / f"{n:02d}.eml").write_bytes(raw)
    out = StringIO()

    call_command(
        "email_import",
        str(folder),
        "--mailbox",
        "support",
        "--batch",
        "3",
        "--helpers",
        "1",
        stdout=out,
    )

    summary = out.getvalue().strip()
    assert summary.startswith("stored 11, duplicate 1, refused 0")
    for part in ("ticket 8", "ignored 2", "bounce 1", "recovered 0"):
        assert part in summary
    assert not InboundEmail.objects.filter(status=InboundStatus.RECEIVED).exists()
    assert Ticket.objects.count() == 8
