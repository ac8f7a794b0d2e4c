"""The leads' daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from beacon.accounts.models import Membership, Role
from beacon.accounts.tests.factories import TeamFactory, UserFactory
from beacon.notifications.models import Delivery
from beacon.notifications.rendering import render_notice
from beacon.sla.digest import digests_send, team_digest_counts
from beacon.sla.models import SlaTarget
from beacon.sla.services import sla_start
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_counts_open_unassigned_and_breached_for_the_team() -> None:
    team, other = TeamFactory.create(), TeamFactory.create()
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))
    make_ticket(category=CategoryFactory.create(default_team=team))
    make_ticket(category=CategoryFactory.create(default_team=other))
    sla_start(ticket=ticket)
    now = timezone.now()
    SlaTarget.objects.filter(ticket=ticket).update(due_at=now - timedelta(minutes=5))

    counts = team_digest_counts(team.pk, now)

    assert counts["open"] == 2 and counts["unassigned"] == 2
    assert counts["breached"] == SlaTarget.objects.filter(ticket=ticket).count() > 0
    assert counts["due_soon"] == 0


def test_one_digest_per_lead_and_day() -> None:
    team = TeamFactory.create()
    lead = UserFactory.create(role=Role.LEAD, language="zh-hans")
    Membership.objects.create(user=lead, team=team, is_lead=True)
    agent = UserFactory.create(role=Role.AGENT)
    Membership.objects.create(user=agent, team=team)

    digests_send()
    first = Delivery.objects.filter(template_key="staff_daily_digest").count()
    digests_send()

    assert first > 0
    assert Delivery.objects.filter(template_key="staff_daily_digest").count() == first
    assert not Delivery.objects.filter(
        template_key="staff_daily_digest", recipient=agent
    ).exists()


def test_digest_renders_in_both_languages() -> None:
    context = {
        "team": "P2P",
        "open": 3,
        "unassigned": 1,
        "pending": 1,
        "breached": 2,
        "due_soon": 0,
    }

    english = render_notice("staff_daily_digest", "en", context)
    chinese = render_notice("staff_daily_digest", "zh-hans", context)

    assert english.subject == "Daily digest: P2P"
    assert "SLA targets breached: 2" in english.body
    assert "每日摘要" in chinese.subject
