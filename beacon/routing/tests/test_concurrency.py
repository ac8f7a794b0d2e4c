"""Two workers assigning at once never push an agent past capacity (row locks on PostgreSQL;
SQLite serialises writers with IMMEDIATE transactions, see settings)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
from django.conf import settings
from django.db import connection

from beacon.accounts.tests.factories import TeamFactory
from beacon.routing import services
from beacon.routing.models import Strategy
from beacon.routing.services import ticket_auto_assign
from beacon.routing.tests.factories import TeamRoutingFactory, online_agent
from beacon.tickets.models import Ticket
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="threads need a server database (in-memory SQLite is one connection)",
    ),
]


def test_concurrent_assignments_respect_capacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = TeamFactory.create()
    TeamRoutingFactory.create(team=team, strategy=Strategy.ROUND_ROBIN)
    category = CategoryFactory.create(default_team=team)
    tickets = [make_ticket(category=category) for _ in range(4)]  # nobody online yet
    agent = online_agent(team, capacity=1)
    barrier = threading.Barrier(len(tickets))
    real_load = services._load

    def slow_load(user_ids: Sequence[int]) -> dict[int, int]:
        # Widen the window between counting an agent's tickets and assigning one: without the
        # locks every thread would count 0 here and all of them would assign.
        counted = real_load(user_ids)
        time.sleep(0.2)
        return counted

    monkeypatch.setattr(services, "_load", slow_load)

    def assign(ticket_id: int) -> None:
        try:
            barrier.wait()
            ticket_auto_assign(ticket_id=ticket_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(t.pk,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Ticket.objects.filter(assignee=agent).count() == 1
