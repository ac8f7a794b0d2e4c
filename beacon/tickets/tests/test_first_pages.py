"""A list's first page from the statement prepared for its shape is the page the queryset gives."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beacon.accounts.models import Role, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets import queries
from beacon.tickets.models import Channel, Status, Ticket
from beacon.tickets.queries import Sort, TicketFilter, View
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

LIMIT = 4  # a few rows per page: the order and the cut both matter


@pytest.fixture
def desk() -> dict[str, Any]:
    team_a, team_b = TeamFactory.create(), TeamFactory.create()
    in_a = CategoryFactory.create(default_team=team_a)
    in_b = CategoryFactory.create(default_team=team_b)
    agent = AgentFactory.create(teams=[team_a], email="agent@example.com")
    other = AgentFactory.create(teams=[team_a, team_b])
    customers = [CustomerFactory.create() for _ in range(3)]
    statuses = [Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.SOLVED]
    channels = [Channel.WEB, Channel.EMAIL, Channel.API]
    now = timezone.now()
    for n in range(36):
        ticket = make_ticket(
            customer=customers[n % 3],
            category=in_a if n % 3 else in_b,
            priority=1 + n % 4,
            channel=channels[n % 3],
            tags=["vip"] if n % 4 == 0 else [],
        )
        # Creation times out of id order, with ties, and some tickets assigned.
        Ticket.objects.filter(pk=ticket.pk).update(
            status=statuses[n % 4],
            assignee=(agent, other, None)[n % 3],
            created_at=now - timedelta(hours=(n * 7) % 11),
            updated_at=now - timedelta(minutes=(n * 5) % 13),
        )
    return {
        "users": [
            UserFactory.create(role=Role.ADMIN),
            UserFactory.create(role=Role.AUDITOR),
            agent,
            AgentFactory.create(teams=[team_b], role=Role.LEAD),
            AgentFactory.create(teams=[]),
            customers[0],
        ],
        "filters": {
            "status": Status.OPEN,
            "priority": 2,
            "team_id": team_a.pk,
            "category_id": in_b.pk,
            "assignee_id": agent.pk,
            "channel": Channel.EMAIL,
            "tag": "VIP",
        },
        "lookups": {
            "team__slug": team_b.slug,
            "category__slug": in_a.slug,
            "assignee__email": "agent@example.com",
        },
    }


def _expected(user: User, filters: TicketFilter, lookups: dict[str, str]) -> list[int]:
    qs = queries.ticket_list_for_user(user=user, filters=filters).filter(**lookups)
    page = queries.paginate_values(
        qs, sort=filters.sort, cursor=None, limit=LIMIT, fields=("reference",)
    )
    return [row["id"] for row in page.items] + [int(page.next_cursor is not None)]


def _prepared(user: User, filters: TicketFilter, lookups: dict[str, str]) -> list[int]:
    page = queries.ticket_page_for_user(
        user=user,
        filters=filters,
        cursor=None,
        limit=LIMIT,
        fields=("reference",),
        lookups=lookups,
    )
    return [row["id"] for row in page.items] + [int(page.next_cursor is not None)]


def test_every_shape_gives_the_querysets_first_page(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Room for every shape of this test: each one is compared through its own statement.
    monkeypatch.setattr(queries, "_FIRST_PAGES", {})
    monkeypatch.setattr(queries, "FIRST_PAGE_SHAPES", 10_000)
    names = list(desk["filters"])
    # No filter, each one alone, pairs of neighbours, all together; each lookup alone and all.
    filter_sets = [
        (),
        *((name,) for name in names),
        *itertools.pairwise(names),
        tuple(names),
    ]
    lookup_sets = [(), *((name,) for name in desk["lookups"]), tuple(desk["lookups"])]
    compared = 0
    for user, view, sort in itertools.product(desk["users"], View, Sort):
        for given in filter_sets:
            filters = TicketFilter(
                view=view, sort=sort, **{name: desk["filters"][name] for name in given}
            )
            for lookup_names in lookup_sets if not given else [()]:
                lookups = {name: desk["lookups"][name] for name in lookup_names}
                assert _prepared(user, filters, lookups) == _expected(
                    user, filters, lookups
                ), (user.role, view, sort, given, lookup_names)
                compared += 1
    assert compared > 1000
    # All of them were prepared (viewers of one kind, everything, teams or own, share shapes).
    assert len(queries._FIRST_PAGES) > 1000
    # Most shapes found a page with rows: the comparison is not between empty lists.
    admin = desk["users"][0]
    assert len(_prepared(admin, TicketFilter(view=View.ALL), {})) == LIMIT + 1


def test_a_prepared_first_page_runs_no_compiled_queryset(desk: dict[str, Any]) -> None:
    agent = desk["users"][2]
    filters = TicketFilter(view=View.ALL, channel=Channel.EMAIL, tag="vip")
    _prepared(agent, filters, {})  # compiles the shape once

    with CaptureQueriesContext(connection) as queries_run:
        first = _prepared(agent, filters, {})
        again = _prepared(agent, filters, {})

    assert first == again == _expected(agent, filters, {})
    assert len(first) > 1  # rows, then whether more follow
    # Two statements per page (the ids, then their rows), the same text both times.
    statements = [query["sql"] for query in queries_run.captured_queries]
    assert len(statements) == 4 and statements[0] == statements[2]


def test_later_pages_searches_and_unprepared_shapes_take_the_queryset(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = desk["users"][0]
    filters = TicketFilter(view=View.ALL)
    first = queries.ticket_page_for_user(
        user=admin, filters=filters, cursor=None, limit=LIMIT, fields=("reference",)
    )
    assert first.next_cursor is not None
    second = queries.ticket_page_for_user(
        user=admin,
        filters=filters,
        cursor=first.next_cursor,
        limit=LIMIT,
        fields=("reference",),
    )
    qs = queries.ticket_list_for_user(user=admin, filters=filters)
    expected = queries.paginate_values(
        qs,
        sort=filters.sort,
        cursor=first.next_cursor,
        limit=LIMIT,
        fields=("reference",),
    )
    assert second == expected

    # Once the shapes are full, a new shape is answered the unprepared way, the same.
    monkeypatch.setattr(queries, "_FIRST_PAGES", {})
    monkeypatch.setattr(queries, "FIRST_PAGE_SHAPES", 0)
    unprepared = TicketFilter(view=View.PENDING, sort=Sort.OLDEST)
    assert _prepared(admin, unprepared, {}) == _expected(admin, unprepared, {})
    assert queries._FIRST_PAGES == {}


def test_an_inactive_user_gets_an_empty_first_page(desk: dict[str, Any]) -> None:
    agent = desk["users"][2]
    agent.is_active = False
    assert _prepared(agent, TicketFilter(view=View.ALL), {}) == [0]


def _plain_first_page(user: User, filters: TicketFilter) -> list[int]:
    """The first page of a search through the text filter alone."""
    qs = queries.ticket_list_for_user(user=user, filters=filters)
    page = queries.paginate_values(
        qs, sort=filters.sort, cursor=None, limit=LIMIT, fields=("reference",)
    )
    return [row["id"] for row in page.items] + [int(page.next_cursor is not None)]


@pytest.mark.parametrize("window", [8, 500])
def test_a_searchs_first_page_is_the_text_filters(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Among the newest matches (all of them with a window of 500; with 8, only where the
    creation times allow, else the filter), through the prepared statement on SQLite."""
    monkeypatch.setattr(queries, "NEWEST_MATCHES", window)
    monkeypatch.setattr(queries, "_newest_matches_paused_until", 0.0)
    monkeypatch.setattr(queries, "_FIRST_PAGES", {})
    # A dozen more tickets created in id order, on a word of their own.
    for _ in range(12):
        make_ticket(category=CategoryFactory.create(), subject="Withdrawal stuck")
    for user, sort, q in itertools.product(
        desk["users"], Sort, ["deposit", "withdrawal", "withdr", "nothing-matches"]
    ):
        for given in [(), ("status",), ("tag",), ("assignee_id", "channel")]:
            filters = TicketFilter(
                view=View.ALL,
                sort=sort,
                q=q,
                **{name: desk["filters"][name] for name in given},
            )
            assert _prepared(user, filters, {}) == _plain_first_page(user, filters), (
                user.role,
                sort,
                q,
                given,
            )
    if connection.vendor == "sqlite":
        assert any(shape.among for shape in queries._FIRST_PAGES)


