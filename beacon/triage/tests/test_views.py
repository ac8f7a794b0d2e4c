"""Console pages of triage: who sees the panel and incidents, who may correct and decide."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beacon.accounts.models import Membership, Role, Team, User
from beacon.accounts.tests.factories import CustomerFactory, UserFactory
from beacon.audit.models import AuditEvent
from beacon.tickets.models import Category, Priority, Ticket
from beacon.tickets.services import ticket_create, ticket_update
from beacon.triage.models import Incident, IncidentStatus, TrainingExample, TriageResult
from beacon.triage.services import corrections_from_history

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def ticket(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> Ticket:
    with django_capture_on_commit_callbacks(execute=True):
        created = ticket_create(
            customer=CustomerFactory.create(),
            category=Category.objects.get(slug="deposit-not-credited"),
            subject="Deposit missing",
            description="I deposited USDT three hours ago and it is not credited",
            require_fields=False,
        )
    created.refresh_from_db()
    return created


def staff(role: str, team: Team | None = None, *, lead: bool = False) -> User:
    user = UserFactory.create(role=role)
    if team is not None:
        Membership.objects.create(user=user, team=team, is_lead=lead)
    return user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def panel_url(ticket: Ticket) -> str:
    return reverse("triage:ticket-panel", args=[ticket.reference])


def correct_url(ticket: Ticket) -> str:
    return reverse("triage:ticket-correct", args=[ticket.reference])


def result_of(ticket: Ticket) -> TriageResult:
    return TriageResult.objects.get(ticket=ticket, message__isnull=True)


# --- panel -----------------------------------------------------------------------------------


def test_ticket_page_includes_the_panel(ticket: Ticket) -> None:
    agent = staff(Role.AGENT, ticket.team)

    response = client_for(agent).get(reverse("console:ticket", args=[ticket.reference]))

    assert response.status_code == 200
    assert panel_url(ticket) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status", "forms"),
    [
        ("team_agent", 200, True),
        ("team_lead", 200, True),
        ("admin", 200, True),
        ("auditor", 200, False),
        ("other_agent", 404, False),
        ("customer", 404, False),
    ],
)
def test_panel_is_shown_to_those_who_see_the_ticket(
    ticket: Ticket, who: str, status: int, forms: bool
) -> None:
    users = {
        "team_agent": lambda: staff(Role.AGENT, ticket.team),
        "team_lead": lambda: staff(Role.LEAD, ticket.team, lead=True),
        "admin": lambda: staff(Role.ADMIN),
        "auditor": lambda: staff(Role.AUDITOR),
        "other_agent": lambda: staff(
            Role.AGENT, Team.objects.get(slug="kyc-compliance")
        ),
        "customer": lambda: ticket.customer,
    }

    response = client_for(users[who]()).get(panel_url(ticket))

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Deposit" in html or "充值" in html  # the predicted category's name
        assert "%" in html  # with its confidence
        assert ("Correct triage" in html) is forms


def test_panel_needs_a_sign_in(ticket: Ticket) -> None:
    response = client_for(None).get(panel_url(ticket))

    assert response.status_code == 302


# --- corrections -----------------------------------------------------------------------------


def test_agent_corrects_the_category(ticket: Ticket) -> None:
    agent = staff(Role.AGENT, ticket.team)
    result = result_of(ticket)

    response = client_for(agent).post(
        correct_url(ticket),
        {"result": result.pk, "field": "intent", "value": "wrong-network-memo"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.category.slug == "wrong-network-memo"
    example = TrainingExample.objects.get()
    assert (example.task, example.label, example.created_by) == (
        "intent",
        "wrong-network-memo",
        agent,
    )
    assert example.event is not None  # linked: the history row is not counted again
    assert corrections_from_history(ticket.pk) == 0
    result.refresh_from_db()
    assert result.corrected == {"intent": "wrong-network-memo"}
    assert AuditEvent.objects.filter(action="triage.correct").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("priority", "1", "P1"),
        ("language", "zh-hans", "zh-hans"),
        ("sentiment", "negative", "negative"),
    ],
)
def test_agent_corrects_priority_language_and_sentiment(
    ticket: Ticket, field: str, value: str, label: str
) -> None:
    lead = staff(Role.LEAD, ticket.team, lead=True)

    response = client_for(lead).post(
        correct_url(ticket),
        {"result": result_of(ticket).pk, "field": field, "value": value},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert TrainingExample.objects.get().label == label
    ticket.refresh_from_db()
    if field == "priority":
        assert ticket.priority == Priority.P1
    if field == "language":
        assert ticket.language == "zh-hans"


def test_bad_correction_is_shown_and_writes_nothing(ticket: Ticket) -> None:
    agent = staff(Role.AGENT, ticket.team)

    response = client_for(agent).post(
        correct_url(ticket),
        {"result": result_of(ticket).pk, "field": "intent", "value": "no-such-thing"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "This category is not available." in response.content.decode()
    assert not TrainingExample.objects.exists()
    ticket.refresh_from_db()
    assert ticket.category.slug == "deposit-not-credited"


def test_malformed_correction_is_a_400(ticket: Ticket) -> None:
    agent = staff(Role.AGENT, ticket.team)

    response = client_for(agent).post(
        correct_url(ticket), {"result": "x", "field": "status", "value": ""}
    )

    assert response.status_code == 400
    assert not TrainingExample.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("auditor", 403), ("other_agent", 404), ("customer", 404)]
)
def test_correction_is_refused_to_others(ticket: Ticket, who: str, status: int) -> None:
    users = {
        "auditor": lambda: staff(Role.AUDITOR),
        "other_agent": lambda: staff(
            Role.AGENT, Team.objects.get(slug="kyc-compliance")
        ),
        "customer": lambda: ticket.customer,
    }

    response = client_for(users[who]()).post(
        correct_url(ticket),
        {"result": result_of(ticket).pk, "field": "priority", "value": "1"},
    )

    assert response.status_code == status
    assert not TrainingExample.objects.exists()


def test_result_of_another_ticket_cannot_be_corrected(
    ticket: Ticket, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        elsewhere = ticket_create(
            customer=CustomerFactory.create(),
            category=Category.objects.get(slug="kyc"),
            subject="kyc",
            description="my verification was rejected",
            require_fields=False,
        )
    admin = staff(Role.ADMIN)

    response = client_for(admin).post(
        correct_url(ticket),
        {"result": result_of(elsewhere).pk, "field": "priority", "value": "1"},
    )

    assert response.status_code == 404


def test_category_change_in_properties_becomes_an_example(ticket: Ticket) -> None:
    agent = staff(Role.AGENT, ticket.team)

    ticket_update(
        ticket=ticket,
        actor=agent,
        changes={"category": Category.objects.get(slug="fees")},
    )

    assert corrections_from_history(ticket.pk) == 1
    assert corrections_from_history(ticket.pk) == 0  # once per history row
    assert TrainingExample.objects.get().label == "fees"


# --- incidents -------------------------------------------------------------------------------


@pytest.fixture
def incident(ticket: Ticket) -> Incident:
    now = timezone.now()
    made = Incident.objects.create(
        title="USDT withdrawal pending",
        first_seen=now - timedelta(minutes=5),
        last_seen=now,
        team=ticket.team,
    )
    made.tickets.add(ticket)
    return made


@pytest.mark.parametrize(
    ("role", "status", "buttons"),
    [
        (Role.LEAD, 200, True),
        (Role.ADMIN, 200, True),
        (Role.AUDITOR, 200, False),
        (Role.AGENT, 404, False),
        (Role.CUSTOMER, 404, False),
    ],
)
def test_incidents_page_is_for_leads_admins_and_auditors(
    incident: Incident, role: str, status: int, buttons: bool
) -> None:
    response = client_for(staff(role)).get(reverse("triage:incidents"))

    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "USDT withdrawal pending" in html
        assert ('value="confirm"' in html) is buttons


@pytest.mark.parametrize(
    ("role", "decision", "status", "result"),
    [
        (Role.LEAD, "confirm", 303, IncidentStatus.CONFIRMED),
        (Role.ADMIN, "dismiss", 303, IncidentStatus.DISMISSED),
        (Role.AUDITOR, "confirm", 403, IncidentStatus.PROPOSED),
        (Role.AGENT, "confirm", 404, IncidentStatus.PROPOSED),
        (Role.CUSTOMER, "confirm", 404, IncidentStatus.PROPOSED),
    ],
)
def test_only_leads_and_admins_decide(
    incident: Incident, role: str, decision: str, status: int, result: str
) -> None:
    response = client_for(staff(role)).post(
        reverse("triage:incident-decide", args=[incident.pk]), {"decision": decision}
    )

    assert response.status_code == status
    incident.refresh_from_db()
    assert incident.status == result


def test_a_decided_incident_cannot_be_decided_again(incident: Incident) -> None:
    lead = client_for(staff(Role.LEAD))
    url = reverse("triage:incident-decide", args=[incident.pk])
    lead.post(url, {"decision": "dismiss"})

    response = lead.post(url, {"decision": "confirm"})

    assert response.status_code == 409
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.DISMISSED


def test_unknown_incident_is_a_404() -> None:
    response = client_for(staff(Role.LEAD)).post(
        reverse("triage:incident-decide", args=[999999]), {"decision": "confirm"}
    )

    assert response.status_code == 404


def test_panel_speaks_the_agents_language(
    triage_on: dict[str, Any], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        angry = ticket_create(
            customer=CustomerFactory.create(),
            category=Category.objects.get(slug="withdrawal-delayed"),
            subject="提币",
            description="提币一直不到账，太差了，垃圾平台！！",
            require_fields=False,
        )
    angry.refresh_from_db()
    agent = staff(Role.AGENT, angry.team)
    agent.language = "zh-hans"
    agent.save()

    html = client_for(agent).get(panel_url(angry)).content.decode()

    assert "愤怒" in html  # the urgency reason "anger"
    assert "简体中文" in html  # the detected language, named in Chinese
    assert "智能分诊" in html
