"""Participants (Cc) by email: only authenticated mail adds them or lets them answer; agents'
replies copy them; automatic answers and notes never do."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail
from pytest_django.fixtures import Settings

from beacon.accounts.tests.factories import AgentFactory
from beacon.audit.models import AuditEvent
from beacon.intake.email import identity
from beacon.intake.email.models import BouncedAddress, InboundStatus, Mailbox, Source
from beacon.intake.email.services import (
    UNVERIFIED_TAG,
    inbound_process_many,
    inbound_store_many,
)
from beacon.intake.email.tests.conftest import Deliver, customer, email_ticket
from beacon.notifications.services import deliveries_drain
from beacon.tickets.models import (
    Category,
    Message,
    MessageKind,
    ParticipantSource,
    Ticket,
    TicketEvent,
    TicketParticipant,
)
from beacon.tickets.participants import participant_add
from beacon.tickets.services import reply_add

pytestmark = pytest.mark.django_db

TRUSTED = "mx.beacon.test; spf=pass smtp.mailfrom={d}; dmarc=pass header.from={d}"


def _mail(
    *,
    sender: str = "alice@example.com",
    to: str = "support@beacon.test",
    cc: str = "",
    subject: str = "Withdrawal stuck",
    message_id: str = "new-1@example.com",
    authenticated: bool = True,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    if authenticated:
        domain = sender.rsplit("@", 1)[1].strip(">")
        message["Authentication-Results"] = TRUSTED.format(d=domain)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("My withdrawal of 2 ETH is stuck.")
    return message.as_bytes()


def _addresses(ticket: Ticket) -> set[str]:
    return set(ticket.participants.values_list("address", flat=True))


# --- who is added ------------------------------------------------------------------------------


def test_an_authenticated_new_mail_adds_its_copies_but_not_us_staff_robots_or_the_sender(
    deliver: Deliver,
) -> None:
    AgentFactory.create(email="agent@beacon.test")

    row = deliver(
        _mail(
            to="support@beacon.test, Bob <bob@example.com>",
            cc="carol@example.org, support+abc@beacon.test, agent@beacon.test, "
            "noreply@example.com, MAILER-DAEMON@example.net, alice@example.com",
        )
    )

    assert row.status == InboundStatus.TICKET and row.ticket is not None
    assert _addresses(row.ticket) == {"bob@example.com", "carol@example.org"}
    events = TicketEvent.objects.filter(ticket=row.ticket, field="participants")
    assert sorted(events.values_list("new_value", flat=True)) == [
        "bob@example.com",
        "carol@example.org",
    ]
    assert AuditEvent.objects.filter(action="ticket.participant.add").count() == 2
    assert set(row.ticket.participants.values_list("source", flat=True)) == {
        ParticipantSource.EMAIL
    }


def test_an_unauthenticated_new_mail_adds_nobody(deliver: Deliver) -> None:
    row = deliver(_mail(cc="bob@example.com", authenticated=False))

    assert row.ticket is not None
    assert _addresses(row.ticket) == set()


def test_a_participant_is_linked_to_a_verified_customer_account_only(
    deliver: Deliver,
) -> None:
    bob = customer("bob@example.com", email_verified=True)
    customer("carol@example.org", email_verified=False)

    row = deliver(_mail(cc="bob@example.com, carol@example.org"))

    assert row.ticket is not None
    linked = dict(row.ticket.participants.values_list("address", "user"))
    assert linked == {"bob@example.com": bob.pk, "carol@example.org": None}


def test_participants_are_capped_per_ticket(
    deliver: Deliver, settings: Settings
) -> None:
    settings.TICKET_PARTICIPANTS_MAX = 2

    row = deliver(_mail(cc="a@example.org, b@example.org, c@example.org"))

    assert row.ticket is not None
    assert _addresses(row.ticket) == {"a@example.org", "b@example.org"}


def test_an_authenticated_reply_adds_its_new_copies(
    deliver: Deliver, category: Category
) -> None:
    ticket = email_ticket(customer("alice@example.com"), category)

    row = deliver(
        _mail(
            cc="dave@example.com",
            message_id="r-1@example.com",
            headers={"In-Reply-To": "<out-1@beacon.test>"},
        )
    )

    assert row.status == InboundStatus.REPLY and row.ticket == ticket
    assert _addresses(ticket) == {"dave@example.com"}


def test_forged_from_with_failing_dkim_and_extra_cc_adds_no_participant(
    deliver: Deliver, category: Category
) -> None:
    alice = customer("alice.chen@gmail.com")
    ticket = email_ticket(alice, category)
    forged = _mail(
        sender="Alice Chen <alice.chen@gmail.com>",
        cc="mallory@attacker.example",
        subject=f"Re: deposit [{ticket.reference}]",
        authenticated=False,
        headers={
            "In-Reply-To": "<out-1@beacon.test>",
            "DKIM-Signature": "v=1; a=rsa-sha256; d=gmail.com; s=20230601; h=from:subject; bh=AAAA; b=AAAA",
            "Authentication-Results": "attacker.example; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com",
        },
    )

    row = deliver(forged)

    assert row.ticket != ticket and row.claimed_ticket == ticket
    assert _addresses(ticket) == set()
    # Nor on the flagged ticket it opened instead.
    assert row.ticket is not None and _addresses(row.ticket) == set()
    assert row.ticket.tags.filter(name=UNVERIFIED_TAG).exists()


# --- participants answering --------------------------------------------------------------------


def _with_participant(category: Category, address: str = "bob@example.com") -> Ticket:
    ticket = email_ticket(customer("alice@example.com"), category)
    participant_add(ticket=ticket, actor=AgentFactory.create(), address=address)
    return ticket


def test_an_authenticated_participant_reply_joins_as_written_by_them(
    deliver: Deliver, category: Category
) -> None:
    ticket = _with_participant(category)

    row = deliver(
        _mail(
            sender="Bob <bob@example.com>",
            message_id="bob-1@example.com",
            headers={"In-Reply-To": "<out-1@beacon.test>"},
        )
    )

    assert row.status == InboundStatus.REPLY and row.ticket == ticket
    message = Message.objects.get(ticket=ticket, from_customer=True)
    assert message.author is not None and message.author.email == "bob@example.com"
    assert ticket.customer.email == "alice@example.com"


def test_a_participant_reply_by_token_and_spf_joins(
    deliver: Deliver, category: Category
) -> None:
    ticket = _with_participant(category)
    address = identity.reply_address("support@beacon.test", ticket.reference)

    row = deliver(
        _mail(
            sender="bob@example.com",
            to=address,
            message_id="bob-2@example.com",
            authenticated=False,
            headers={
                "Authentication-Results": "mx.beacon.test; spf=pass smtp.mailfrom=example.com; dmarc=none"
            },
        )
    )

    assert row.status == InboundStatus.REPLY and row.ticket == ticket


def test_an_unauthenticated_participant_reply_opens_a_new_flagged_ticket(
    deliver: Deliver, category: Category
) -> None:
    ticket = _with_participant(category)

    row = deliver(
        _mail(
            sender="bob@example.com",
            cc="eve@example.net",
            message_id="bob-3@example.com",
            authenticated=False,
            headers={"In-Reply-To": "<out-1@beacon.test>"},
        )
    )

    assert row.status == InboundStatus.TICKET and row.ticket != ticket
    assert row.claimed_ticket == ticket
    assert (
        row.ticket is not None and row.ticket.tags.filter(name=UNVERIFIED_TAG).exists()
    )
    assert not Message.objects.filter(ticket=ticket, from_customer=True).exists()
    assert _addresses(ticket) == {"bob@example.com"}


def test_a_removed_participant_no_longer_joins(
    deliver: Deliver, category: Category
) -> None:
    ticket = _with_participant(category)
    TicketParticipant.objects.filter(ticket=ticket).delete()

    row = deliver(
        _mail(
            sender="bob@example.com",
            message_id="bob-4@example.com",
            headers={"In-Reply-To": "<out-1@beacon.test>"},
        )
    )

    assert row.ticket != ticket and row.claimed_ticket == ticket


# --- outbound ----------------------------------------------------------------------------------


def _reply(
    ticket: Ticket, capture: Callable[..., Any], kind: str = MessageKind.REPLY
) -> None:
    with capture(execute=True):
        reply_add(ticket=ticket, author=AgentFactory.create(), body="Done.", kind=kind)
    deliveries_drain()


def test_an_agent_reply_goes_to_the_customer_with_participants_in_cc(
    deliver: Deliver, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    row = deliver(_mail(cc="bob@example.com, carol@example.org"))
    assert row.ticket is not None
    mail.outbox.clear()

    _reply(row.ticket, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["alice@example.com"]
    assert sorted(sent.cc) == ["bob@example.com", "carol@example.org"]
    assert sent.extra_headers["In-Reply-To"] == "<new-1@example.com>"
    assert "Cc: " in sent.message().as_string()


def test_a_bouncing_participant_is_left_out_of_the_cc(
    deliver: Deliver, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    row = deliver(_mail(cc="bob@example.com, carol@example.org"))
    assert row.ticket is not None
    BouncedAddress.objects.create(address="carol@example.org", status="5.1.1")
    mail.outbox.clear()

    _reply(row.ticket, django_capture_on_commit_callbacks)

    assert mail.outbox[0].cc == ["bob@example.com"]


def test_internal_notes_reach_nobody(
    deliver: Deliver, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    row = deliver(_mail(cc="bob@example.com"))
    assert row.ticket is not None
    mail.outbox.clear()

    _reply(row.ticket, django_capture_on_commit_callbacks, kind=MessageKind.NOTE)

    assert mail.outbox == []


def test_the_auto_reply_goes_to_the_sender_only(deliver: Deliver) -> None:
    row = deliver(_mail(cc="bob@example.com, carol@example.org"))

    assert row.ticket is not None and _addresses(row.ticket)
    assert len(mail.outbox) == 1
    auto = mail.outbox[0]
    assert auto.extra_headers["Auto-Submitted"] == "auto-generated"
    assert auto.to == ["alice@example.com"] and auto.cc == []
    assert "Cc:" not in auto.message().as_string()


# --- the batch path (imports) ------------------------------------------------------------------


def test_an_imported_mail_with_copies_adds_its_participants(mailbox: Mailbox) -> None:
    raws = [
        _mail(message_id="plain@example.com"),
        _mail(
            sender="dan@example.com",
            cc="erin@example.com",
            message_id="copied@example.com",
        ),
    ]
    stored = inbound_store_many(raws=raws, source=Source.IMPORT, mailbox=mailbox)

    statuses = inbound_process_many(
        inbound_ids=[row.pk for row, _created, _refusal in stored if row]
    )

    assert statuses == {InboundStatus.TICKET: 2}
    copied = Ticket.objects.get(customer__email="dan@example.com")
    assert _addresses(copied) == {"erin@example.com"}
    assert TicketParticipant.objects.count() == 1
