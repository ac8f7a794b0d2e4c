"""Ticket services: creation rules, structured fields, conversation, reopen, merge, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from beacon.accounts.models import Role
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.core.errors import Conflict, Invalid, PermissionDenied
from beacon.tickets import services
from beacon.tickets.models import (
    Category,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)
from beacon.tickets.reference import REFERENCE_RE, new_reference, normalise_reference
from beacon.tickets.tests.factories import DEPOSIT_FIELDS, CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

ERC20_TXID = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
DEPOSIT_VALUES = {
    "coin": "usdt",
    "network": "ERC20",
    "txid": ERC20_TXID,
    "amount": "150.50",
    "time": "2026-11-20T10:00",
}


@pytest.fixture
def deposit_category() -> Category:
    return CategoryFactory.create(
        slug="deposit-not-credited",
        form_fields=DEPOSIT_FIELDS,
        default_team=TeamFactory.create(slug="deposits"),
    )


def test_reference_is_random_and_well_formed() -> None:
    tickets = [make_ticket() for _ in range(5)]

    references = [t.reference for t in tickets]

    assert all(REFERENCE_RE.fullmatch(r) for r in references)
    assert len(set(references)) == 5
    # Not sequential or counted: 40 fresh references in the order drawn are not sorted (by
    # chance: 1 in 40!), and every character position varies among them (a counter keeps its
    # leading ones; one position the same in all 40 by chance: 8 in 32**39). Five, as this test
    # once drew, were sorted by chance once in 120 runs.
    drawn = [new_reference() for _ in range(40)]
    assert all(REFERENCE_RE.fullmatch(r) for r in drawn)
    assert len(set(drawn)) == 40
    assert drawn != sorted(drawn)
    body = len("BX-")
    assert all(len({r[body + i] for r in drawn}) > 1 for i in range(8))


def test_normalise_reference_accepts_lower_case_and_look_alikes() -> None:
    assert normalise_reference("re: bx-7k3f9qd2 please") == "BX-7K3F9QD2"
    assert normalise_reference("BX-7K3F9QDO") == "BX-7K3F9QD0"
    assert normalise_reference("no reference here") is None


def test_create_with_valid_structured_fields_normalises_them(
    deposit_category: Category,
) -> None:
    ticket = make_ticket(category=deposit_category, fields=DEPOSIT_VALUES)

    assert ticket.status == Status.NEW
    assert ticket.fields["coin"] == "USDT"
    assert ticket.fields["network"] == "ERC20"
    assert ticket.fields["amount"] == "150.5"
    assert ticket.team == deposit_category.default_team
    assert (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).count() == 1
    )


def test_invalid_txid_is_refused_with_a_field_error(deposit_category: Category) -> None:
    values = {**DEPOSIT_VALUES, "txid": "0x1234"}

    with pytest.raises(Invalid) as caught:
        make_ticket(category=deposit_category, fields=values)

    assert "txid" in caught.value.fields
    assert (
        "ERC20" in caught.value.fields["txid"][0]
        or "Ethereum" in caught.value.fields["txid"][0]
    )
    assert Ticket.objects.count() == 0


def test_portal_requires_every_required_field(deposit_category: Category) -> None:
    values = {k: v for k, v in DEPOSIT_VALUES.items() if k != "txid"}

    with pytest.raises(Invalid) as caught:
        make_ticket(category=deposit_category, fields=values)

    assert set(caught.value.fields) == {"txid"}


def test_memo_becomes_required_for_memo_networks(deposit_category: Category) -> None:
    values = {
        **DEPOSIT_VALUES,
        "network": "XRP",
        "txid": "E3FE6EA3D48F0C2B639448020EA4F03D4F4F8FFDB243A852A0F59177921B4879",
    }

    with pytest.raises(Invalid) as caught:
        make_ticket(category=deposit_category, fields=values)

    assert set(caught.value.fields) == {"memo"}


def test_api_intake_without_required_fields_waits_for_exactly_those(
    deposit_category: Category,
) -> None:
    values = {"coin": "USDT", "network": "TRC20", "amount": "10"}

    ticket = make_ticket(
        category=deposit_category, fields=values, require_fields=False, channel="api"
    )

    assert ticket.status == Status.PENDING_CUSTOMER
    assert ticket.missing_fields == ["txid", "time"]
    request = Message.objects.get(ticket=ticket, kind=MessageKind.SYSTEM)
    assert (
        "Transaction hash (TxID)" in request.body
        and "Time of the transfer" in request.body
    )
    assert "Amount" not in request.body


def test_customer_answer_with_missing_fields_reopens(
    deposit_category: Category,
) -> None:
    ticket = make_ticket(
        category=deposit_category,
        fields={"coin": "USDT", "network": "TRC20", "amount": "10"},
        require_fields=False,
    )
    trc20_txid = "a" * 64

    services.reply_add(
        ticket=ticket,
        author=ticket.customer,
        body="Here it is",
        fields={"txid": trc20_txid, "time": "2026-11-20 08:00"},
    )

    ticket.refresh_from_db()
    assert ticket.missing_fields == []
    assert ticket.status == Status.OPEN
    assert ticket.fields["txid"] == trc20_txid


def test_idempotency_key_returns_the_same_ticket() -> None:
    customer = CustomerFactory.create()
    category = CategoryFactory.create()

    first = make_ticket(customer=customer, category=category, idempotency_key="k-1")
    second = make_ticket(customer=customer, category=category, idempotency_key="k-1")

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1


def test_idempotency_key_with_another_body_conflicts() -> None:
    customer = CustomerFactory.create()
    category = CategoryFactory.create()
    make_ticket(customer=customer, category=category, idempotency_key="k-1")

    with pytest.raises(Conflict):
        make_ticket(
            customer=customer,
            category=category,
            idempotency_key="k-1",
            subject="Something else",
        )

    assert Ticket.objects.count() == 1


def test_agent_reply_sets_first_response_and_waits_for_customer() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    services.reply_add(ticket=ticket, author=agent, body="We are checking.")

    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.PENDING_CUSTOMER
    assert ticket.assignee == agent


def test_customer_reply_reopens_solved_ticket_within_window() -> None:
    ticket = make_ticket()
    agent = AgentFactory.create()
    services.ticket_update(
        ticket=ticket,
        actor=UserFactory.create(role=Role.ADMIN),
        changes={"status": Status.SOLVED},
    )
    del agent

    services.reply_add(ticket=ticket, author=ticket.customer, body="Still not there")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REOPENED).exists()


def test_customer_reply_after_window_starts_linked_follow_up() -> None:
    ticket = make_ticket()
    services.ticket_update(
        ticket=ticket,
        actor=UserFactory.create(role=Role.ADMIN),
        changes={"status": Status.SOLVED},
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        solved_at=timezone.now() - timedelta(days=8)
    )
    ticket.refresh_from_db()

    message = services.reply_add(
        ticket=ticket, author=ticket.customer, body="It happened again"
    )

    follow = message.ticket
    assert follow.pk != ticket.pk
    assert follow.follow_up_of == ticket
    assert TicketLink.objects.filter(
        source=follow, target=ticket, kind=LinkKind.FOLLOW_UP
    ).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_closed_ticket_is_read_only_for_staff() -> None:
    ticket = make_ticket()
    admin = UserFactory.create(role=Role.ADMIN)
    services.ticket_update(
        ticket=ticket, actor=admin, changes={"status": Status.CLOSED}
    )

    with pytest.raises(Conflict):
        services.reply_add(ticket=ticket, author=admin, body="one more thing")
    with pytest.raises(Conflict):
        services.ticket_update(ticket=ticket, actor=admin, changes={"priority": 1})


def test_auditor_cannot_change_anything() -> None:
    ticket = make_ticket()
    auditor = UserFactory.create(role=Role.AUDITOR)

    with pytest.raises(PermissionDenied):
        services.reply_add(
            ticket=ticket, author=auditor, body="hi", kind=MessageKind.NOTE
        )
    with pytest.raises(PermissionDenied):
        services.ticket_update(ticket=ticket, actor=auditor, changes={"priority": 1})


def test_customer_cannot_write_notes_or_reply_to_others() -> None:
    ticket = make_ticket()
    other = CustomerFactory.create()

    with pytest.raises(PermissionDenied):
        services.reply_add(
            ticket=ticket, author=ticket.customer, body="x", kind=MessageKind.NOTE
        )
    with pytest.raises(PermissionDenied):
        services.reply_add(ticket=ticket, author=other, body="x")


def test_update_records_old_and_new_values() -> None:
    team_a, team_b = TeamFactory.create(), TeamFactory.create()
    agent = AgentFactory.create(teams=[team_a])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team_a))
    services.ticket_update(ticket=ticket, actor=agent, changes={"assignee": agent})

    services.ticket_update(
        ticket=ticket, actor=agent, changes={"priority": 1, "team": team_b}
    )

    ticket.refresh_from_db()
    assert ticket.assignee is None  # agent is not in team_b
    changes = {
        (e.field, e.old_value, e.new_value)
        for e in TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHANGED)
    }
    assert ("priority", "P3", "P1") in changes
    assert ("team", team_a.name_en, team_b.name_en) in changes


def test_assignee_must_be_in_the_team() -> None:
    team_a, team_b = TeamFactory.create(), TeamFactory.create()
    outsider = AgentFactory.create(teams=[team_b])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team_a))

    with pytest.raises(Invalid) as caught:
        services.ticket_update(
            ticket=ticket,
            actor=UserFactory.create(role=Role.ADMIN),
            changes={"assignee": outsider},
        )

    assert "assignee" in caught.value.fields


def test_merge_keeps_history_and_tells_the_customer() -> None:
    customer = CustomerFactory.create()
    source = make_ticket(customer=customer, subject="Deposit missing")
    target = make_ticket(customer=customer, subject="Deposit missing again")
    admin = UserFactory.create(role=Role.ADMIN)

    services.ticket_merge(source=source, target=target, actor=admin)

    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into == target
    assert target.messages.filter(
        kind=MessageKind.NOTE, body__contains=source.reference
    ).exists()
    assert source.messages.filter(
        kind=MessageKind.SYSTEM, body__contains=target.reference
    ).exists()
    assert TicketEvent.objects.filter(ticket=target, kind=EventKind.MERGED).exists()


def test_merge_across_customers_is_refused() -> None:
    with pytest.raises(Conflict):
        services.ticket_merge(
            source=make_ticket(),
            target=make_ticket(),
            actor=UserFactory.create(role=Role.ADMIN),
        )


def test_macro_placeholders_are_filled_and_nothing_else_evaluated() -> None:
    from beacon.tickets.models import Macro

    ticket = make_ticket(customer=CustomerFactory.create(display_name="Alice"))
    agent = AgentFactory.create(display_name="Bob")
    macro = Macro.objects.create(
        name="hi",
        body_en="Hi {{ customer.name }}, re {{ticket.reference}} — {{ agent.name }} {{ settings.SECRET_KEY }}",
    )

    text = services.macro_render(macro=macro, ticket=ticket, agent=agent)

    assert (
        text == f"Hi Alice, re {ticket.reference} — Bob {{{{ settings.SECRET_KEY }}}}"
    )


def test_rating_only_after_solved() -> None:
    ticket = make_ticket()

    with pytest.raises(Conflict):
        services.ticket_rate(ticket=ticket, customer=ticket.customer, rating=5)
    services.ticket_close_by_customer(ticket=ticket, customer=ticket.customer)
    services.ticket_rate(
        ticket=ticket, customer=ticket.customer, rating=4, comment="ok"
    )

    ticket.refresh_from_db()
    assert ticket.rating == 4 and ticket.status == Status.SOLVED


def test_reference_collision_is_retried_with_a_new_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = make_ticket().reference
    fresh = "BX-ZZZZZZZZ"
    candidates = iter([taken, fresh])
    monkeypatch.setattr(services, "new_reference", lambda: next(candidates))

    ticket = make_ticket()

    assert ticket.reference == fresh
    assert Ticket.objects.filter(reference=taken).count() == 1
