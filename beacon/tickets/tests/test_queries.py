"""Access rules of the read side: who sees which tickets, notes and attachments."""

from __future__ import annotations

import pytest

from beacon.accounts.models import Role
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.core.errors import NotFound
from beacon.tickets import queries, services
from beacon.tickets.models import MessageKind
from beacon.tickets.queries import TicketFilter, View
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    team_x, team_y = TeamFactory.create(slug="x"), TeamFactory.create(slug="y")
    agent_x = AgentFactory.create(teams=[team_x])
    alice, bob = CustomerFactory.create(), CustomerFactory.create()
    ticket_x = make_ticket(
        customer=alice,
        category=CategoryFactory.create(default_team=team_x),
        subject="充值未到账 USDT",
    )
    ticket_y = make_ticket(
        customer=bob,
        category=CategoryFactory.create(default_team=team_y),
        subject="Withdrawal pending",
    )
    return {
        "agent_x": agent_x,
        "alice": alice,
        "bob": bob,
        "tx": ticket_x,
        "ty": ticket_y,
    }


def test_customer_sees_only_own_tickets(world) -> None:  # type: ignore[no-untyped-def]
    assert list(queries.tickets_visible_to(world["alice"])) == [world["tx"]]
    with pytest.raises(NotFound):
        queries.ticket_get_for_user(
            user=world["alice"], reference=world["ty"].reference
        )


def test_missing_and_foreign_tickets_raise_the_same_error(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as foreign:
        queries.ticket_get_for_user(
            user=world["alice"], reference=world["ty"].reference
        )
    with pytest.raises(NotFound) as missing:
        queries.ticket_get_for_user(user=world["alice"], reference="BX-00000000")

    assert (foreign.value.code, foreign.value.message) == (
        missing.value.code,
        missing.value.message,
    )


def test_agent_sees_only_team_tickets_in_list_and_search(world) -> None:  # type: ignore[no-untyped-def]
    agent = world["agent_x"]

    listed = list(
        queries.ticket_list_for_user(user=agent, filters=TicketFilter(view=View.ALL))
    )
    searched = list(
        queries.ticket_list_for_user(
            user=agent, filters=TicketFilter(view=View.ALL, q="Withdrawal")
        )
    )
    by_ref = list(
        queries.ticket_list_for_user(
            user=agent, filters=TicketFilter(view=View.ALL, q=world["ty"].reference)
        )
    )

    assert listed == [world["tx"]]
    assert searched == [] and by_ref == []


def test_search_finds_chinese_words_email_and_uid(world) -> None:  # type: ignore[no-untyped-def]
    admin = UserFactory.create(role=Role.ADMIN)

    def search(q: str) -> list[object]:
        return list(
            queries.ticket_list_for_user(
                user=admin, filters=TicketFilter(view=View.ALL, q=q)
            )
        )

    assert search("充值") == [world["tx"]]
    assert search(world["bob"].email) == [world["ty"]]
    assert search(world["alice"].exchange_uid) == [world["tx"]]
    assert search(world["tx"].reference.lower()) == [world["tx"]]


def test_admin_and_auditor_see_everything(world) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.ADMIN, Role.AUDITOR):
        assert queries.tickets_visible_to(UserFactory.create(role=role)).count() == 2


def test_notes_and_note_attachments_are_hidden_from_customers(world) -> None:  # type: ignore[no-untyped-def]
    ticket = world["tx"]
    services.reply_add(
        ticket=ticket,
        author=world["agent_x"],
        body="internal: check the hot wallet",
        kind=MessageKind.NOTE,
    )

    customer_view = [
        m.body for m in queries.messages_for_user(user=world["alice"], ticket=ticket)
    ]
    agent_view = [
        m.body for m in queries.messages_for_user(user=world["agent_x"], ticket=ticket)
    ]

    assert "internal: check the hot wallet" not in customer_view
    assert "internal: check the hot wallet" in agent_view
    assert all(
        e.public for e in queries.events_for_user(user=world["alice"], ticket=ticket)
    )


@pytest.mark.parametrize("sort", list(queries.Sort))
def test_cursor_pagination_walks_every_ticket_once(sort: queries.Sort) -> None:
    admin = UserFactory.create(role=Role.ADMIN)
    created = {make_ticket().reference for _ in range(7)}
    seen: list[str] = []
    cursor = None

    for _ in range(10):
        qs = queries.ticket_list_for_user(
            user=admin, filters=TicketFilter(view=View.ALL, sort=sort)
        )
        page = queries.paginate_values(
            qs,
            sort=sort,
            cursor=cursor,
            limit=3,
            fields=("reference",),
        )
        seen += [row["reference"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sorted(seen) == sorted(created)
