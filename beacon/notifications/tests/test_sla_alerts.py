"""SLA alerts reach the team's leads through the outbox, once per target and kind."""

from __future__ import annotations

import pytest

from beacon.accounts.models import Membership, Role
from beacon.accounts.tests.factories import TeamFactory, UserFactory
from beacon.notifications.models import Delivery
from beacon.sla import events as sla_events
from beacon.sla.events import SlaAlert
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_breach_alert_notifies_each_lead_once() -> None:
    team = TeamFactory.create()
    lead = UserFactory.create(role=Role.LEAD)
    Membership.objects.create(user=lead, team=team, is_lead=True)
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))
    alert = SlaAlert(
        kind="sla_breached",
        target_id=99,
        ticket_id=ticket.pk,
        ticket_reference=ticket.reference,
        metric="first_response",
        due_at="2026-11-22T10:00:00+00:00",
        team_id=team.pk,
        lead_ids=[lead.pk],
    )

    sla_events.emit(alert)
    sla_events.emit(alert)

    rows = Delivery.objects.filter(recipient=lead)
    assert rows.exists()
    assert {row.template_key for row in rows} == {"staff_sla_breach"}
    assert len({row.dedup_key for row in rows}) == rows.count()
    assert rows.count() == len(
        {row.kind for row in rows}
    )  # one per channel, not two per channel
