"""Bulk inserts write exactly what the ORM's save writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from beacon.accounts.models import User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory
from beacon.audit.models import AuditEvent
from beacon.core.bulk import _preparer, insert_returning, insert_rows
from beacon.notifications.models import Delivery
from beacon.tickets.models import Category, Status, Ticket
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SKIP = {"id", "created_at", "updated_at", "reference"}


def _stored(obj: Any) -> dict[str, Any]:
    """The row as read back, without the columns each insert sets on its own."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {
        field.attname: getattr(fresh, field.attname)
        for field in type(obj)._meta.concrete_fields
        if field.attname not in SKIP
    }


def _plain(value: Any) -> Any:
    """A prepared value comparable by equality: PostgreSQL wraps JSON in an adapter object
    (psycopg's Jsonb) that compares by identity; its `obj` is the value."""
    return getattr(value, "obj", value)


def _ticket(customer: User, category: Category, reference: str) -> Ticket:
    return Ticket(
        reference=reference,
        subject="Deposit missing 充值",
        description="Line one\nline two",
        channel="api",
        category=category,
        fields={"txid": "0xabc", "amount": "1.5"},
        missing_fields=["network"],
        priority=2,
        status=Status.PENDING_CUSTOMER,
        team=category.default_team,
        customer=customer,
        language="zh-hans",
        search_text="deposit",
    )


def test_insert_returning_stores_what_save_stores_and_sets_the_keys() -> None:
    customer: User = CustomerFactory.create()
    category: Category = CategoryFactory.create()
    saved = _ticket(customer, category, "BX-00000001")
    saved.save(force_insert=True)
    bulk = [_ticket(customer, category, f"BX-0000001{n}") for n in range(3)]

    insert_returning(bulk)

    assert all(ticket.pk for ticket in bulk)
    for ticket in bulk:
        assert _stored(ticket) == _stored(saved)


def test_insert_rows_stores_what_save_stores_with_and_without_an_actor() -> None:
    agent: User = AgentFactory.create()
    rows = [
        AuditEvent(
            actor=actor,
            action="ticket.create",
            target_type="ticket",
            target_id="BX-1",
            data={"channel": "api", "n": 1},
            ip_address=ip,
        )
        for actor, ip in ((agent, "10.0.0.1"), (None, None))
    ]
    for row in rows:
        AuditEvent.objects.create(
            actor=row.actor,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            data=row.data,
            ip_address=row.ip_address,
        )

    insert_rows(rows)

    stored = list(
        AuditEvent.objects.order_by("id").values(
            "actor_id", "action", "target_type", "target_id", "data", "ip_address"
        )
    )
    assert stored[2:] == stored[:2]


def test_the_short_cut_prepares_each_value_as_its_field_would() -> None:
    customer: User = CustomerFactory.create()
    ticket = _ticket(customer, CategoryFactory.create(), "BX-00000002")
    # Columns set at insert time (auto_now) differ between two preparations by design.
    fields = [
        field
        for field in Ticket._meta.local_concrete_fields
        if field is not Ticket._meta.auto_field and field.attname not in SKIP
    ]

    fast = [_preparer(field, connections["default"])(ticket) for field in fields]

    assert [_plain(value) for value in fast] == [
        _plain(
            field.get_db_prep_save(
                field.pre_save(ticket, add=True), connections["default"]
            )
        )
        for field in fields
    ]
    assert len(fast) > 10


def test_times_are_prepared_as_their_field_would_in_any_zone() -> None:
    """Aware times in any zone, naive and missing ones, through the short cut and the field."""
    field = Delivery._meta.get_field("next_attempt_at")
    db = connections["default"]
    prepare = _preparer(field, db)
    for value in (
        datetime(2026, 12, 6, 23, 59, 59, 123456, tzinfo=UTC),
        datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London")),
        timezone.now(),
        None,
    ):
        delivery = Delivery()
        delivery.next_attempt_at = value  # type: ignore[assignment]  # None: the slow path
        assert _plain(prepare(delivery)) == _plain(
            field.get_db_prep_save(field.pre_save(delivery, add=True), db)
        ), value
