"""Personal data is partially masked for staff who do not need it, in the console and the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import Role, Team, User
from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets.models import Ticket
from beacon.tickets.services import reply_add
from beacon.tickets.tests.factories import CategoryFactory, make_ticket
from beacon.triage.pii import mask_email, mask_pii, sees_pii

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "+86 138 1234 5678"
EMAIL = "lin.wei@example.com"
TEXT = f"My ID {ID_NUMBER}, phone {PHONE}, email {EMAIL}."
MASKED = "My ID 110***********002X, phone +86 138 **** 5678, email l***i@example.com."


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(slug="wallets")


@pytest.fixture
def ticket(team: Team) -> Ticket:
    customer = CustomerFactory.create(email="cust.omer@example.com")
    ticket = make_ticket(
        customer=customer,
        category=CategoryFactory.create(default_team=team),
        subject=f"Call me on {PHONE}",
        description=TEXT,
    )
    reply_add(ticket=ticket, author=customer, body=f"Passport no. E12345678, {EMAIL}")
    return ticket


def staff(kind: str, team: Team) -> User:
    if kind == "admin":
        return UserFactory.create(role=Role.ADMIN)
    if kind == "auditor":
        return UserFactory.create(role=Role.AUDITOR)
    extra = {"security": "account-security", "kyc": "kyc-compliance"}.get(kind)
    teams = [team] + ([TeamFactory.create(slug=extra)] if extra else [])
    role = Role.LEAD if kind == "lead" else Role.AGENT
    return AgentFactory.create(teams=teams, role=role)


FULL = ["admin", "security", "kyc"]
PARTIAL = ["agent", "lead", "auditor"]


def test_partial_masks() -> None:
    assert mask_pii(TEXT) == MASKED
    assert mask_email("ab@x.io") == "a***@x.io"
    assert mask_pii("passport E12345678") == "passport E1*****78"
    assert mask_pii("13912345678") == "139****5678"
    assert mask_pii(
        "TxID 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    ) == ("TxID 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")


@pytest.mark.parametrize("kind", FULL)
def test_admins_and_security_and_kyc_see_personal_data(team: Team, kind: str) -> None:
    assert sees_pii(staff(kind, team))


@pytest.mark.parametrize("kind", PARTIAL)
def test_other_agents_leads_and_auditors_do_not(team: Team, kind: str) -> None:
    assert not sees_pii(staff(kind, team))


def test_customers_see_their_own_text_and_nobody_is_anonymous() -> None:
    assert sees_pii(CustomerFactory.create())
    assert not sees_pii(None)


def test_an_inactive_kyc_team_grants_nothing(team: Team) -> None:
    user = staff("kyc", team)
    Team.objects.filter(slug="kyc-compliance").update(is_active=False)

    assert not sees_pii(user)


def console(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("console:ticket", args=[ticket.reference]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("kind", FULL)
def test_console_shows_personal_data_in_full_to_those_who_need_it(
    ticket: Ticket, team: Team, kind: str
) -> None:
    page = console(staff(kind, team), ticket)

    for value in (ID_NUMBER, "E12345678", EMAIL, PHONE, "cust.omer@example.com"):
        assert value in page


@pytest.mark.parametrize("kind", PARTIAL)
def test_console_masks_personal_data_for_everyone_else(
    ticket: Ticket, team: Team, kind: str
) -> None:
    page = console(staff(kind, team), ticket)

    for value in (ID_NUMBER, "E12345678", EMAIL, PHONE, "cust.omer@example.com"):
        assert value not in page
    assert "110***********002X" in page and "l***i@example.com" in page
    assert "c***r@example.com" in page
    assert "E1*****78" in page and "+86 138 **** 5678" in page


def api_detail(user: User, ticket: Ticket) -> dict[str, object]:
    _token, secret = api_token_create(user=user, name="tests")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(
        f"/api/v1/tickets/{ticket.reference}"
    )
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("kind", FULL)
def test_api_gives_personal_data_in_full_to_those_who_need_it(
    ticket: Ticket, team: Team, kind: str
) -> None:
    body = api_detail(staff(kind, team), ticket)

    assert body["description"] == TEXT
    assert body["subject"] == f"Call me on {PHONE}"
    assert body["customer"] == {
        "email": "cust.omer@example.com",
        "display_name": ticket.customer.display_name,
        "exchange_uid": ticket.customer.exchange_uid,
    }


@pytest.mark.parametrize("kind", PARTIAL)
def test_api_masks_personal_data_for_everyone_else(
    ticket: Ticket, team: Team, kind: str
) -> None:
    body = api_detail(staff(kind, team), ticket)

    assert body["description"] == MASKED
    assert body["subject"] == "Call me on +86 138 **** 5678"
    assert isinstance(body["customer"], dict)
    assert body["customer"]["email"] == "c***r@example.com"
    messages = body["messages"]
    assert isinstance(messages, list)
    assert messages[0]["body"] == "Passport no. E1*****78, l***i@example.com"


def test_the_customer_reads_their_own_ticket_unmasked(ticket: Ticket) -> None:
    body = api_detail(ticket.customer, ticket)

    assert body["description"] == TEXT


@pytest.mark.parametrize(("kind", "shown"), [("security", True), ("agent", False)])
def test_console_list_shows_the_customer_email_by_the_same_rule(
    ticket: Ticket, team: Team, kind: str, shown: bool
) -> None:
    client = Client()
    client.force_login(staff(kind, team))

    page = client.get(reverse("console:index")).content.decode()

    assert ("cust.omer@example.com" in page) is shown
    assert ("c***r@example.com" in page) is not shown
