"""Routing rules that match on triage fields (the routing migration 0002 adds sentiment)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from beacon.routing.matching import TicketFacts, rule_matches
from beacon.routing.models import RoutingRule

pytestmark = pytest.mark.django_db

FACTS = TicketFacts(
    subject="提币",
    description="一直不到账",
    category_id=None,
    category_is_security=False,
    channel="email",
    language="zh-hans",
    vip_tier=0,
    kyc_level=0,
)


@pytest.mark.parametrize(
    ("rule", "facts", "matches"),
    [
        ({"sentiment": "negative"}, {"sentiment": "negative"}, True),
        ({"sentiment": "negative"}, {"sentiment": "neutral"}, False),
        ({"sentiment": "negative"}, {}, False),  # not triaged yet: no match
        ({"intent": "kyc"}, {"intent": "kyc"}, True),
        ({"urgency_min": 3}, {"urgency": 2}, False),
        ({"urgency_min": 3}, {"urgency": 4}, True),
        (
            {"language": "zh-hans", "sentiment": "positive"},
            {"sentiment": "positive"},
            True,
        ),
    ],
)
def test_triage_conditions(
    rule: dict[str, Any], facts: dict[str, Any], matches: bool
) -> None:
    saved = RoutingRule.objects.create(name="r", **rule)

    assert rule_matches(saved, dataclasses.replace(FACTS, **facts)) is matches
    assert saved.uses_triage()


def test_plain_rules_do_not_use_triage() -> None:
    assert not RoutingRule(name="plain", language="en").uses_triage()


def test_admins_can_set_the_sentiment_condition() -> None:
    from django.test import Client
    from django.urls import reverse

    from beacon.accounts.models import Role
    from beacon.accounts.tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create(role=Role.ADMIN))

    response = client.post(
        reverse("admin:routing_routingrule_add"),
        {
            "name": "angry customers",
            "position": 10,
            "is_active": "on",
            "sentiment": "negative",
            "add_tags": '["angry"]',
        },
    )

    assert response.status_code == 302
    assert RoutingRule.objects.get(name="angry customers").sentiment == "negative"


def test_dry_run_tries_triage_fields() -> None:
    from django.test import Client

    from beacon.accounts.models import Role
    from beacon.accounts.tests.factories import TeamFactory, UserFactory
    from beacon.tickets.models import Category

    team = TeamFactory.create(name_en="Care Desk")
    RoutingRule.objects.create(name="Angry rule", sentiment="negative", set_team=team)
    client = Client()
    client.force_login(UserFactory.create(role=Role.LEAD))
    query = {
        "subject": "slow",
        "description": "",
        "category": str(Category.objects.get(slug="other").pk),
        "channel": "email",
        "language": "en",
        "vip_tier": "0",
        "kyc_level": "0",
    }

    angry = client.get("/console/routing/dry-run/", {**query, "sentiment": "negative"})
    calm = client.get("/console/routing/dry-run/", {**query, "sentiment": "neutral"})

    def result(html: str) -> str:
        part = html[html.index('id="dry-run-result"') :]
        return part[: part.index("</section>")]

    assert "Care Desk" in result(angry.content.decode())
    assert "Care Desk" not in result(calm.content.decode())
