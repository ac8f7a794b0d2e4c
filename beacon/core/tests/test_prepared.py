"""Prepared queries: the queryset's rows, from SQL compiled once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from beacon.accounts.models import Membership, Role, User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.core.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def _customers(email: str) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.CUSTOMER, is_active=True, email=email
    ).order_by("pk")


BY_EMAIL = PreparedQuery(lambda email: _customers(email)[:1], email=str)
TEAMS = PreparedQuery(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id)
        .order_by("team_id")
        .values_list("team_id", "team__slug", "team__is_active")
    ),
    user_id=int,
)


def _fields(user: User) -> dict[str, Any]:
    return {
        field.attname: getattr(user, field.attname)
        for field in User._meta.concrete_fields
    }


def test_model_rows_equal_the_querysets_with_every_column_converted() -> None:
    customer: User = CustomerFactory.create(
        skills_languages=["en", "zh-hans"], email_verified=True
    )
    expected = _customers(customer.email).get()

    found = BY_EMAIL.first(email=customer.email)

    assert isinstance(found, User)
    assert _fields(found) == _fields(expected)
    assert found.date_joined.tzinfo is not None
    assert found._state.adding is False


def test_arguments_are_parameters_so_each_call_gets_its_own_rows() -> None:
    first: User = CustomerFactory.create()
    second: User = CustomerFactory.create()
    AgentFactory.create(email="agent@example.test")

    assert BY_EMAIL.first(email=first.email) == first
    assert BY_EMAIL.first(email=second.email) == second
    assert BY_EMAIL.first(email="agent@example.test") is None  # the role still applies
    assert BY_EMAIL.first(email="'; DROP TABLE accounts_user; --") is None


def test_values_list_rows_through_a_join_are_tuples_like_the_querysets() -> None:
    agent: User = AgentFactory.create()
    for team in (TeamFactory.create(), TeamFactory.create(is_active=False)):
        Membership.objects.create(user=agent, team=team)

    rows = TEAMS.all(user_id=agent.pk)

    assert rows == list(
        Membership.objects.filter(user=agent)
        .order_by("team_id")
        .values_list("team_id", "team__slug", "team__is_active")
    )
    assert {type(active) for _id, _slug, active in rows} == {bool}


def test_a_second_call_runs_one_statement_and_compiles_nothing() -> None:
    customer: User = CustomerFactory.create()
    BY_EMAIL.first(email=customer.email)

    with CaptureQueriesContext(connection) as queries:
        BY_EMAIL.first(email=customer.email)

    assert len(queries.captured_queries) == 1


def test_a_lookup_that_changes_its_argument_is_refused() -> None:
    # icontains wraps the argument in wildcards: it cannot be a plain parameter.
    prepared = PreparedQuery(
        lambda email: User.objects.filter(email__icontains=email), email=str
    )

    with pytest.raises(ValueError, match="do not reach the SQL"):
        prepared.all(email="x")


def test_select_related_is_refused() -> None:
    prepared = PreparedQuery(
        lambda user_id: Membership.objects.select_related("team").filter(
            user_id=user_id
        ),
        user_id=int,
    )

    with pytest.raises(ValueError, match="select_related"):
        prepared.all(user_id=1)


BY_IDS = PreparedQuery(
    lambda ids: (
        User.objects.filter(pk__in=ids, is_active=True)
        .order_by("pk")
        .values("id", "email", "date_joined")
    ),
    ids=list,
)


def test_a_list_argument_gives_the_rows_of_every_listed_id_as_dictionaries() -> None:
    users: list[User] = CustomerFactory.create_batch(11)
    inactive: User = CustomerFactory.create(is_active=False)
    wanted = [users[3].pk, users[0].pk, inactive.pk, users[3].pk, 10**9]

    rows = BY_IDS.all(ids=wanted)

    assert rows == list(
        User.objects.filter(pk__in=wanted, is_active=True)
        .order_by("pk")
        .values("id", "email", "date_joined")
    )
    assert [row["id"] for row in rows] == sorted([users[0].pk, users[3].pk])
    # Each size class compiles its own SQL: 11 values need the class of 16.
    assert {row["id"] for row in BY_IDS.all(ids=[u.pk for u in users])} == {
        u.pk for u in users
    }
    assert rows[0]["date_joined"].tzinfo is not None


def test_an_empty_list_answers_no_rows_without_a_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert BY_IDS.all(ids=[]) == []

    assert queries.captured_queries == []


def test_lists_of_one_size_class_share_one_statement() -> None:
    users: list[User] = CustomerFactory.create_batch(3)
    BY_IDS.all(ids=[users[0].pk])

    with CaptureQueriesContext(connection) as queries:
        rows = BY_IDS.all(ids=[u.pk for u in users])

    assert [row["id"] for row in rows] == [u.pk for u in users]
    assert len(queries.captured_queries) == 1
    # Padded to 8 values with the last one repeated.
    listed = re.search(r"IN \(([^)]*)\)", queries.captured_queries[0]["sql"])
    assert listed is not None
    assert [int(v) for v in listed.group(1).split(",")] == [
        users[0].pk,
        users[1].pk,
        *[users[2].pk] * 6,
    ]


def test_many_integer_arguments_each_reach_the_sql() -> None:
    """Every number stand-in stays within a 64-bit column's range, however many arguments: one
    outside it is left out of the SQL by Django (it matches nothing), which failed a fourth
    integer argument."""
    agent: User = AgentFactory.create(teams=[TeamFactory.create()])
    team_id = Membership.objects.get(user=agent).team_id
    memberships = PreparedQuery(
        lambda a, b, c, d, e: Membership.objects.filter(
            user_id=a, team_id=b, pk__gte=c, user_id__gte=d, team_id__lte=e
        ).values_list("team_id"),
        a=int,
        b=int,
        c=int,
        d=int,
        e=int,
    )

    assert memberships.all(a=agent.pk, b=team_id, c=0, d=agent.pk, e=team_id) == [
        (team_id,)
    ]
    assert memberships.all(a=agent.pk, b=team_id, c=0, d=agent.pk, e=team_id - 1) == []


JOINED_SINCE = PreparedQuery(
    lambda role, since, until: (
        User.objects.filter(role=role, date_joined__gte=since, date_joined__lt=until)
        .order_by("pk")
        .values_list("pk")
    ),
    role=str,
    since=datetime,
    until=datetime,
)


def test_datetime_arguments_compare_as_the_querysets_do_in_any_time_zone() -> None:
    """A datetime argument reaches the SQL in the backend's stored form (on SQLite the UTC
    text, where comparing another zone's text would be wrong by hours)."""
    moment = datetime(2026, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    earlier: User = CustomerFactory.create(date_joined=moment - timedelta(seconds=1))
    exact: User = CustomerFactory.create(date_joined=moment)
    later: User = CustomerFactory.create(date_joined=moment + timedelta(hours=3))
    shanghai = ZoneInfo("Asia/Shanghai")
    cases = [
        (moment, moment + timedelta(days=1)),
        (
            moment.astimezone(shanghai),
            (moment + timedelta(hours=2)).astimezone(shanghai),
        ),
        (moment - timedelta(days=1), moment + timedelta(microseconds=1)),
        (moment + timedelta(hours=4), moment + timedelta(days=1)),
    ]
    for since, until in cases:
        expected = list(
            User.objects.filter(
                role=Role.CUSTOMER, date_joined__gte=since, date_joined__lt=until
            )
            .order_by("pk")
            .values_list("pk")
        )
        assert (
            JOINED_SINCE.all(role=Role.CUSTOMER, since=since, until=until) == expected
        )
    # The cases are told apart: each user is in some answers and not in others.
    assert JOINED_SINCE.all(
        role=Role.CUSTOMER, since=moment, until=moment + timedelta(days=1)
    ) == [
        (exact.pk,),
        (later.pk,),
    ]
    assert JOINED_SINCE.all(
        role=Role.CUSTOMER, since=moment - timedelta(days=1), until=moment
    ) == [(earlier.pk,)]


def test_a_naive_datetime_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        JOINED_SINCE.all(
            role=Role.CUSTOMER,
            since=datetime(2026, 1, 1),  # noqa: DTZ001  (naive on purpose)
            until=datetime.now(UTC),
        )
