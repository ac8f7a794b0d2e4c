"""The "breaching soon" page, the time-left filter and the ticket partial."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beacon.accounts.models import Team, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.sla.models import Metric, SlaPolicy, SlaTarget
from beacon.sla.templatetags.sla import format_time_left
from beacon.sla.tests.conftest import StartedTicket
from beacon.sla.tests.helpers import target
from beacon.tickets.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/console/sla/"


@pytest.fixture
def due_tickets(
    only_policy: Callable[..., SlaPolicy], started_ticket: StartedTicket
) -> tuple[Ticket, Ticket, Ticket]:
    """One overdue, one due in 30 minutes, one due in two days (resolution of 10 h)."""
    only_policy(first_response_minutes=60, resolution_minutes=600)
    now = timezone.now()
    overdue = started_ticket(at=now - timedelta(minutes=90), subject="Overdue one")
    soon = started_ticket(at=now - timedelta(minutes=30), subject="Soon one")
    later = started_ticket(at=now, subject="Later one")
    SlaTarget.objects.filter(ticket=later).update(due_at=now + timedelta(days=2))
    return overdue, soon, later


def login(client: Client, user: User) -> None:
    client.force_login(user)


def test_the_url_is_named() -> None:
    assert reverse("sla:breaching-soon") == URL


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_customers_cannot_see_the_page(client: Client, due_tickets: Any) -> None:
    overdue = due_tickets[0]
    login(client, overdue.customer)

    response = client.get(URL)

    assert response.status_code in (302, 404)
    assert overdue.reference not in response.content.decode()


def test_agents_see_their_teams_tickets_most_urgent_first(
    client: Client, agent: User, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    overdue, soon, later = due_tickets
    login(client, agent)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(overdue.reference) < html.index(soon.reference)
    assert later.reference not in html
    assert "badge-missing" in html  # overdue is shown in red
    assert "-30m" in html or "-29m" in html


def test_a_wider_window_includes_later_targets(
    client: Client, agent: User, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    login(client, agent)

    response = client.get(URL, {"hours": "72"})

    assert due_tickets[2].reference in response.content.decode()


@pytest.mark.parametrize("hours", ["abc", "-5", "100000"])
def test_a_bad_window_falls_back_to_a_sane_one(
    client: Client, agent: User, due_tickets: Any, hours: str
) -> None:
    login(client, agent)

    response = client.get(URL, {"hours": hours})

    assert response.status_code == 200


def test_agents_of_another_team_see_nothing(
    client: Client, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    outsider = AgentFactory.create(teams=[TeamFactory.create(slug="elsewhere")])
    login(client, outsider)

    response = client.get(URL)

    assert response.status_code == 200
    assert due_tickets[0].reference not in response.content.decode()


def test_auditors_see_every_team(
    client: Client, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    login(client, UserFactory.create(role="auditor"))

    response = client.get(URL)

    assert due_tickets[0].reference in response.content.decode()


def test_paused_targets_are_not_listed(
    client: Client, agent: User, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    SlaTarget.objects.filter(ticket=due_tickets[0]).update(paused_since=timezone.now())
    login(client, agent)

    response = client.get(URL)

    assert due_tickets[0].reference not in response.content.decode()


def test_htmx_gets_only_the_list(
    client: Client, agent: User, due_tickets: tuple[Ticket, Ticket, Ticket]
) -> None:
    login(client, agent)

    response = client.get(URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="target-list"')
    assert due_tickets[0].reference in html


def test_the_list_query_count_does_not_grow_with_rows(
    client: Client,
    agent: User,
    team: Team,
    only_policy: Callable[..., SlaPolicy],
    started_ticket: StartedTicket,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    only_policy(first_response_minutes=10, resolution_minutes=20)
    for _ in range(12):
        started_ticket(at=timezone.now() - timedelta(minutes=5))
    login(client, agent)

    with django_assert_max_num_queries(8):
        response = client.get(URL)

    assert response.content.decode().count("<tr>") == 1 + 24


# --- filter and partial ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (59, "0m"),
        (12 * 60, "12m"),
        (3 * 3600 + 5 * 60, "3h 05m"),
        (2 * 86400 + 4 * 3600, "2d 4h"),
        (-35 * 60, "-35m"),
    ],
)
def test_time_left_reads_naturally(seconds: int, text: str) -> None:
    assert format_time_left(seconds) == text


def test_the_filter_and_the_ticket_partial_render(
    only_policy: Callable[..., SlaPolicy], started_ticket: StartedTicket
) -> None:
    only_policy(first_response_minutes=60, resolution_minutes=600)
    ticket = started_ticket(at=timezone.now() - timedelta(minutes=90))
    first = target(ticket, Metric.FIRST_RESPONSE)

    html = Template(
        "{% load sla %}{{ first|sla_time_left }}|{% sla_ticket_status ticket %}"
    ).render(Context({"first": first, "ticket": ticket}))

    assert html.startswith(("-30m", "-29m"))
    assert "First response" in html and "Resolution" in html
    assert "badge-missing" in html


def test_the_partial_shows_nothing_for_a_ticket_without_targets() -> None:
    from beacon.tickets.tests.factories import make_ticket

    SlaPolicy.objects.all().delete()
    ticket = make_ticket(customer=CustomerFactory.create())

    html = Template("{% load sla %}{% sla_ticket_status ticket %}").render(
        Context({"ticket": ticket})
    )

    assert html.strip() == ""
