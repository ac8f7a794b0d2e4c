"""The audit log page: auditors and admins only, filters, newest first in keyset pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from beacon.accounts.models import Membership, Role, Team, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.audit.models import AuditEvent
from beacon.audit.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/console/audit/"


# Factories are untyped (factory_boy); this gives the tests a real User.
def new_user(factory: Any, **fields: Any) -> User:
    user = factory(**fields)
    assert isinstance(user, User)
    return user


def new_team(**fields: Any) -> Team:
    factory: Any = TeamFactory
    team = factory(**fields)
    assert isinstance(team, Team)
    return team


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_url_is_mounted_in_the_console() -> None:
    assert reverse("console:audit:events") == URL


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_customer_gets_404() -> None:
    response = logged_in(new_user(CustomerFactory)).get(URL)

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD])
def test_agents_and_leads_get_404(role: Role) -> None:
    team = new_team()
    user = new_user(AgentFactory, role=role, teams=[team])
    Membership.objects.filter(user=user).update(is_lead=role == Role.LEAD)
    audit_record(
        actor=None,
        action="ticket.create",
        target_type="ticket",
        target_id="BX-SECRET01",
    )

    response = logged_in(user).get(URL)

    assert response.status_code == 404
    assert "BX-SECRET01" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_read_the_log(role: Role) -> None:
    actor = new_user(UserFactory, role=Role.ADMIN, email="boss@example.com")
    audit_record(
        actor=actor,
        action="api_token.create",
        target_type="user",
        target_id=7,
        data={"name": "CI 令牌"},
        ip_address="203.0.113.9",
    )

    response = logged_in(new_user(UserFactory, role=role)).get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "api_token.create" in html and "boss@example.com" in html and "user:7" in html
    )
    assert "203.0.113.9" in html and "CI 令牌" in html


def test_auditor_cannot_post() -> None:
    response = logged_in(new_user(UserFactory, role=Role.AUDITOR)).post(
        URL, {"action": "x"}
    )

    assert response.status_code == 403


def test_filters_by_action_actor_and_target() -> None:
    alice, bob = (
        new_user(UserFactory, role=Role.AGENT, email="alice@desk.example"),
        new_user(UserFactory, role=Role.AGENT, email="bob@desk.example"),
    )
    audit_record(
        actor=alice,
        action="ticket.update",
        target_type="ticket",
        target_id="BX-AAAA1111",
    )
    audit_record(
        actor=bob, action="ticket.merge", target_type="ticket", target_id="BX-BBBB2222"
    )
    audit_record(
        actor=bob, action="ticket.update", target_type="ticket", target_id="BX-CCCC3333"
    )
    client = logged_in(new_user(UserFactory, role=Role.AUDITOR))

    def targets(**params: str) -> set[str]:
        response = client.get(URL, params)
        return {event.target_id for event, _data in response.context["rows"]}

    assert targets(action="ticket.update") == {"BX-AAAA1111", "BX-CCCC3333"}
    assert targets(actor="bob@desk") == {"BX-BBBB2222", "BX-CCCC3333"}
    assert targets(target="bx-cccc3333") == {"BX-CCCC3333"}
    assert targets(target="ticket:BX-AAAA1111") == {"BX-AAAA1111"}
    assert targets(action="ticket.update", actor="bob@desk.example") == {"BX-CCCC3333"}


def test_ticket_targets_link_to_the_console() -> None:
    audit_record(
        actor=None,
        action="ticket.create",
        target_type="ticket",
        target_id="BX-AAAA1111",
    )

    html = logged_in(new_user(UserFactory, role=Role.ADMIN)).get(URL).content.decode()

    assert 'href="/console/t/BX-AAAA1111/"' in html


def test_pages_are_newest_first_without_overlap() -> None:
    for n in range(55):
        audit_record(actor=None, action="login", target_type="user", target_id=n)
    client = logged_in(new_user(UserFactory, role=Role.AUDITOR))

    first = client.get(URL)
    second = client.get(first.context["next_url"])

    first_ids = [int(event.target_id) for event, _data in first.context["rows"]]
    second_ids = [int(event.target_id) for event, _data in second.context["rows"]]
    assert first_ids == list(range(54, 4, -1))
    assert second_ids == [4, 3, 2, 1, 0]
    assert second.context["next_url"] == ""


def test_bad_cursor_falls_back_to_the_first_page() -> None:
    audit_record(actor=None, action="login", target_type="user", target_id=1)

    response = logged_in(new_user(UserFactory, role=Role.AUDITOR)).get(
        URL, {"cursor": "bm9wZQ"}
    )

    assert response.status_code == 200
    assert "cursor is not valid" in response.content.decode()
    assert len(response.context["rows"]) == 1


def test_htmx_request_returns_only_the_list() -> None:
    audit_record(actor=None, action="login", target_type="user", target_id=1)

    response = logged_in(new_user(UserFactory, role=Role.AUDITOR)).get(
        URL, {"action": "login"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="event-list"')
    assert "<html" not in html and 'id="audit-filter"' not in html


def test_query_count_is_constant(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    actors = [new_user(UserFactory, role=Role.AGENT) for _ in range(10)]
    for n in range(60):
        audit_record(
            actor=actors[n % 10],
            action=f"action.{n % 4}",
            target_type="ticket",
            target_id=f"BX-{n:08d}",
        )
    client = logged_in(new_user(UserFactory, role=Role.AUDITOR))

    # user, distinct actions, events with their actors.
    with django_assert_max_num_queries(3):
        response = client.get(URL)

    assert len(response.context["rows"]) == 50
    assert AuditEvent.objects.count() == 60
