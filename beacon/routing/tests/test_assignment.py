"""Assignment inside a team: strategies, capacity, presence, pickup and the sweep."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from beacon.accounts.models import Role, Team, User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.audit.models import AuditEvent
from beacon.core.errors import PermissionDenied
from beacon.routing.models import AgentPresence, PresenceStatus, Strategy
from beacon.routing.services import presence_set, ticket_auto_assign, unassigned_sweep
from beacon.routing.tests.factories import TeamRoutingFactory, online_agent
from beacon.tickets.models import Status, Ticket, TicketEvent
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


def team_with(strategy: Strategy, *, auto_assign: bool = True) -> Team:
    team = TeamFactory.create()
    TeamRoutingFactory.create(team=team, strategy=strategy, auto_assign=auto_assign)
    return team


def unassigned(team: Team, **kwargs: Any) -> Ticket:
    """A ticket of `team` created while nobody could take it."""
    return make_ticket(category=CategoryFactory.create(default_team=team), **kwargs)


def test_new_ticket_is_assigned_after_commit(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    agent = online_agent(team)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert TicketEvent.objects.filter(
        ticket=ticket, actor=None, field="assignee", new_value=str(agent)
    ).exists()
    assert AuditEvent.objects.filter(
        action="ticket.auto_assign", target_id=ticket.reference
    ).exists()


def test_team_without_auto_assign_leaves_tickets_unassigned(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    team = team_with(Strategy.ROUND_ROBIN, auto_assign=False)
    online_agent(team)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_round_robin_takes_turns_in_order() -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    agents = [online_agent(team), online_agent(team), online_agent(team)]
    tickets = [unassigned(team) for _ in range(6)]

    picked = [ticket_auto_assign(ticket_id=t.pk) for t in tickets]

    assert picked == agents + agents


def test_least_loaded_picks_the_agent_with_fewest_active_tickets() -> None:
    team = team_with(Strategy.LEAST_LOADED)
    busy, idle = online_agent(team), online_agent(team)
    for _ in range(2):
        ticket = unassigned(team)
        Ticket.objects.filter(pk=ticket.pk).update(assignee=busy)
    solved = unassigned(team)
    Ticket.objects.filter(pk=solved.pk).update(
        assignee=idle, status=Status.SOLVED
    )  # not active work
    Ticket.objects.filter(pk=unassigned(team).pk).update(assignee=idle)

    first = ticket_auto_assign(ticket_id=unassigned(team).pk)
    second = ticket_auto_assign(ticket_id=unassigned(team).pk)

    assert first == idle  # 1 active against 2
    assert second == busy  # now 2 and 2: a tie, settled by the oldest turn


def test_language_skill_prefers_an_agent_who_speaks_the_ticket_language() -> None:
    team = team_with(Strategy.LANGUAGE_SKILL)
    online_agent(team, languages=["en"])
    chinese = online_agent(team, languages=["en", "zh-hans"])

    picked = [
        ticket_auto_assign(ticket_id=unassigned(team, language="zh-hans").pk)
        for _ in range(3)
    ]

    assert picked == [chinese, chinese, chinese]


def test_language_skill_waits_when_speakers_are_offline_but_exist() -> None:
    team = team_with(Strategy.LANGUAGE_SKILL)
    online_agent(team, languages=["en"])
    AgentFactory.create(teams=[team], skills_languages=["zh-hans"])  # offline speaker

    picked = ticket_auto_assign(ticket_id=unassigned(team, language="zh-hans").pk)

    assert picked is None


def test_language_skill_falls_back_to_anyone_when_nobody_in_the_team_speaks_it() -> (
    None
):
    team = team_with(Strategy.LANGUAGE_SKILL)
    english = online_agent(team, languages=["en"])

    picked = ticket_auto_assign(ticket_id=unassigned(team, language="zh-hans").pk)

    assert picked == english


def test_capacity_is_never_exceeded() -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    small, large = online_agent(team, capacity=1), online_agent(team, capacity=2)
    tickets = [unassigned(team) for _ in range(5)]

    picked = [ticket_auto_assign(ticket_id=t.pk) for t in tickets]

    assert picked.count(small) == 1
    assert picked.count(large) == 2
    assert picked[3:] == [None, None]


def test_offline_and_away_agents_are_skipped() -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    away = online_agent(team)
    AgentPresence.objects.filter(user=away).update(status=PresenceStatus.AWAY)
    AgentFactory.create(teams=[team])  # never set: offline
    online = online_agent(team)

    picked = [ticket_auto_assign(ticket_id=unassigned(team).pk) for _ in range(2)]

    assert picked == [online, online]


def test_agents_of_other_teams_are_never_picked() -> None:
    team, other = team_with(Strategy.ROUND_ROBIN), TeamFactory.create()
    online_agent(other)

    assert ticket_auto_assign(ticket_id=unassigned(team).pk) is None


def test_coming_online_picks_up_the_oldest_unassigned_tickets_up_to_capacity(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    agent: User = AgentFactory.create(teams=[team])
    AgentPresence.objects.create(user=agent, status=PresenceStatus.OFFLINE, capacity=2)
    oldest, middle, newest = unassigned(team), unassigned(team), unassigned(team)

    with django_capture_on_commit_callbacks(execute=True):
        presence_set(user=agent, status=PresenceStatus.ONLINE)

    assigned = set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True))
    assert assigned == {oldest.pk, middle.pk}
    newest.refresh_from_db()
    assert newest.assignee is None
    assert AuditEvent.objects.filter(action="presence.change", actor=agent).exists()


def test_going_away_assigns_nothing(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    agent = AgentFactory.create(teams=[team])
    ticket = unassigned(team)

    with django_capture_on_commit_callbacks(execute=True):
        presence_set(user=agent, status=PresenceStatus.AWAY)

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_customers_and_auditors_have_no_presence() -> None:
    for user in (CustomerFactory.create(), AgentFactory.create(role=Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            presence_set(user=user, status=PresenceStatus.ONLINE)


def test_sweep_assigns_waiting_tickets_oldest_first_and_skips_full_teams() -> None:
    team = team_with(Strategy.LEAST_LOADED)
    agent = online_agent(team, capacity=1)
    oldest, newer = unassigned(team), unassigned(team)

    count = unassigned_sweep()

    oldest.refresh_from_db()
    newer.refresh_from_db()
    assert count == 1
    assert oldest.assignee == agent
    assert newer.assignee is None


def test_closed_and_assigned_tickets_are_left_alone() -> None:
    team = team_with(Strategy.ROUND_ROBIN)
    online_agent(team)
    other = AgentFactory.create(teams=[team])
    closed, taken = unassigned(team), unassigned(team)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    Ticket.objects.filter(pk=taken.pk).update(assignee=other)

    assert ticket_auto_assign(ticket_id=closed.pk) is None
    assert ticket_auto_assign(ticket_id=taken.pk) is None


def test_auto_assignment_tells_the_customer_like_a_manual_one(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from beacon.notifications.models import Delivery

    team = team_with(Strategy.ROUND_ROBIN)
    online_agent(team)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    assert Delivery.objects.filter(
        template_key="customer_assigned", recipient=ticket.customer
    ).exists()
