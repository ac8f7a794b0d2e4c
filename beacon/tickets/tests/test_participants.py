"""Ticket participants (Cc): the service's rules, the console partial, the API and the portal."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from beacon.accounts.models import Role
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, UserFactory
from beacon.audit.models import AuditEvent
from beacon.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from beacon.intake.email.models import Mailbox
from beacon.tickets import participants
from beacon.tickets.models import (
    ParticipantSource,
    Status,
    Ticket,
    TicketEvent,
    TicketParticipant,
)
from beacon.tickets.services import reply_add, ticket_update
from beacon.tickets.tests.test_api import api_client
from beacon.tickets.tests.test_console import (
    HTMX,
    Desk,
    logged_in,
    make_desk,
    new_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> Desk:
    return make_desk()


def _add_url(ticket: Ticket) -> str:
    return reverse("console:ticket-participant-add", args=[ticket.reference])


def _remove_url(ticket: Ticket, participant: TicketParticipant) -> str:
    return reverse(
        "console:ticket-participant-remove", args=[ticket.reference, participant.pk]
    )


def _api(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.reference}/participants"


# --- the service -------------------------------------------------------------------------------


def test_an_agent_adds_a_participant_with_history_and_audit(desk: Desk) -> None:
    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="  Carol@Example.ORG "
    )

    assert participant.address == "carol@example.org"
    assert participant.source == ParticipantSource.AGENT
    assert participant.added_by == desk.agent_x and participant.user is None
    event = TicketEvent.objects.get(ticket=desk.ticket, field="participants")
    assert (event.actor, event.old_value, event.new_value) == (
        desk.agent_x,
        "",
        "carol@example.org",
    )
    audit = AuditEvent.objects.get(action="ticket.participant.add")
    assert audit.actor == desk.agent_x and audit.target_id == desk.ticket.reference


def test_a_verified_customer_account_is_linked(desk: Desk) -> None:
    desk.bob.email_verified = True
    desk.bob.save()

    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="bob@example.com"
    )

    assert participant.user == desk.bob


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("not an address", "valid email"),
        ("alice@example.com", "customer"),
        ("support@beacon.test", "own mailbox"),
        ("support+x1@beacon.test", "own mailbox"),
        ("noreply@example.com", "Automatic"),
        ("mailer-daemon@example.com", "Automatic"),
        ("staff@beacon.test", "Support staff"),
        ("", "required"),
    ],
)
def test_who_cannot_be_a_participant(desk: Desk, address: str, reason: str) -> None:
    Mailbox.objects.create(name="S", slug="s", address="support@beacon.test")
    new_user(AgentFactory, email="staff@beacon.test")

    with pytest.raises(Invalid) as refused:
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address=address
        )

    assert reason in str(refused.value.fields["address"])
    assert not TicketParticipant.objects.exists()
    assert not AuditEvent.objects.filter(action="ticket.participant.add").exists()


def test_the_same_address_twice_and_the_limit_are_refused(
    desk: Desk, settings: Settings
) -> None:
    settings.TICKET_PARTICIPANTS_MAX = 2
    for address in ("a@example.org", "b@example.org"):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address=address
        )

    with pytest.raises(Invalid) as again:
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address="a@example.org"
        )
    with pytest.raises(Invalid) as over:
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
        )

    assert "already" in str(again.value.fields["address"])
    assert "at most 2" in str(over.value.fields["address"])
    assert desk.ticket.participants.count() == 2


def test_customers_auditors_and_closed_tickets_are_refused(desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.alice, address="c@example.org"
        )
    with pytest.raises(PermissionDenied):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.auditor, address="c@example.org"
        )
    ticket_update(
        ticket=desk.ticket, actor=desk.agent_x, changes={"status": Status.CLOSED}
    )
    with pytest.raises(Conflict):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
        )

    assert not TicketParticipant.objects.exists()


def test_mail_that_copies_nobody_costs_no_query(
    desk: Desk, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        added = participants.participants_add_from_email(
            ticket=desk.ticket, sender=desk.alice, addresses=[]
        )

    assert added == []


def test_an_authenticated_mail_adds_those_it_copies(desk: Desk) -> None:
    added = participants.participants_add_from_email(
        ticket=desk.ticket,
        sender=desk.alice,
        addresses=[" C@Example.org ", desk.alice.email, "mailer-daemon@example.org"],
    )

    assert [p.address for p in added] == ["c@example.org"]
    assert added[0].source == ParticipantSource.EMAIL


def test_removing_records_history_and_audit(desk: Desk) -> None:
    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )

    participants.participant_remove(
        ticket=desk.ticket, actor=desk.agent_x, participant_id=participant.pk
    )

    assert not TicketParticipant.objects.exists()
    assert TicketEvent.objects.filter(
        ticket=desk.ticket, field="participants", old_value="c@example.org"
    ).exists()
    assert AuditEvent.objects.filter(action="ticket.participant.remove").exists()
    with pytest.raises(NotFound):
        participants.participant_remove(
            ticket=desk.ticket, actor=desk.agent_x, participant_id=participant.pk
        )


def test_a_participant_may_reply_but_another_customer_may_not(desk: Desk) -> None:
    carol = new_user(CustomerFactory, email="carol@example.org")
    participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="carol@example.org"
    )

    message = reply_add(ticket=desk.ticket, author=carol, body="Same problem here.")

    assert message.ticket == desk.ticket and message.author == carol
    with pytest.raises(PermissionDenied):
        reply_add(ticket=desk.ticket, author=desk.bob, body="Let me in.")


def test_a_merge_carries_the_participants_over(desk: Desk) -> None:
    from beacon.tickets.services import ticket_merge
    from beacon.tickets.tests.factories import make_ticket

    target = make_ticket(customer=desk.alice, category=desk.category_x)
    for address in ("c@example.org", "d@example.org"):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address=address
        )
    participants.participant_add(
        ticket=target, actor=desk.agent_x, address="d@example.org"
    )

    ticket_merge(source=desk.ticket, target=target, actor=desk.agent_x)

    assert sorted(target.participants.values_list("address", flat=True)) == [
        "c@example.org",
        "d@example.org",
    ]
    assert TicketEvent.objects.filter(
        ticket=target, field="participants", new_value="c@example.org"
    ).exists()


# --- the console -------------------------------------------------------------------------------


def test_the_ticket_page_lists_participants_with_the_add_form(desk: Desk) -> None:
    participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )

    html = (
        logged_in(desk.agent_x)
        .get(reverse("console:ticket", args=[desk.ticket.reference]))
        .content.decode()
    )

    assert 'id="participants"' in html and "c@example.org" in html
    assert _add_url(desk.ticket) in html


def test_an_agent_adds_and_removes_through_htmx(desk: Desk) -> None:
    client = logged_in(desk.agent_x)

    added = client.post(
        _add_url(desk.ticket), {"participant-address": "c@example.org"}, headers=HTMX
    )
    participant = TicketParticipant.objects.get()
    removed = client.post(_remove_url(desk.ticket, participant), headers=HTMX)

    assert added.status_code == 200
    html = added.content.decode()
    assert html.lstrip().startswith('<section id="participants"')
    assert "c@example.org" in html
    assert 'id="history" class="card history" hx-swap-oob="true"' in html
    assert removed.status_code == 200
    assert "c@example.org" not in removed.content.decode().split('id="history"')[0]
    assert not TicketParticipant.objects.exists()


def test_an_invalid_address_shows_the_error_and_writes_nothing(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        _add_url(desk.ticket),
        {"participant-address": "alice@example.com"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "customer" in response.content.decode()
    assert not TicketParticipant.objects.exists()


def test_without_javascript_an_add_redirects_to_the_ticket(desk: Desk) -> None:
    response = logged_in(desk.agent_x).post(
        _add_url(desk.ticket), {"participant-address": "c@example.org"}
    )

    assert response.status_code == 303
    assert TicketParticipant.objects.filter(address="c@example.org").exists()


def test_an_agent_of_another_team_cannot_see_or_change_participants(
    desk: Desk,
) -> None:
    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )
    client = logged_in(desk.agent_y)

    add = client.post(_add_url(desk.ticket), {"participant-address": "d@example.org"})
    remove = client.post(_remove_url(desk.ticket, participant))

    assert add.status_code == 404 and remove.status_code == 404
    assert list(TicketParticipant.objects.values_list("address", flat=True)) == [
        "c@example.org"
    ]


def test_an_auditor_sees_participants_but_cannot_change_them(desk: Desk) -> None:
    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )
    client = logged_in(desk.auditor)

    page = client.get(reverse("console:ticket", args=[desk.ticket.reference]))
    add = client.post(_add_url(desk.ticket), {"participant-address": "d@example.org"})
    remove = client.post(_remove_url(desk.ticket, participant))

    html = page.content.decode()
    assert "c@example.org" in html and _add_url(desk.ticket) not in html
    assert add.status_code == 403 and remove.status_code == 403
    assert TicketParticipant.objects.count() == 1


def test_customers_and_anonymous_users_cannot_use_the_console_endpoints(
    desk: Desk,
) -> None:
    customer = logged_in(desk.alice).post(
        _add_url(desk.ticket), {"participant-address": "d@example.org"}
    )
    anonymous = Client().post(
        _add_url(desk.ticket), {"participant-address": "d@example.org"}
    )

    assert customer.status_code == 404
    assert anonymous.status_code == 302
    assert not TicketParticipant.objects.exists()


def test_removing_another_tickets_participant_is_not_found(desk: Desk) -> None:
    from beacon.tickets.tests.factories import make_ticket

    other = make_ticket(customer=desk.bob, category=desk.category_x)
    foreign = participants.participant_add(
        ticket=other, actor=desk.agent_x, address="c@example.org"
    )

    response = logged_in(desk.agent_x).post(_remove_url(desk.ticket, foreign))

    assert response.status_code == 404
    assert TicketParticipant.objects.filter(pk=foreign.pk).exists()


# --- the API -----------------------------------------------------------------------------------


def test_the_api_adds_lists_and_removes_participants(desk: Desk) -> None:
    # An admin sees personal data in full (agents outside the PII teams see it masked).
    client = api_client(desk.admin)

    added = client.post(
        _api(desk.ticket),
        json.dumps({"email": "c@example.org"}),
        content_type="application/json",
    )
    detail = client.get(f"/api/v1/tickets/{desk.ticket.reference}")
    removed = client.delete(f"{_api(desk.ticket)}/{added.json()['id']}")

    assert added.status_code == 201
    assert added.json()["email"] == "c@example.org"
    assert added.json()["source"] == "agent" and added.json()["has_account"] is False
    assert [p["email"] for p in detail.json()["participants"]] == ["c@example.org"]
    assert removed.status_code == 204
    assert not TicketParticipant.objects.exists()


def test_a_created_ticket_has_no_participants_and_a_replay_shows_the_current_ones(
    desk: Desk,
) -> None:
    client = api_client(desk.admin)
    body = json.dumps(
        {
            "subject": "Withdrawal pending",
            "description": "Since this morning.",
            "category": desk.category_x.slug,
            "customer_email": desk.alice.email,
        }
    )

    created = client.post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    ticket = Ticket.objects.get(reference=created.json()["reference"])
    participants.participant_add(
        ticket=ticket, actor=desk.admin, address="c@example.org"
    )
    replayed = client.post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert created.status_code == 201 and created.json()["participants"] == []
    assert replayed.status_code == 200
    assert [p["email"] for p in replayed.json()["participants"]] == ["c@example.org"]


def test_the_api_refuses_bad_addresses_with_a_clear_error(desk: Desk) -> None:
    response = api_client(desk.agent_x).post(
        _api(desk.ticket),
        json.dumps({"email": "noreply@example.com"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] and "Automatic" in str(response.json()["fields"])
    assert not TicketParticipant.objects.exists()


def test_the_api_lets_only_agents_who_see_the_ticket_change_participants(
    desk: Desk,
) -> None:
    participant = participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )
    body = json.dumps({"email": "d@example.org"})
    results = {}
    for name, user in (
        ("customer", desk.alice),
        ("auditor", desk.auditor),
        ("other team", desk.agent_y),
    ):
        client = api_client(user)
        results[name] = (
            client.post(
                _api(desk.ticket), body, content_type="application/json"
            ).status_code,
            client.delete(f"{_api(desk.ticket)}/{participant.pk}").status_code,
        )

    assert results == {
        "customer": (403, 403),
        "auditor": (403, 403),
        "other team": (404, 404),
    }
    assert list(TicketParticipant.objects.values_list("address", flat=True)) == [
        "c@example.org"
    ]


def test_the_customer_sees_the_participants_in_the_api(desk: Desk) -> None:
    participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )

    detail = api_client(desk.alice).get(f"/api/v1/tickets/{desk.ticket.reference}")

    assert [p["email"] for p in detail.json()["participants"]] == ["c@example.org"]


# --- the portal --------------------------------------------------------------------------------


def test_the_customer_sees_who_is_copied_on_their_ticket(desk: Desk) -> None:
    participants.participant_add(
        ticket=desk.ticket, actor=desk.agent_x, address="c@example.org"
    )
    url = reverse("portal:ticket-detail", args=[desk.ticket.reference])

    own = logged_in(desk.alice).get(url)
    other = logged_in(desk.bob).get(url)

    assert own.status_code == 200
    html = own.content.decode()
    assert "c@example.org" in html and "Also copied" in html
    assert "now gets copies of the replies" in html
    assert other.status_code == 404


def test_an_auditor_role_user_is_not_a_customer(desk: Desk) -> None:
    auditor = new_user(UserFactory, role=Role.AUDITOR, email="aud2@beacon.test")

    with pytest.raises(Invalid):
        participants.participant_add(
            ticket=desk.ticket, actor=desk.agent_x, address=auditor.email
        )