def test_a_search_answered_among_the_newest_matches_builds_no_list_queryset(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("The full-text index gives its newest matches on SQLite only.")
    monkeypatch.setattr(queries, "_newest_matches_paused_until", 0.0)
    for _ in range(12):
        make_ticket(category=CategoryFactory.create(), subject="Withdrawal stuck")
    admin = desk["users"][0]
    searches = [
        TicketFilter(view=View.ALL, q="withdrawal"),
        TicketFilter(view=View.ALL, q="deposit", sort=Sort.PRIORITY),
    ]
    expected = [_plain_first_page(admin, filters) for filters in searches]
    built: list[TicketFilter] = []
    list_for_user = queries.ticket_list_for_user

    def counted(**kwargs: Any) -> QuerySet[Ticket]:
        built.append(kwargs["filters"])
        return list_for_user(**kwargs)

    monkeypatch.setattr(queries, "ticket_list_for_user", counted)
    for filters, page in zip(searches, expected, strict=True):
        assert _prepared(admin, filters, {}) == page
    assert built == []
    # A later page still narrows the list's queryset.
    first = queries.ticket_page_for_user(
        user=admin, filters=searches[0], cursor=None, limit=LIMIT, fields=("reference",)
    )
    assert first.next_cursor is not None
    queries.ticket_page_for_user(
        user=admin,
        filters=searches[0],
        cursor=first.next_cursor,
        limit=LIMIT,
        fields=("reference",),
    )
    assert built == [searches[0]]
