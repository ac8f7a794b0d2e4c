"""A word search's pages found among the newest matches are the pages the plain filter gives."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from beacon.accounts.models import Role, User
from beacon.accounts.tests.factories import AgentFactory, TeamFactory, UserFactory
from beacon.tickets import queries
from beacon.tickets.models import Ticket
from beacon.tickets.queries import Sort, TicketFilter, View
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

WINDOW = 6  # NEWEST_MATCHES for these tests: a dozen matching tickets are "many".


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(queries, "NEWEST_MATCHES", WINDOW)
    monkeypatch.setattr(queries, "_newest_matches_paused_until", 0.0)
    team_a, team_b = TeamFactory.create(), TeamFactory.create()
    in_a = CategoryFactory.create(default_team=team_a)
    in_b = CategoryFactory.create(default_team=team_b)
    subjects = [
        "Withdrawal pending for hours",
        "Deposit not credited",
        "Withdrawal of USDT stuck",
        "Withdrawals disabled?",
    ]
    for n in range(18):
        make_ticket(
            category=in_a if n % 3 else in_b,
            subject=f"{subjects[n % len(subjects)]} #{n}",
            priority=1 + n % 4,
        )
    return {
        "admin": UserFactory.create(role=Role.ADMIN),
        "agent": AgentFactory.create(teams=[team_a]),
    }


def _walk(user: User, q: str, sort: Sort, *, plain: bool) -> list[int]:
    """Every page's ids, following the cursors, the plain way or through search=..."""
    filters = TicketFilter(view=View.ALL, q=q, sort=sort)
    seen: list[int] = []
    cursor = None
    for _ in range(30):
        if plain:
            qs = queries.ticket_list_for_user(user=user, filters=filters)
            page = queries.paginate_values(
                qs, sort=sort, cursor=cursor, limit=3, fields=("reference",)
            )
        else:
            qs = queries.ticket_list_for_user(user=user, filters=filters, text=False)
            page = queries.paginate_values(
                qs, sort=sort, cursor=cursor, limit=3, fields=("reference",), search=q
            )
        seen += [row["id"] for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages did not end")


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize(
    "q", ["withdrawal", "withdr", "deposit credited", "usdt", "nothing-matches"]
)
def test_search_pages_are_the_plain_filters_pages(
    desk: dict[str, Any], sort: Sort, q: str
) -> None:
    for user in (desk["admin"], desk["agent"]):
        expected = _walk(user, q, sort, plain=True)

        assert _walk(user, q, sort, plain=False) == expected


def test_an_older_ticket_created_later_still_leads_the_newest_first_page(
    desk: dict[str, Any],
) -> None:
    # An import: the lowest id, outside the newest matches, with the latest creation time.
    oldest = Ticket.objects.filter(subject__startswith="Withdrawal pending").earliest(
        "pk"
    )
    Ticket.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() + timedelta(hours=1)
    )

    found = _walk(desk["admin"], "withdrawal", Sort.NEWEST, plain=False)

    assert found[0] == oldest.pk
    assert found == _walk(desk["admin"], "withdrawal", Sort.NEWEST, plain=True)
    # Where the newest matches were tried (SQLite), the process now leaves such searches to
    # the filter for a while: the same pages.
    if connection.vendor == "sqlite":
        assert queries._newest_matches_paused_until > time.monotonic()
    assert _walk(desk["admin"], "withdrawal", Sort.NEWEST, plain=False) == found


def test_the_newest_matches_answer_where_they_can(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("The full-text index gives its newest matches on SQLite only.")
    answered: list[bool] = []
    among = queries._page_among_newest_matches

    def spy(*args: Any, **kwargs: Any) -> queries.Page | None:
        page = among(*args, **kwargs)
        answered.append(page is not None)
        return page

    monkeypatch.setattr(queries, "_page_among_newest_matches", spy)
    filters = TicketFilter(view=View.ALL)

    def first_page(q: str, sort: Sort, user: User) -> None:
        qs = queries.ticket_list_for_user(
            user=user, filters=replace(filters, q=q, sort=sort), text=False
        )
        queries.paginate_values(
            qs, sort=sort, cursor=None, limit=3, fields=("reference",), search=q
        )

    # Many matches (13 of 18), newest first, created in id order: the window answers.
    first_page("withdrawal", Sort.NEWEST, desk["admin"])
    # Fewer matches than the window (4 with "deposit"): they are all of them, in any order.
    first_page("deposit", Sort.PRIORITY, desk["admin"])
    # Many matches in another order: the plain filter answers.
    first_page("withdrawal", Sort.UPDATED, desk["admin"])
    # A reference, an email: not a word search.
    first_page("customer@example.test", Sort.NEWEST, desk["admin"])
    # After a failed attempt, many matches newest first wait for the pause to end; few
    # matches still answer.
    monkeypatch.setattr(queries, "_newest_matches_paused_until", time.monotonic() + 60)
    first_page("withdrawal", Sort.NEWEST, desk["admin"])
    first_page("deposit", Sort.NEWEST, desk["admin"])

    assert answered == [True, True, False, False, False, True]
