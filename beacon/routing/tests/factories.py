"""Factories and helpers for routing tests."""

from __future__ import annotations

from typing import Any

import factory

from beacon.accounts.models import Team, User
from beacon.accounts.tests.factories import AgentFactory
from beacon.routing.models import (
    AgentPresence,
    PresenceStatus,
    RoutingRule,
    TeamRouting,
)


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"rule {n}")
    position = factory.Sequence(lambda n: (n + 1) * 10)

    @factory.post_generation
    def categories(
        obj: RoutingRule, create: bool, extracted: list[Any] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            obj.categories.set(extracted)


class TeamRoutingFactory(factory.django.DjangoModelFactory[TeamRouting]):
    class Meta:
        model = TeamRouting


def online_agent(
    team: Team, *, capacity: int = 5, languages: list[str] | None = None, **fields: Any
) -> User:
    """An agent of `team` who is online with `capacity`."""
    agent = AgentFactory.create(teams=[team], **fields)
    if languages is not None:
        agent.skills_languages = languages
        agent.save(update_fields=["skills_languages"])
    AgentPresence.objects.create(
        user=agent, status=PresenceStatus.ONLINE, capacity=capacity
    )
    return agent
