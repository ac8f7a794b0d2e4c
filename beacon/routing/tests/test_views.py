"""The dry-run page (leads and admins) and the presence switch (assignable staff)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from beacon.accounts.models import Role, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.routing.models import AgentPresence, PresenceStatus
from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.tickets.models import Priority
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

DRY_RUN = "/console/routing/dry-run/"
PRESENCE = "/console/routing/presence/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_urls_are_mounted_under_the_console() -> None:
    assert reverse("routing:dry-run") == DRY_RUN
    assert reverse("routing:presence") == PRESENCE


def test_anonymous_is_sent_to_login() -> None:
    for url in (DRY_RUN, PRESENCE):
        response = Client().get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.AGENT, Role.AUDITOR])
def test_dry_run_is_hidden_from_everyone_but_leads_and_admins(role: Role) -> None:
    RoutingRuleFactory.create(name="Secret routing rule")
    user = UserFactory.create(role=role)

    response = logged_in(user).get(DRY_RUN)

    assert response.status_code == 404
    assert "Secret routing rule" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.LEAD, Role.ADMIN])
def test_dry_run_shows_which_rule_a_sample_would_hit(
    role: Role, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    team = TeamFactory.create(name_en="Futures Desk")
    category = CategoryFactory.create(
        default_team=TeamFactory.create(name_en="General")
    )
    RoutingRuleFactory.create(name="Other rule", keywords="staking")
    RoutingRuleFactory.create(
        name="Futures rule",
        keywords="liquidation, 爆仓",
        set_team=team,
        set_priority=Priority.P2,
        add_tags=["futures"],
    )
    user = UserFactory.create(role=role)
    client = logged_in(user)
    query = {
        "subject": "我的仓位爆仓了",
        "description": "",
        "category": str(category.pk),
        "channel": "web",
        "language": "zh-hans",
        "vip_tier": "0",
        "kyc_level": "1",
    }

    with django_assert_max_num_queries(10):
        response = client.get(DRY_RUN, query)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Futures rule" in html and "Other rule" in html
    result = html[html.index('id="dry-run-result"') :]
    assert "Futures Desk" in result[: result.index("</section>")]
    assert "P2" in result[: result.index("</section>")]
    assert "futures" in result[: result.index("</section>")]


def test_dry_run_without_a_rule_hit_shows_the_category_default() -> None:
    category = CategoryFactory.create(
        default_team=TeamFactory.create(name_en="General Help")
    )
    admin = UserFactory.create(role=Role.ADMIN)

    response = logged_in(admin).get(
        DRY_RUN,
        {
            "subject": "hello",
            "description": "",
            "category": str(category.pk),
            "channel": "web",
            "language": "en",
            "vip_tier": "0",
            "kyc_level": "0",
        },
    )

    html = response.content.decode()
    assert "General Help" in html
    assert "defaults apply" in html


def test_dry_run_flags_a_security_emergency() -> None:
    TeamFactory.create(slug="account-security", name_en="Account Security")
    category = CategoryFactory.create()
    admin = UserFactory.create(role=Role.ADMIN)

    response = logged_in(admin).get(
        DRY_RUN,
        {
            "subject": "账户被盗",
            "description": "",
            "category": str(category.pk),
            "channel": "web",
            "language": "zh-hans",
            "vip_tier": "0",
            "kyc_level": "0",
        },
    )

    html = response.content.decode()
    assert "Security emergency" in html
    assert "Account Security" in html
    assert "security-emergency" in html


def test_presence_widget_is_404_for_customers() -> None:
    response = logged_in(CustomerFactory.create()).get(PRESENCE)

    assert response.status_code == 404


def test_auditors_cannot_change_presence() -> None:
    auditor = UserFactory.create(role=Role.AUDITOR)

    response = logged_in(auditor).post(PRESENCE, {"status": "online"})

    assert response.status_code == 403
    assert not AgentPresence.objects.filter(user=auditor).exists()


def test_agent_switches_presence_with_htmx() -> None:
    agent = AgentFactory.create(teams=[TeamFactory.create()])
    client = logged_in(agent)

    shown = client.get(PRESENCE, headers={"HX-Request": "true"})
    response = client.post(
        PRESENCE, {"status": "online"}, headers={"HX-Request": "true"}
    )

    assert 'aria-pressed="true">Offline' in shown.content.decode()
    assert response.status_code == 200
    assert 'aria-pressed="true">Online' in response.content.decode()
    assert AgentPresence.objects.get(user=agent).status == PresenceStatus.ONLINE


def test_presence_without_javascript_redirects_back_to_the_console() -> None:
    agent = AgentFactory.create()

    response = logged_in(agent).post(PRESENCE, {"status": "away"})

    assert response.status_code == 303
    assert AgentPresence.objects.get(user=agent).status == PresenceStatus.AWAY


def test_unknown_presence_is_refused() -> None:
    agent = AgentFactory.create()

    response = logged_in(agent).post(
        PRESENCE, {"status": "asleep"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    assert not AgentPresence.objects.filter(user=agent).exists()
