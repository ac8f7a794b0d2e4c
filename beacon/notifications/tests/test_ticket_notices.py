"""Customer progress notices written in the ticket's own transaction, and what they may show."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, TeamFactory
from beacon.notifications import services
from beacon.notifications.models import Delivery, InAppNotification, Kind
from beacon.tickets import hooks
from beacon.tickets.models import Status
from beacon.tickets.services import reply_add, ticket_update
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "My deposit 0xdeadbeef has not arrived"


def _keys(template: str) -> set[str]:
    return set(
        Delivery.objects.filter(template_key=template).values_list("kind", flat=True)
    )


def test_a_new_ticket_queues_received_notices_on_the_default_channels() -> None:
    ticket = make_ticket()

    assert _keys("customer_received") == {Kind.EMAIL, Kind.IN_APP}
    email = Delivery.objects.get(template_key="customer_received", kind=Kind.EMAIL)
    assert email.address == ticket.customer.email
    assert email.context["reference"] == ticket.reference


def test_the_notice_rolls_back_with_the_ticket() -> None:
    def explode(_ticket_id: int) -> None:
        raise RuntimeError("later step failed")

    hooks.subscribe_in_transaction("ticket_created", explode)
    try:
        with pytest.raises(RuntimeError):
            make_ticket()
    finally:
        hooks._in_transaction_subscribers["ticket_created"].remove(explode)

    assert Delivery.objects.count() == 0


def test_the_notice_is_committed_with_the_ticket_inside_an_outer_transaction() -> None:
    with transaction.atomic():
        ticket = make_ticket()
        assert Delivery.objects.filter(context__reference=ticket.reference).exists()


def test_customer_preferences_choose_the_channels() -> None:
    customer = CustomerFactory.create(phone="+85291234567")
    services.preference_update(
        user=customer, email=False, in_app=True, sms=True, push=True
    )

    make_ticket(customer=customer)

    assert _keys("customer_received") == {Kind.IN_APP, Kind.SMS, Kind.PUSH}
    sms = Delivery.objects.get(kind=Kind.SMS)
    assert sms.address == "+85291234567"


def test_unverified_email_gets_only_the_reference_and_fixed_text(
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = CustomerFactory.create(email_verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(customer=customer, subject=SECRET_SUBJECT)

    email = Delivery.objects.get(kind=Kind.EMAIL)
    assert "subject" not in email.context
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert ticket.reference in str(sent.body)
    assert "0xdeadbeef" not in str(sent.body) + str(sent.subject)
    # Their own bell (behind their sign-in) may show it.
    assert "0xdeadbeef" in InAppNotification.objects.get(user=customer).body


def test_verified_email_may_show_the_subject(
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = CustomerFactory.create(email_verified=True)

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=customer, subject=SECRET_SUBJECT)

    assert "0xdeadbeef" in str(mail.outbox[0].body)


def test_sms_never_carries_what_the_customer_wrote(
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = CustomerFactory.create(phone="+85291234567", email_verified=True)
    services.preference_update(
        user=customer, email=False, in_app=False, sms=True, push=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=customer, subject=SECRET_SUBJECT)

    sms = Delivery.objects.get(kind=Kind.SMS)
    assert sms.status == "sent"
    assert "subject" not in sms.context


def test_agent_reply_asking_the_customer_queues_one_waiting_notice() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    reply_add(ticket=ticket, author=agent, body="Please send the TxID.")

    assert _keys("customer_waiting") == {Kind.EMAIL, Kind.IN_APP}
    # The first reply also assigned the agent, but "waiting for you" is the news.
    assert _keys("customer_assigned") == set()


def test_assignment_of_an_open_ticket_queues_assigned_once_per_assignee() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    ticket_update(ticket=ticket, actor=agent, changes={"assignee": agent})
    ticket_update(ticket=ticket, actor=agent, changes={"priority": 2})

    assert Delivery.objects.filter(template_key="customer_assigned").count() == 2


def test_solving_queues_a_solved_notice_and_each_change_only_once() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))

    ticket_update(ticket=ticket, actor=agent, changes={"status": Status.SOLVED})
    ticket_update(ticket=ticket, actor=agent, changes={"priority": 1})

    assert Delivery.objects.filter(template_key="customer_solved").count() == 2


def test_internal_notes_queue_no_customer_notice() -> None:
    team = TeamFactory.create()
    agent = AgentFactory.create(teams=[team])
    ticket = make_ticket(category=CategoryFactory.create(default_team=team))
    before = Delivery.objects.count()

    reply_add(ticket=ticket, author=agent, body="Checking the node.", kind="note")

    assert Delivery.objects.count() == before


def test_notices_render_in_the_ticket_language(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(language="zh-hans")

    delivery = Delivery.objects.get(kind=Kind.EMAIL)
    assert delivery.language == "zh-hans"
    assert ticket.reference in str(mail.outbox[0].subject)


def test_notify_staff_is_deduplicated_by_key(
    django_capture_on_commit_callbacks: Any,
) -> None:
    lead = AgentFactory.create(role="lead")
    context = {"target": "first response", "due_at": "2025-01-01 10:00 UTC"}

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
        services.notify_staff(
            user=lead,
            template_key="staff_sla_breach",
            context=context,
            dedup_key=f"sla:{ticket.pk}:first:breach",
            ticket=ticket,
        )
        services.notify_staff(
            user=lead,
            template_key="staff_sla_breach",
            context=context,
            dedup_key=f"sla:{ticket.pk}:first:breach",
            ticket=ticket,
        )

    notice = InAppNotification.objects.get(user=lead)
    assert ticket.reference in notice.title
    assert "/console/t/" in notice.url
    assert [m.to for m in mail.outbox if m.to == [lead.email]] == [[lead.email]]


def test_notify_staff_refuses_customers_and_unknown_templates() -> None:
    customer = CustomerFactory.create()

    assert (
        services.notify_staff(
            user=customer,
            template_key="staff_sla_warning",
            context={},
            dedup_key="x",
        )
        == []
    )
    with pytest.raises(ValueError, match="unknown staff template"):
        services.notify_staff(
            user=AgentFactory.create(), template_key="nope", context={}, dedup_key="y"
        )
