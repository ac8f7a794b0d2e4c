"""Permissions and bad input of every page and endpoint of the email app."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from beacon.accounts.models import Role
from beacon.accounts.tests.factories import AgentFactory, TeamFactory, UserFactory
from beacon.intake.email.models import InboundEmail, InboundStatus, Mailbox
from beacon.intake.email.queries import token_digest
from beacon.intake.email.tests.conftest import Deliver, customer, sample
from beacon.tickets.models import Ticket

pytestmark = pytest.mark.django_db
TOKEN = "mta-token-0123456789abcdef"


@pytest.fixture
def tokened(mailbox: Mailbox) -> Mailbox:
    mailbox.inbound_token_digest = token_digest(TOKEN)
    mailbox.save()
    return mailbox


def _post(
    client: Client, body: bytes, token: str | None = TOKEN, slug: str = "support"
) -> object:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("intake_email:inbound-message", args=[slug]),
        data=body,
        content_type="message/rfc822",
        **headers,  # type: ignore[arg-type]
    )


def test_mta_endpoint_stores_and_parses_a_message_once(
    client: Client, tokened: Mailbox
) -> None:
    first = _post(client, sample("html_only.eml"))
    again = _post(client, sample("html_only.eml"))

    assert first.status_code == 202 and first.json()["status"] == "stored"  # type: ignore[attr-defined]
    assert again.status_code == 200 and again.json()["status"] == "duplicate"  # type: ignore[attr-defined]
    row = InboundEmail.objects.get()
    assert row.status == InboundStatus.TICKET and row.mailbox == tokened
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("token", "slug"), [(None, "support"), ("wrong", "support"), (TOKEN, "other")]
)
def test_mta_endpoint_refuses_without_the_mailbox_token(
    client: Client, tokened: Mailbox, token: str | None, slug: str
) -> None:
    response = _post(client, sample("html_only.eml"), token=token, slug=slug)

    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.json()["code"] == "unauthorized"  # type: ignore[attr-defined]
    assert InboundEmail.objects.count() == 0


def test_mta_endpoint_refuses_a_mailbox_without_token(
    client: Client, mailbox: Mailbox
) -> None:
    assert _post(client, sample("html_only.eml"), token="").status_code == 401  # type: ignore[attr-defined]


def test_mta_endpoint_refuses_oversized_and_non_messages(
    client: Client, tokened: Mailbox, settings: Settings
) -> None:
    settings.EMAIL_MAX_MESSAGE_BYTES = 20_000

    big = _post(client, sample("html_only.eml") + b"x" * 30_000)
    junk = _post(client, b"\x00" * 100)

    assert big.status_code == 413 and big.json()["code"] == "too_large"  # type: ignore[attr-defined]
    assert junk.status_code == 400 and junk.json()["code"] == "invalid"  # type: ignore[attr-defined]
    assert InboundEmail.objects.count() == 0


def test_mta_endpoint_is_post_only(client: Client, tokened: Mailbox) -> None:
    response = client.get(
        reverse("intake_email:inbound-message", args=["support"]),
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )

    assert response.status_code == 405


@pytest.fixture
def flagged(deliver: Deliver) -> Ticket:
    row = deliver("html_only.eml")
    assert row.ticket is not None
    return row.ticket


def _source_url(ticket: Ticket) -> str:
    return reverse("intake_email:ticket-source", args=[ticket.reference])


def test_email_source_page_for_an_admin(client: Client, flagged: Ticket) -> None:
    agent = AgentFactory.create(role=Role.ADMIN)
    client.force_login(agent)

    response = client.get(_source_url(flagged))

    assert response.status_code == 200
    html = response.content.decode()
    assert "My account was locked" in html
    assert "<script>alert" not in html  # the raw source is escaped, the HTML sanitised
    assert "&lt;script&gt;" in html or "alert" not in html


def test_email_source_page_hides_from_customers_other_teams_and_anonymous(
    client: Client, flagged: Ticket
) -> None:
    url = _source_url(flagged)
    assert client.get(url).status_code == 302

    client.force_login(flagged.customer)
    assert client.get(url).status_code in (404, 302)

    outsider = AgentFactory.create(teams=[TeamFactory.create(slug="elsewhere")])
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_email_source_page_for_auditors(client: Client, flagged: Ticket) -> None:
    client.force_login(UserFactory.create(role=Role.AUDITOR))

    assert client.get(_source_url(flagged)).status_code == 200


def test_console_ticket_page_flags_an_unverified_sender(
    client: Client, flagged: Ticket
) -> None:
    client.force_login(AgentFactory.create(role=Role.ADMIN))

    response = client.get(reverse("console:ticket", args=[flagged.reference]))

    assert "Unverified sender" in response.content.decode()


def test_console_ticket_page_has_no_flag_for_a_verified_sender(
    client: Client, deliver: Deliver
) -> None:
    customer("carol@example.org")
    raw = sample("html_only.eml").replace(
        b"From: Carol",
        b"Authentication-Results: mx.beacon.test; dmarc=pass header.from=example.org\r\nFrom: Carol",
    )
    row = deliver(raw)
    assert row.ticket is not None and row.sender_verified
    client.force_login(AgentFactory.create(role=Role.ADMIN))

    response = client.get(reverse("console:ticket", args=[row.ticket.reference]))

    assert "Unverified sender" not in response.content.decode()
    assert "Email source" in response.content.decode()


@pytest.mark.parametrize("model", ["mailbox", "inboundemail", "bouncedaddress"])
def test_admin_pages_are_for_admins_only(
    client: Client, mailbox: Mailbox, model: str
) -> None:
    url = reverse(f"admin:intake_email_{model}_changelist")

    client.force_login(AgentFactory.create())
    assert client.get(url, follow=True).status_code == 403
    client.force_login(UserFactory.create(role=Role.AUDITOR))
    assert client.get(url, follow=True).status_code == 403
    client.force_login(AgentFactory.create(role=Role.ADMIN))
    assert client.get(url).status_code == 200


def test_admin_generates_an_inbound_token_shown_once(
    client: Client, mailbox: Mailbox
) -> None:
    client.force_login(AgentFactory.create(role=Role.ADMIN))

    response = client.post(
        reverse("admin:intake_email_mailbox_changelist"),
        {"action": "generate_inbound_token", "_selected_action": [mailbox.pk]},
        follow=True,
    )

    mailbox.refresh_from_db()
    assert mailbox.inbound_token_digest
    text = response.content.decode()
    token = text.split("(shown only now): ")[1].split("<")[0].strip()
    assert token_digest(token) == mailbox.inbound_token_digest


def test_mta_endpoint_takes_messages_larger_than_the_form_body_limit(
    client: Client, tokened: Mailbox, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    big = sample("html_only.eml").replace(
        b"</body>", b"<p>" + b"x" * 300_000 + b"</p></body>"
    )

    response = _post(client, big)

    assert response.status_code == 202  # type: ignore[attr-defined]
    assert InboundEmail.objects.get().size == len(big)
