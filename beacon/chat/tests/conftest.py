"""Chat test fixtures: people, a fake help-centre search at the knowledge app's boundary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from beacon.accounts.models import Role, Team, User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, UserFactory
from beacon.chat import bot, flows
from beacon.chat.identity import Identity
from beacon.chat.models import Conversation
from beacon.chat.seed import seed_flows
from beacon.routing.models import AgentPresence, PresenceStatus
from beacon.tickets.models import Category
from beacon.tickets.seed import seed_teams_and_categories


@dataclass
class FakeHit:
    """The fields of knowledge.search.SearchHit that the assistant reads."""

    article_id: int
    title: str
    url: str
    snippet: str
    confidence: float
    language: str = "en"
    translation_id: int = 0
    score: float = 0.0


class FakeSearch:
    def __init__(self) -> None:
        self.hits: list[FakeHit] = []
        self.queries: list[tuple[str, str]] = []

    def __call__(self, query: str, language: str) -> list[FakeHit]:
        self.queries.append((query, language))
        return list(self.hits)


@pytest.fixture
def kb(monkeypatch: pytest.MonkeyPatch) -> FakeSearch:
    search = FakeSearch()
    monkeypatch.setattr(bot, "search_articles", search)
    return search


@pytest.fixture(autouse=True)
def _fresh_flows() -> Iterator[None]:
    flows.clear_cache()
    yield
    flows.clear_cache()


@pytest.fixture
def seeded(db: None) -> None:
    from beacon.chat.models import Flow

    seed_teams_and_categories(Team, Category)
    seed_flows(Flow, Team)


@pytest.fixture
def deposits(seeded: None) -> Team:
    return Team.objects.get(slug="deposits-withdrawals")


@pytest.fixture
def customer(db: None) -> User:
    return CustomerFactory.create(email="alice@example.com", display_name="Alice")


@pytest.fixture
def other_customer(db: None) -> User:
    return CustomerFactory.create(email="bob@example.com", display_name="Bob")


def online(user: User, capacity: int = 10) -> User:
    AgentPresence.objects.update_or_create(
        user=user, defaults={"status": PresenceStatus.ONLINE, "capacity": capacity}
    )
    return user


@pytest.fixture
def agent(deposits: Team) -> User:
    return AgentFactory.create(
        email="lena@beacon.local", display_name="Lena", teams=[deposits]
    )


@pytest.fixture
def outsider(seeded: None) -> User:
    return AgentFactory.create(
        email="oscar@beacon.local",
        display_name="Oscar",
        teams=[Team.objects.get(slug="trading")],
    )


@pytest.fixture
def auditor(db: None) -> User:
    return UserFactory.create(email="audit@beacon.local", role=Role.AUDITOR)


@pytest.fixture
def conversation(customer: User, seeded: None) -> Conversation:
    from beacon.chat.services import conversation_start

    return conversation_start(identity=Identity(user=customer))
