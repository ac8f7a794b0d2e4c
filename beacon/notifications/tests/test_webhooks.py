"""Outbound webhooks: signing, the reference verifier, delivery log, disabling after failures."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from beacon.audit.models import AuditEvent
from beacon.notifications import services
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    Kind,
    WebhookDelivery,
    WebhookEndpoint,
)
from beacon.notifications.signing import signature_header, verify_signature
from beacon.notifications.tests.factories import WebhookEndpointFactory
from beacon.notifications.tests.receiver import Receiver
from beacon.tickets.tests.factories import make_ticket

SECRET = "whsec-test-secret"
BODY = b'{"event":"ticket.created","id":7}'
NOW = 1_750_000_000


# --- the reference verifier ------------------------------------------------------------------


def test_a_fresh_genuine_signature_verifies() -> None:
    header = signature_header(SECRET, NOW, BODY)

    assert verify_signature(SECRET, header, BODY, now=NOW + 10)


def test_a_replayed_delivery_with_an_old_timestamp_is_rejected() -> None:
    header = signature_header(SECRET, NOW, BODY)

    assert not verify_signature(SECRET, header, BODY, now=NOW + 301)


def test_a_timestamp_from_the_future_beyond_tolerance_is_rejected() -> None:
    header = signature_header(SECRET, NOW + 301, BODY)

    assert not verify_signature(SECRET, header, BODY, now=NOW)


def test_a_tampered_body_is_rejected() -> None:
    header = signature_header(SECRET, NOW, BODY)

    assert not verify_signature(SECRET, header, BODY.replace(b"7", b"8"), now=NOW)


def test_a_tampered_signature_is_rejected() -> None:
    header = signature_header(SECRET, NOW, BODY)
    forged = header[:-1] + ("0" if header[-1] != "0" else "1")

    assert not verify_signature(SECRET, forged, BODY, now=NOW)


def test_a_re_timestamped_replay_is_rejected() -> None:
    """An attacker who moves t forward to dodge the window breaks the signature instead."""
    old = signature_header(SECRET, NOW, BODY)
    moved = old.replace(f"t={NOW}", f"t={NOW + 1000}")

    assert not verify_signature(SECRET, moved, BODY, now=NOW + 1000)


@pytest.mark.parametrize(
    "header", ["", "t=abc,v1=00", f"t={NOW}", "v1=abcdef", "garbage"]
)
def test_malformed_headers_are_rejected(header: str) -> None:
    assert not verify_signature(SECRET, header, BODY, now=NOW)


def test_the_wrong_secret_is_rejected() -> None:
    header = signature_header("another-secret", NOW, BODY)

    assert not verify_signature(SECRET, header, BODY, now=NOW)


# --- sending -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ticket_events_are_signed_and_delivered_to_subscribed_endpoints(
    receiver: Receiver,
) -> None:
    endpoint = WebhookEndpointFactory.create(
        url=receiver.url, events=["ticket.created"]
    )
    WebhookEndpointFactory.create(url=receiver.url, events=["ticket.merged"])
    ticket = make_ticket(subject="private words")

    services.deliveries_drain()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = Delivery.objects.get(kind=Kind.WEBHOOK)
    assert request.headers["Beacon-Event"] == "ticket.created"
    assert request.headers["Beacon-Delivery"] == str(delivery.pk)
    assert verify_signature(
        endpoint.secret,
        request.headers["Beacon-Signature"],
        request.body,
        now=int(time.time()),
    )
    payload = receiver.json()
    assert payload["id"] == delivery.pk
    assert payload["data"]["reference"] == ticket.reference
    assert b"private words" not in request.body
    log = WebhookDelivery.objects.get()
    assert log.response_status == 200 and log.attempt == 1 and log.error == ""


@pytest.mark.django_db
def test_a_retry_sends_the_same_body_with_the_same_delivery_id(
    receiver: Receiver,
) -> None:
    WebhookEndpointFactory.create(url=receiver.url)
    make_ticket()
    receiver.status = 500
    services.deliveries_drain()
    receiver.status = 200
    Delivery.objects.update(next_attempt_at=timezone.now())

    services.deliveries_drain()

    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert list(receiver.seen.values()) == [2]
    assert Delivery.objects.get(kind=Kind.WEBHOOK).status == DeliveryStatus.SENT
    assert list(
        WebhookDelivery.objects.order_by("attempt").values_list(
            "attempt", "response_status"
        )
    ) == [(1, 500), (2, 200)]


@pytest.mark.django_db
def test_an_endpoint_is_disabled_after_repeated_failures_and_audited(
    settings: Settings, receiver: Receiver
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 10
    receiver.status = 500
    endpoint = WebhookEndpointFactory.create(url=receiver.url)
    make_ticket()

    for _ in range(settings.WEBHOOK_DISABLE_AFTER + 2):
        Delivery.objects.update(next_attempt_at=timezone.now())
        services.deliveries_drain()

    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_at is not None
    assert len(receiver.requests) == settings.WEBHOOK_DISABLE_AFTER
    assert Delivery.objects.get(kind=Kind.WEBHOOK).status == DeliveryStatus.DEAD
    assert (
        AuditEvent.objects.filter(
            action="webhook.disabled", target_id=str(endpoint.pk)
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(receiver: Receiver) -> None:
    endpoint = WebhookEndpointFactory.create(url=receiver.url, consecutive_failures=2)
    make_ticket()

    services.deliveries_drain()

    assert WebhookEndpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


@pytest.mark.django_db
def test_an_unreachable_endpoint_is_logged_as_a_failure() -> None:
    WebhookEndpointFactory.create(url="http://127.0.0.1:9/closed")
    make_ticket()

    services.deliveries_drain()

    log = WebhookDelivery.objects.get()
    assert log.response_status is None and "no answer" in log.error
    assert Delivery.objects.get(kind=Kind.WEBHOOK).status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_internal_notes_are_not_sent_to_webhooks(receiver: Receiver) -> None:
    from beacon.accounts.tests.factories import AgentFactory
    from beacon.tickets.services import reply_add

    WebhookEndpointFactory.create(url=receiver.url, events=["ticket.message_added"])
    agent = AgentFactory.create(role="admin")
    ticket = make_ticket()

    reply_add(ticket=ticket, author=agent, body="internal", kind="note")
    reply_add(ticket=ticket, author=agent, body="public answer")

    hooks = Delivery.objects.filter(kind=Kind.WEBHOOK)
    assert hooks.count() == 1
    assert hooks.get().context["data"]["message"]["kind"] == "reply"
