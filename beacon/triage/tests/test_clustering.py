"""Similar-ticket clustering: a synthetic burst becomes one proposed incident, leads are told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from beacon.accounts.models import Membership, Role, Team
from beacon.accounts.tests.factories import CustomerFactory, UserFactory
from beacon.notifications.models import Delivery
from beacon.tickets.models import Category, Ticket
from beacon.tickets.services import ticket_create
from beacon.triage.clustering import groups, incidents_detect
from beacon.triage.models import Incident, IncidentStatus

pytestmark = pytest.mark.django_db

BURST = [
    (
        "TRC20 USDT withdrawal pending",
        "My TRC20 USDT withdrawal is pending for an hour",
    ),
    (
        "USDT withdrawal pending TRC20",
        "USDT withdrawal on TRC20 still pending, not received",
    ),
    ("TRC20 USDT withdrawal stuck", "TRC20 USDT withdrawal pending since 10:00"),
    ("USDT TRC20 提币 pending", "TRC20 USDT 提币一直 pending"),
    (
        "Withdrawal pending USDT TRC20",
        "my USDT (TRC20) withdrawal pending, please check",
    ),
    ("TRC20 withdrawal pending", "USDT TRC20 withdrawal pending for 40 minutes"),
]
UNRELATED = [
    (
        "KYC rejected",
        "My identity verification was rejected because the photo was blurry",
    ),
    ("Dark mode", "Please add a dark mode to the mobile app"),
    ("API error", "The REST API returns signature error 1022 for my key"),
    ("P2P merchant", "The P2P seller did not release my coins after I paid"),
    ("Fee question", "Why is the BTC trading fee higher than last month"),
]


def file(subject: str, description: str) -> Ticket:
    return ticket_create(
        customer=CustomerFactory.create(),
        category=Category.objects.get(slug="withdrawal-delayed"),
        subject=subject,
        description=description,
        require_fields=False,
    )


@pytest.fixture
def lead() -> Any:
    user = UserFactory.create(role=Role.LEAD)
    Membership.objects.create(
        user=user, team=Team.objects.get(slug="deposits-withdrawals"), is_lead=True
    )
    return user


def test_groups_find_the_burst_and_nothing_else() -> None:
    texts = [f"{s}\n{d}" for s, d in BURST + UNRELATED]

    found = groups(texts, threshold=0.45, min_size=5)

    assert found == [list(range(len(BURST)))]


def test_a_burst_is_proposed_once_and_leads_are_told(lead: Any) -> None:
    burst = [file(*pair) for pair in BURST]
    for pair in UNRELATED:
        file(*pair)

    proposed = incidents_detect()

    assert len(proposed) == 1
    incident = proposed[0]
    assert incident.status == IncidentStatus.PROPOSED
    assert set(incident.tickets.all()) == set(burst)
    assert "TRC20" in incident.title or "USDT" in incident.title
    assert incident.team is not None and incident.team.slug == "deposits-withdrawals"
    assert Delivery.objects.filter(
        template_key="staff_incident_proposed", recipient=lead
    ).exists()
    assert incidents_detect() == []  # the same burst again: nothing new
    assert Incident.objects.count() == 1


def test_a_new_similar_ticket_grows_the_open_incident(lead: Any) -> None:
    for pair in BURST:
        file(*pair)
    (incident,) = incidents_detect()

    late = file(
        "TRC20 USDT withdrawal pending too", "my TRC20 USDT withdrawal is pending"
    )
    grown = incidents_detect()

    assert grown == [incident]
    assert late in incident.tickets.all()
    assert Incident.objects.count() == 1


def test_too_few_similar_tickets_are_not_a_burst(lead: Any) -> None:
    for pair in BURST[:3] + UNRELATED:
        file(*pair)

    assert incidents_detect() == []


def test_old_tickets_are_outside_the_window(lead: Any) -> None:
    for pair in BURST:
        file(*pair)

    assert incidents_detect(now=timezone.now() + timedelta(hours=3)) == []


def test_a_dismissed_burst_is_not_proposed_again(lead: Any) -> None:
    for pair in BURST:
        file(*pair)
    (incident,) = incidents_detect()
    incident.status = IncidentStatus.DISMISSED
    incident.save()

    assert incidents_detect() == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_leads_notice_renders_in_their_language(language: str) -> None:
    from beacon.notifications.rendering import render_notice

    notice = render_notice(
        "staff_incident_proposed",
        language,
        {"title": "TRC20 USDT withdrawal pending", "size": 6, "url": "http://x/y"},
    )

    assert "TRC20 USDT withdrawal pending" in notice.subject
    assert "http://x/y" in notice.body and "6" in notice.body


def test_confirmed_incident_tags_its_tickets_and_new_ones(lead: Any) -> None:
    from beacon.triage.services import incident_decide

    burst = [file(*pair) for pair in BURST]
    (incident,) = incidents_detect()

    incident_decide(incident=incident, actor=lead, confirm=True)
    late = file(
        "TRC20 USDT withdrawal pending again", "my TRC20 USDT withdrawal is pending"
    )
    incidents_detect()

    tag = f"incident-{incident.pk}"
    for ticket in [*burst, late]:
        assert tag in set(ticket.tags.values_list("name", flat=True))
