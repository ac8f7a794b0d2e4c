"""The configuration cache: values checked against the database's configuration version."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.core import configcache
from beacon.notifications.models import WebhookEndpoint
from beacon.notifications.services import active_endpoints
from beacon.routing.queries import active_rules
from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.tickets.queries import active_category
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_a_value_is_loaded_once_while_the_configuration_stays_the_same() -> None:
    calls: list[int] = []

    def loader() -> int:
        calls.append(1)
        return len(calls)

    assert configcache.get("k", loader) == 1
    assert configcache.get("k", loader) == 1
    assert len(calls) == 1

    configcache.bump()

    assert configcache.get("k", loader) == 2


def test_saving_a_watched_model_makes_the_next_read_load_again() -> None:
    category = CategoryFactory.create(slug="fees-x")
    assert active_category("fees-x") is not None

    category.is_active = False
    category.save()

    assert active_category("fees-x") is None


def test_a_team_change_reaches_the_category_it_is_the_default_of() -> None:
    team = TeamFactory.create(slug="team-a", name_en="Old name")
    CategoryFactory.create(slug="fees-y", default_team=team)
    assert active_category("fees-y").default_team.name_en == "Old name"  # type: ignore[union-attr]

    team.name_en = "New name"
    team.save()

    assert active_category("fees-y").default_team.name_en == "New name"  # type: ignore[union-attr]


def test_a_rule_added_or_deactivated_is_seen_at_once() -> None:
    assert active_rules() == []
    rule = RoutingRuleFactory.create()

    assert [r.pk for r in active_rules()] == [rule.pk]

    rule.is_active = False
    rule.save()

    assert active_rules() == []


def test_an_endpoint_disabled_by_a_queryset_update_is_seen_through_bump() -> None:
    endpoint = WebhookEndpoint.objects.create(
        name="crm", url="https://crm.example.test/hook", secret="s" * 32
    )
    assert [e.pk for e in active_endpoints()] == [endpoint.pk]

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    # A queryset update sends no signal: the services that do this call bump() themselves.
    assert [e.pk for e in active_endpoints()] == [endpoint.pk]
    configcache.bump()

    assert active_endpoints() == []


def test_a_value_loaded_inside_a_rolled_back_change_never_passes_for_a_later_one() -> (
    None
):
    with transaction.atomic():
        CategoryFactory.create(slug="ghost")
        # Read inside the change: cached under that (uncommitted) version.
        assert active_category("ghost") is not None
        transaction.set_rollback(True)
    # Another change commits afterwards; the ghost must not come back from the cache.
    CategoryFactory.create(slug="real")

    assert active_category("ghost") is None
    assert active_category("real") is not None


def test_the_api_refuses_a_category_deactivated_after_it_was_cached() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    customer = CustomerFactory.create(email="c@example.test")
    category = CategoryFactory.create(slug="fees-z", default_team=team)
    _token, secret = api_token_create(user=agent, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {
        "subject": "Fee question",
        "description": "Why was I charged twice?",
        "category": "fees-z",
        "customer_email": customer.email,
    }
    first = client.post(
        "/api/v1/tickets", json.dumps(body), content_type="application/json"
    )
    assert first.status_code == 201

    category.is_active = False
    category.save()
    second = client.post(
        "/api/v1/tickets", json.dumps(body), content_type="application/json"
    )

    assert second.status_code == 422
    assert "category" in second.json()["fields"]
