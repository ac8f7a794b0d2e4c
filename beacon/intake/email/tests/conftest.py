"""Shared set-up: a support mailbox, the email category, trusted MTA, helpers to deliver mail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from beacon.accounts.models import User
from beacon.accounts.tests.factories import CustomerFactory
from beacon.intake.email.models import (
    Direction,
    InboundEmail,
    Mailbox,
    Source,
    ThreadMessageId,
)
from beacon.intake.email.services import cache_clear, inbound_process, inbound_store
from beacon.tickets.models import Category, Channel, Ticket
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

SAMPLES = Path(__file__).parent / "samples"
Deliver = Callable[..., InboundEmail]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture(autouse=True)
def _email_settings(settings: Settings, tmp_path: Path) -> None:
    cache_clear()
    settings.DATA_DIR = tmp_path
    settings.EMAIL_TRUSTED_AUTHSERV_IDS = ["mx.beacon.test"]
    settings.BASE_URL = "https://support.beacon.test"


@pytest.fixture
def category(db: None) -> Category:
    return CategoryFactory.create(slug="other", name_en="Other")


@pytest.fixture
def mailbox(db: None, category: Category) -> Mailbox:
    return Mailbox.objects.create(
        name="Support",
        slug="support",
        address="support@beacon.test",
        display_name="Beacon Support",
        signature_en="Beacon Support team",
        signature_zh="Beacon 客服团队",
    )


@pytest.fixture
def deliver(
    mailbox: Mailbox, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Deliver:
    def run(raw: bytes | str, source: str = Source.HTTP) -> InboundEmail:
        data = raw if isinstance(raw, bytes) else sample(raw)
        row, _created = inbound_store(raw=data, source=source, mailbox=mailbox)
        # After-commit work (the outbox drain that sends the auto-reply) runs as in production.
        with django_capture_on_commit_callbacks(execute=True):
            inbound_process(inbound_id=row.pk)
        row.refresh_from_db()
        return row

    return run


def email_ticket(
    customer: User, category: Category, *, thread_id: str = "out-1@beacon.test"
) -> Ticket:
    """A ticket of `customer` opened by email, with one of our mails (`thread_id`) in its thread."""
    ticket = make_ticket(
        customer=customer,
        category=category,
        channel=Channel.EMAIL,
        require_fields=False,
    )
    ThreadMessageId.objects.create(
        message_id=thread_id, ticket=ticket, direction=Direction.OUTBOUND
    )
    return ticket


def customer(email: str, **kwargs: object) -> User:
    return CustomerFactory.create(email=email, **kwargs)
