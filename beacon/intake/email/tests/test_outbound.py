"""Agent replies on email tickets go out through the outbox, threaded, from the mailbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from beacon.accounts.models import User
from beacon.accounts.tests.factories import AgentFactory
from beacon.intake.email.identity import reply_address
from beacon.intake.email.models import BouncedAddress, InboundStatus, ThreadMessageId
from beacon.intake.email.tests.conftest import Deliver, customer
from beacon.notifications.models import Delivery, DeliveryStatus
from beacon.notifications.services import deliveries_drain
from beacon.tickets.models import Category, MessageKind, Ticket
from beacon.tickets.services import reply_add
from beacon.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

FIRST = b"""From: Wang <wang@example.com>
To: support@beacon.test
Subject: Deposit missing
Message-ID: <first@example.com>
Authentication-Results: mx.beacon.test; dmarc=pass header.from=example.com; spf=pass smtp.mailfrom=example.com
Content-Type: text/plain; charset=utf-8

My USDT deposit is missing.
"""


@pytest.fixture
def emailed(deliver: Deliver, category: Category) -> Ticket:
    customer("wang@example.com", language="zh-hans")
    row = deliver(FIRST)
    assert row.ticket is not None
    mail.outbox.clear()
    return row.ticket


def _agent_reply(
    ticket: Ticket,
    capture: Callable[..., Any],
    body: str = "We found it.",
    kind: str = MessageKind.REPLY,
) -> User:
    agent = AgentFactory.create()
    with capture(execute=True):
        reply_add(ticket=ticket, author=agent, body=body, kind=kind)
    # The test transaction never commits; drain the outbox as the worker would.
    deliveries_drain()
    return agent


def test_agent_reply_is_sent_threaded_from_the_mailbox(
    emailed: Ticket, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    _agent_reply(emailed, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    message_id = sent.extra_headers["Message-ID"].strip("<>")
    assert message_id.endswith("@beacon.test")
    assert sent.extra_headers["In-Reply-To"] == "<first@example.com>"
    assert "<first@example.com>" in sent.extra_headers["References"]
    assert sent.subject == f"Re: Deposit missing [{emailed.reference}]"
    assert sent.from_email == "Beacon Support <support@beacon.test>"
    assert sent.reply_to == [reply_address("support@beacon.test", emailed.reference)]
    assert sent.to == ["wang@example.com"]
    assert "We found it." in sent.body
    assert (
        "Beacon 客服团队" in sent.body
    )  # the mailbox's signature in the customer's language
    assert "Auto-Submitted" not in sent.extra_headers
    assert ThreadMessageId.objects.filter(
        message_id=message_id, ticket=emailed, direction="out"
    ).exists()


def test_the_customers_answer_to_our_reply_threads_by_its_message_id(
    emailed: Ticket,
    deliver: Deliver,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _agent_reply(emailed, django_capture_on_commit_callbacks)
    ours = mail.outbox[0].extra_headers["Message-ID"]

    row = deliver(
        FIRST.replace(
            b"<first@example.com>",
            b"<second@example.com>\nIn-Reply-To: " + ours.encode(),
        ).replace(b"Deposit missing", b"Re: something else")
    )

    assert row.status == InboundStatus.REPLY and row.ticket == emailed


def test_notes_and_non_email_tickets_send_no_mail(
    emailed: Ticket,
    category: Category,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    _agent_reply(
        emailed,
        django_capture_on_commit_callbacks,
        body="internal",
        kind=MessageKind.NOTE,
    )
    web = make_ticket(customer=customer("web@example.com"), category=category)
    _agent_reply(web, django_capture_on_commit_callbacks)

    assert not Delivery.objects.filter(template_key="email_reply").exists()
    assert all("internal" not in m.body for m in mail.outbox)


def test_reply_to_a_bouncing_address_is_dead_at_once(
    emailed: Ticket, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    BouncedAddress.objects.create(address="wang@example.com", status="5.1.1")

    _agent_reply(emailed, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(template_key="email_reply")
    assert delivery.status == DeliveryStatus.DEAD
    assert "bouncing" in delivery.last_error
    assert mail.outbox == []
