"""SLA test helpers: tickets started at a chosen instant, with the clock passed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from beacon.accounts.models import Membership, Team, User
from beacon.accounts.tests.factories import AgentFactory, TeamFactory
from beacon.sla.models import SlaPolicy, SlaTarget
from beacon.sla.services import sla_start
from beacon.sla.tests.helpers import T0
from beacon.tickets.models import Ticket
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

StartedTicket = Callable[..., Ticket]


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create(slug="support")


@pytest.fixture
def lead(team: Team) -> User:
    user = AgentFactory.create(role="lead")
    Membership.objects.create(user=user, team=team, is_lead=True)
    return user


@pytest.fixture
def agent(team: Team) -> User:
    return AgentFactory.create(teams=[team])


@pytest.fixture
def only_policy(db: None) -> Callable[..., SlaPolicy]:
    """Replace the seeded policies with one made for the test."""

    def make(**fields: Any) -> SlaPolicy:
        SlaPolicy.objects.filter(targets__isnull=True).delete()
        fields.setdefault("name", "test policy")
        fields.setdefault("first_response_minutes", 60)
        fields.setdefault("next_response_minutes", 30)
        fields.setdefault("resolution_minutes", 600)
        return SlaPolicy.objects.create(**fields)

    return make


@pytest.fixture
def started_ticket(team: Team) -> StartedTicket:
    """A ticket created at `at` whose SLA started then (what the ticket_created hook does)."""

    def make(at: datetime = T0, **kwargs: Any) -> Ticket:
        kwargs.setdefault("category", CategoryFactory.create(default_team=team))
        ticket = make_ticket(**kwargs)
        # Where commits are real (transactional tests) the hook already started the SLA at the
        # real creation time: start it again from `at`.
        SlaTarget.objects.filter(ticket=ticket).delete()
        Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
        ticket.refresh_from_db()
        sla_start(ticket=ticket, now=at)
        return ticket

    return make
