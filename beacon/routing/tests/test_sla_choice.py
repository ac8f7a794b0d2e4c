"""A routing rule's SLA policy action is the policy the SLA engine uses."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks

from beacon.routing.tests.factories import RoutingRuleFactory
from beacon.sla.models import SlaPolicy, SlaTarget
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_rule_policy_overrides_the_engines_own_match(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    category = CategoryFactory.create()
    # Its own condition (P1 only) does not match this P3 ticket: only the rule can choose it.
    special = SlaPolicy.objects.create(
        name="VIP desk",
        position=1,
        priority=1,
        first_response_minutes=5,
        next_response_minutes=5,
        resolution_minutes=60,
    )
    RoutingRuleFactory.create(categories=[category], sla_policy=special)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(category=category, priority=3)

    assert set(
        SlaTarget.objects.filter(ticket=ticket).values_list("policy_id", flat=True)
    ) == {special.pk}
