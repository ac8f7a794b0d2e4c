"""Text search: words (English and Chinese), AND semantics, odd input, index kept in sync, access.

The same tests run on SQLite (FTS5) and on PostgreSQL (GIN on to_tsvector) when DATABASE_URL is set.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from pytest_django import DjangoAssertNumQueries

from beacon.accounts.models import Role, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets import search, services
from beacon.tickets.models import Attachment, MessageKind, Status, Ticket
from beacon.tickets.queries import Sort, TicketFilter, View, ticket_list_for_user
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return UserFactory.create(role=Role.ADMIN)


def found(user: Any, q: str, **filters: Any) -> list[Ticket]:
    return list(
        ticket_list_for_user(
            user=user, filters=TicketFilter(view=View.ALL, q=q, **filters)
        )
    )


def test_english_word_finds_only_tickets_containing_it(admin: User) -> None:
    withdrawal = make_ticket(
        subject="Withdrawal of 0.5 BTC pending", description="Sent three hours ago."
    )
    make_ticket(subject="Deposit not credited", description="USDT on TRC20.")

    result = found(admin, "withdrawal")

    assert result == [withdrawal]


def test_chinese_word_finds_segmented_subject(admin: User) -> None:
    chinese = make_ticket(subject="充值未到账", description="我昨天转了 USDT")
    make_ticket(subject="提现失败", description="一直显示处理中")

    result = found(admin, "充值")

    assert result == [chinese]


def test_every_word_must_match(admin: User) -> None:
    both = make_ticket(
        subject="Withdrawal pending", description="0.5 BTC since this morning"
    )
    make_ticket(subject="Withdrawal pending", description="2 ETH since yesterday")
    make_ticket(subject="BTC deposit", description="Not credited")

    result = found(admin, "withdrawal btc")

    assert result == [both]


def test_last_word_also_matches_as_prefix(admin: User) -> None:
    ticket = make_ticket(subject="Withdrawal pending", description="Still waiting")

    as_last = found(admin, "pending withdr")
    not_last = found(admin, "withdr pending")

    assert as_last == [ticket]
    assert not_last == []


def test_word_inside_a_hyphenated_token_is_found(admin: User) -> None:
    ticket = make_ticket(
        subject="Deposit on usdt-trc20 missing", description="Please check"
    )

    assert found(admin, "trc20") == [ticket]
    assert found(admin, "usdt-trc20") == [ticket]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "*",
        "OR",
        "NEAR(",
        "-",
        '"withdrawal',
        "withdrawal*",
        "NEAR(withdrawal btc)",
        "-withdrawal",
        "withdrawal'",
        "a\\b",
        ":*",
        "&|!",
        "^withdrawal",
        "(((",
    ],
)
def test_punctuation_and_operators_do_not_break_the_search(
    admin: User, query: str
) -> None:
    make_ticket(subject="Withdrawal pending", description="Waiting")

    result = found(admin, query)

    assert isinstance(result, list)


def test_quotes_around_a_word_are_ignored(admin: User) -> None:
    ticket = make_ticket(subject="Withdrawal pending", description="Waiting")

    assert found(admin, '"withdrawal"') == [ticket]
    assert found(admin, "withdrawal'") == [ticket]


def test_operator_words_are_searched_as_plain_words(admin: User) -> None:
    make_ticket(subject="Withdrawal pending", description="Waiting")
    make_ticket(subject="Deposit missing", description="Waiting")
    base = Ticket.objects.all()

    as_or = search.filter_text(base, ["withdrawal", "OR", "deposit"])
    as_not = search.filter_text(base, ["waiting", "NOT", "deposit"])
    as_near = search.filter_text(base, ["NEAR(withdrawal", "waiting)"])

    # Were OR/NOT/NEAR operators, these would find one or two tickets.
    assert list(as_or) == [] and list(as_not) == [] and list(as_near) == []


def test_query_without_letters_or_digits_leaves_the_list_unfiltered(
    admin: User,
) -> None:
    first, second = (
        make_ticket(subject="Withdrawal pending"),
        make_ticket(subject="Deposit missing"),
    )

    result = search.filter_text(Ticket.objects.order_by("id"), ["*", '"', "-"])

    assert list(result) == [first, second]


def test_public_reply_added_later_becomes_searchable(admin: User) -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(
        category=CategoryFactory.create(default_team=team), subject="Login problem"
    )
    assert found(admin, "blacklisted") == []

    services.reply_add(
        ticket=ticket, author=agent, body="Your address was blacklisted by the issuer."
    )

    assert found(admin, "blacklisted") == [ticket]
    assert found(admin, "login") == [ticket]


def test_internal_note_is_not_searchable(admin: User) -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(
        category=CategoryFactory.create(default_team=team), subject="Login problem"
    )

    services.reply_add(
        ticket=ticket,
        author=agent,
        body="Suspected fraudster, escalate",
        kind=MessageKind.NOTE,
    )

    assert found(admin, "fraudster") == []


def test_deleted_ticket_leaves_the_index(admin: User) -> None:
    ticket = make_ticket(subject="Withdrawal pending")
    kept = make_ticket(subject="Withdrawal stuck")

    Ticket.objects.filter(pk=ticket.pk).delete()

    assert found(admin, "withdrawal") == [kept]


def test_index_stays_consistent_after_create_update_and_delete() -> None:
    ticket = make_ticket(subject="Withdrawal pending")
    make_ticket(subject="充值未到账")
    Ticket.objects.filter(pk=ticket.pk).update(search_text="changed words")
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Status.OPEN
    )  # no text change: no index write
    make_ticket(subject="Third").delete()

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Compares the FTS index with the ticket table; raises on any difference.
            cursor.execute(
                "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rank) VALUES ('integrity-check', 1)"
            )
    assert list(search.filter_text(Ticket.objects.all(), ["changed"])) == [ticket]
    assert list(search.filter_text(Ticket.objects.all(), ["pending"])) == []


def test_customer_search_stays_within_own_tickets() -> None:
    alice, bob = CustomerFactory.create(), CustomerFactory.create()
    own = make_ticket(customer=alice, subject="Withdrawal pending")
    make_ticket(customer=bob, subject="Withdrawal pending")

    result = found(alice, "withdrawal")

    assert result == [own]


def test_agent_search_stays_within_team_tickets() -> None:
    team, other_team = TeamFactory.create(), TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    own = make_ticket(
        category=CategoryFactory.create(default_team=team), subject="Withdrawal pending"
    )
    make_ticket(
        category=CategoryFactory.create(default_team=other_team),
        subject="Withdrawal pending",
    )

    result = found(agent, "withdrawal")

    assert result == [own]


def test_auditor_and_anonymous_search(admin: User) -> None:
    from django.contrib.auth.models import AnonymousUser

    ticket = make_ticket(subject="Withdrawal pending")
    auditor = UserFactory.create(role=Role.AUDITOR)

    assert found(auditor, "withdrawal") == [ticket]
    assert found(AnonymousUser(), "withdrawal") == []


def test_search_combines_with_filters_and_sort(admin: User) -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    category = CategoryFactory.create(default_team=team)
    older = make_ticket(category=category, subject="Withdrawal pending")
    newer = make_ticket(category=category, subject="Withdrawal stuck")
    solved = make_ticket(category=category, subject="Withdrawal done")
    services.ticket_update(
        ticket=solved, actor=agent, changes={"status": Status.SOLVED}
    )

    oldest_first = found(admin, "withdrawal", sort=Sort.OLDEST)
    solved_only = found(admin, "withdrawal", status=Status.SOLVED)
    active = list(
        ticket_list_for_user(
            user=admin, filters=TicketFilter(view=View.ACTIVE, q="withdrawal")
        )
    )

    assert oldest_first == [older, newer, solved]
    assert solved_only == [solved]
    assert active == [newer, older]


def test_searched_queryset_works_as_a_subquery(admin: User) -> None:
    make_ticket(subject="Withdrawal pending")
    searched = search.filter_text(
        Ticket.objects.filter(status=Status.NEW), ["withdrawal"]
    )

    attachments = Attachment.objects.filter(ticket__in=searched)

    assert list(attachments) == []


def test_search_list_is_one_query(
    admin: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(5):
        make_ticket(subject=f"Withdrawal pending {n}")

    with django_assert_max_num_queries(1):
        result = found(admin, "withdrawal pending")

    assert len(result) == 5


def test_query_uses_the_full_text_index() -> None:
    qs = search.filter_text(Ticket.objects.order_by(), ["withdrawal"])
    sql, params = qs.query.sql_with_params()

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    index = (
        "tickets_ticket_search_gin"
        if connection.vendor == "postgresql"
        else "VIRTUAL TABLE INDEX"
    )
    assert index in plan


def test_sqlite_search_walks_the_list_index_newest_first() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan only")
    make_ticket(subject="Withdrawal pending")
    qs = search.filter_text(
        Ticket.objects.order_by("-created_at", "-id"), ["withdrawal"]
    )
    sql, params = qs.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "ticket_created_idx" in plan and "TEMP B-TREE" not in plan


def test_index_triggers_exist_after_all_migrations() -> None:
    """A migration that rebuilds tickets_ticket on SQLite drops its triggers; this catches it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_ticket'"
            )
            names = {row[0] for row in cursor.fetchall()}
        assert "tickets_ticket_search_gin" in names
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'"
        )
        names = {row[0] for row in cursor.fetchall()}

    assert names >= {
        "tickets_ticket_fts_insert",
        "tickets_ticket_fts_update",
        "tickets_ticket_fts_delete",
    }


def test_query_builders_escape_quotes() -> None:
    assert search.fts5_query(['say"hi', "x"]) == '"say""hi" "x"'
    assert search.tsquery(["it's", "a\\b"]) == "'it''s' & 'a\\\\b':*"
    assert search.fts5_query(["充"]) == '"充"*'
    assert search.tsquery(["a"]) == "'a'"
