"""tickets_create_many writes, per ticket, exactly the rows ticket_create writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction

from beacon.accounts.models import User
from beacon.accounts.tests.factories import CustomerFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.core.errors import Invalid
from beacon.notifications.models import (
    Delivery,
    NotificationPreference,
    WebhookEndpoint,
)
from beacon.routing.models import RoutingDecision, RoutingRule
from beacon.sla.models import SlaPolicy, SlaTarget
from beacon.tickets import services
from beacon.tickets.models import Category, Channel, IdempotencyKey, Ticket
from beacon.tickets.tests.factories import DEPOSIT_FIELDS, CategoryFactory

pytestmark = pytest.mark.django_db

SEED = "abandon " * 11 + "about"


@pytest.fixture
def category() -> Category:
    return CategoryFactory.create(
        slug="deposit-not-credited",
        form_fields=DEPOSIT_FIELDS,
        default_team=TeamFactory.create(slug="deposits"),
    )


@pytest.fixture(autouse=True)
def _policy_and_webhook(db: None) -> None:
    SlaPolicy.objects.filter(targets__isnull=True).delete()
    SlaPolicy.objects.create(
        name="test policy",
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=600,
    )
    WebhookEndpoint.objects.create(
        name="all", url="http://127.0.0.1:9/hook", secret="s" * 32, events=["*"]
    )


def _customer(email: str, *, in_app: bool = True) -> User:
    user = CustomerFactory.create(email=email, language="zh-hans")
    NotificationPreference.objects.create(user=user, email=True, in_app=in_app)
    return user


def _rows(ticket: Ticket) -> dict[str, Any]:
    """Everything written for `ticket`, with its id and reference taken out."""
    ticket.refresh_from_db()

    def who(user_id: int | None) -> int | str | None:
        return "CUSTOMER" if user_id == ticket.customer_id else user_id

    def plain(value: Any) -> str:
        return (
            str(value)
            .replace(ticket.reference, "REF")
            .replace(ticket.reference.lower(), "REF")
            .replace(f"t{ticket.pk}", "tID")
            .replace(f"'ticket_id': {ticket.pk}", "'ticket_id': ID")
            .replace(ticket.customer.email, "ADDRESS")
        )

    return {
        "ticket": {
            "subject": ticket.subject,
            "description": ticket.description,
            "status": ticket.status,
            "priority": ticket.priority,
            "team": ticket.team_id,
            "language": ticket.language,
            "channel": ticket.channel,
            "fields": ticket.fields,
            "missing": ticket.missing_fields,
            "search_text": plain(ticket.search_text),
            "tags": sorted(ticket.tags.values_list("name", flat=True)),
        },
        "events": [
            (e.kind, e.field, e.old_value, e.new_value, e.public, who(e.actor_id))
            for e in ticket.events.order_by("id")
        ],
        "messages": [
            (m.kind, m.body, m.channel, who(m.author_id))
            for m in ticket.messages.order_by("id")
        ],
        "audit": [
            (a.action, who(a.actor_id), a.data)
            for a in AuditEvent.objects.filter(
                target_type="ticket", target_id=ticket.reference
            ).order_by("id")
        ],
        "outbox": sorted(
            (
                d.kind,
                d.template_key,
                plain(d.dedup_key),
                who(d.recipient_id),
                plain(d.address),
                d.language,
                plain(d.context),
            )
            for d in Delivery.objects.filter(
                dedup_key__contains=f"t{ticket.pk}:"
            ).exclude(template_key__startswith="ticket.")
        )
        + sorted(
            (d.kind, d.template_key, plain(d.dedup_key))
            for d in Delivery.objects.filter(
                template_key="ticket.created", dedup_key__endswith=f":t{ticket.pk}"
            )
        ),
        "sla": sorted(
            (t.metric, t.target_minutes, t.due_at - ticket.created_at)
            for t in SlaTarget.objects.filter(ticket=ticket)
        ),
        "routing": list(
            RoutingDecision.objects.filter(ticket=ticket).values_list(
                "rule_names", "is_emergency"
            )
        ),
    }


def _jobs(callbacks: list[Any]) -> list[str]:
    """Who registered each after-commit callback (the outbox drain kick left out)."""
    names = [
        getattr(c, "__qualname__", repr(c)).split(".<locals>")[0] for c in callbacks
    ]
    return [name for name in names if name != "_kick"]


CASES: list[dict[str, Any]] = [
    {"subject": "Deposit missing", "description": "USDT not credited yet."},
    {
        "subject": "  充值未到账  ",
        "description": "我的充值还没有到账。",
        "tags": ["email-unverified", "VIP"],
        "channel": Channel.EMAIL,
        "language": "zh-hans",
    },
    # A secret is masked, and reported, exactly as by ticket_create.
    {"subject": "Wallet", "description": f"my seed is {SEED} please help"},
]


@pytest.mark.parametrize("case", CASES, ids=["web", "email-zh", "secret"])
def test_bulk_rows_equal_ticket_create_rows(
    category: Category, case: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # After commit (jobs run at once in tests): the SLA start and auto-assignment.
    with django_capture_on_commit_callbacks(execute=True):
        one = services.ticket_create(
            customer=_customer("one@example.test"),
            category=category,
            require_fields=False,
            **case,
        )
    customer = _customer("bulk@example.test")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bulk = services.tickets_create_many(
            items=[services.NewTicket(customer=customer, category=category, **case)]
        )
    if case is not CASES[2]:
        # One job for the batch (and the outbox drain kick), not one per hook and ticket.
        assert _jobs(callbacks) == ["after_commit_many"]

    expected, got = _rows(one), _rows(bulk[0])
    for name in expected:
        assert got[name] == expected[name], name
    assert expected["events"] and expected["audit"] and expected["outbox"]
    assert expected["sla"]


def test_many_tickets_keep_their_order_and_rows(
    category: Category, django_capture_on_commit_callbacks: Any
) -> None:
    customers = [_customer(f"c{i}@example.test", in_app=i % 2 == 0) for i in range(6)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tickets = services.tickets_create_many(
            items=[
                services.NewTicket(
                    customer=customer,
                    category=category,
                    subject=f"Deposit {i}",
                    description=f"Case {i}",
                    channel=Channel.EMAIL,
                )
                for i, customer in enumerate(customers)
            ]
        )

    assert _jobs(callbacks) == ["after_commit_many"]  # one job for the six tickets
    assert [t.subject for t in tickets] == [f"Deposit {i}" for i in range(6)]
    assert [t.customer_id for t in tickets] == [c.pk for c in customers]
    for ticket in tickets:
        rows = _rows(ticket)
        assert [e[0] for e in rows["events"]] == ["created", "info_requested"]
        assert len(rows["sla"]) == 2  # first response and resolution
        assert [a[0] for a in rows["audit"]] == ["ticket.create"]
    in_app = Delivery.objects.filter(template_key="customer_received", kind="in_app")
    assert in_app.count() == 3
    assert Delivery.objects.filter(template_key="ticket.created").count() == 6


def test_a_matching_routing_rule_goes_through_ticket_create(category: Category) -> None:
    rule = RoutingRule.objects.create(
        name="vip words", keywords="urgent", add_tags=["hot"]
    )

    routed, plain = services.tickets_create_many(
        items=[
            services.NewTicket(
                customer=_customer("a@example.test"),
                category=category,
                subject="Urgent: deposit",
                description="urgent please",
            ),
            services.NewTicket(
                customer=_customer("b@example.test"),
                category=category,
                subject="Deposit",
                description="when you can",
            ),
        ]
    )

    assert _rows(routed)["routing"] == [([rule.name], False)]
    assert "hot" in _rows(routed)["ticket"]["tags"]
    assert _rows(plain)["routing"] == []


def test_one_invalid_item_writes_nothing(category: Category) -> None:
    with pytest.raises(Invalid):
        services.tickets_create_many(
            items=[
                services.NewTicket(
                    customer=_customer("a@example.test"),
                    category=category,
                    subject="Fine",
                    description="fine",
                ),
                services.NewTicket(
                    customer=_customer("b@example.test"),
                    category=category,
                    subject="x" * (services.SUBJECT_MAX + 1),
                    description="too long a subject",
                ),
            ]
        )

    assert not Ticket.objects.exists()
    assert not Delivery.objects.exists()


class _RecordingTransaction:
    """Opens the transaction as `transaction.atomic` would, recording what was true just before
    it began and just after it ended."""

    def __init__(self) -> None:
        self.events: list[tuple[str, bool, int]] = []

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self.events.append(
            ("begin", connection.in_atomic_block, Ticket.objects.count())
        )
        with transaction.atomic():
            yield
        self.events.append(("end", connection.in_atomic_block, Ticket.objects.count()))


@pytest.mark.django_db(transaction=True)
def test_the_rows_are_written_in_the_transaction_it_is_given(
    category: Category,
) -> None:
    opened = _RecordingTransaction()

    services.tickets_create_many(
        items=[
            services.NewTicket(
                customer=_customer("locked@example.test"),
                category=category,
                subject="Deposit",
                description="Not credited",
            )
        ],
        in_transaction=opened,
    )

    # Nothing written before BEGIN, the ticket committed by the end.
    assert opened.events == [("begin", False, 0), ("end", False, 1)]


def test_an_invalid_item_is_refused_before_the_transaction_begins(
    category: Category,
) -> None:
    opened = _RecordingTransaction()

    with pytest.raises(Invalid):
        services.tickets_create_many(
            items=[
                services.NewTicket(
                    customer=_customer("bad@example.test"),
                    category=category,
                    subject="",
                    description="No subject",
                )
            ],
            in_transaction=opened,
        )

    assert opened.events == []


def test_idempotency_keys_are_written_with_the_batch_not_one_by_one(
    category: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = _customer("keys@example.test")

    def alone(self: services.NewTicket) -> Ticket:
        raise AssertionError("the batch fell back to one by one")

    monkeypatch.setattr(services.NewTicket, "create_alone", alone)

    tickets = services.tickets_create_many(
        items=[
            services.NewTicket(
                customer=customer,
                category=category,
                subject=f"Deposit {n}",
                description="Not credited",
                idempotency_key=f"key-{n}",
            )
            for n in range(3)
        ]
    )

    stored = dict(
        IdempotencyKey.objects.filter(user=customer).values_list("key", "ticket_id")
    )
    assert stored == {f"key-{n}": ticket.pk for n, ticket in enumerate(tickets)}
