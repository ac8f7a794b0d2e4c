"""The outbox: claiming with a lease, sending, backoff, dead rows, dedup, admin retry."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from pytest_django.fixtures import Settings

from beacon.accounts.tests.factories import AgentFactory, CustomerFactory
from beacon.audit.models import AuditEvent
from beacon.notifications import services
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    InAppNotification,
    Kind,
)
from beacon.notifications.tests.factories import DeliveryFactory
from beacon.notifications.tests.receiver import Receiver

pytestmark = pytest.mark.django_db


def test_enqueue_with_the_same_key_twice_keeps_one_row() -> None:
    first = services.delivery_enqueue(
        dedup_key="k1", kind=Kind.SMS, template_key="customer_received"
    )

    second = services.delivery_enqueue(
        dedup_key="k1", kind=Kind.SMS, template_key="customer_received"
    )

    assert first.pk == second.pk
    assert Delivery.objects.count() == 1


def test_claim_leases_due_rows_and_a_second_claim_gets_none_of_them() -> None:
    rows = [DeliveryFactory.create() for _ in range(3)]
    DeliveryFactory.create(next_attempt_at=timezone.now() + timedelta(hours=1))

    token, ids = services.deliveries_claim(limit=10)
    _other_token, other_ids = services.deliveries_claim(limit=10)

    assert sorted(ids) == sorted(r.pk for r in rows)
    assert other_ids == []
    claimed = Delivery.objects.get(pk=rows[0].pk)
    assert claimed.status == DeliveryStatus.SENDING
    assert claimed.lock_token == token
    assert claimed.attempts == 1
    assert claimed.locked_until is not None and claimed.locked_until > timezone.now()


def test_a_row_whose_lease_ran_out_is_claimed_again() -> None:
    row = DeliveryFactory.create(
        status=DeliveryStatus.SENDING,
        attempts=1,
        lock_token="dead-worker",
        locked_until=timezone.now() - timedelta(seconds=1),
    )

    _token, ids = services.deliveries_claim()

    assert ids == [row.pk]
    assert Delivery.objects.get(pk=row.pk).attempts == 2


def test_a_row_with_a_live_lease_is_not_claimed() -> None:
    DeliveryFactory.create(
        status=DeliveryStatus.SENDING,
        lock_token="busy-worker",
        locked_until=timezone.now() + timedelta(seconds=60),
    )

    _token, ids = services.deliveries_claim()

    assert ids == []


def test_drain_sends_sms_to_the_file_backend_and_marks_it_sent(
    settings: Settings,
) -> None:
    row = DeliveryFactory.create(kind=Kind.SMS)

    sent = services.deliveries_drain()

    assert sent == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert row.sent_at is not None and row.lock_token == ""
    lines = Path(settings.DATA_DIR, "outbox-sms.jsonl").read_text().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["address"] == "+85290000000"
    assert line["dedup_key"] == row.dedup_key
    assert "BCN-TEST" in line["body"]


def test_drain_sends_email_through_django_mail() -> None:
    DeliveryFactory.create(kind=Kind.EMAIL, address="wang@example.com")

    services.deliveries_drain()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert "BCN-TEST" in str(mail.outbox[0].subject)


def test_in_app_delivery_creates_one_notice_even_when_sent_twice() -> None:
    customer = CustomerFactory.create()
    row = DeliveryFactory.create(kind=Kind.IN_APP, recipient=customer, address="")

    services.deliveries_drain()
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.PENDING)
    services.deliveries_drain()

    notices = InAppNotification.objects.filter(user=customer)
    assert notices.count() == 1
    assert "BCN-TEST" in notices.get().title


def test_a_failed_send_is_retried_later_with_backoff(
    settings: Settings, receiver: Receiver
) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = receiver.url
    receiver.status = 503
    row = DeliveryFactory.create(kind=Kind.SMS)
    before = timezone.now()

    services.deliveries_drain()

    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert "503" in row.last_error
    assert row.attempts == 1
    # First retry: 50-100% of the base delay.
    delay = (row.next_attempt_at - before).total_seconds()
    assert delay >= settings.NOTIFY_BACKOFF_SECONDS * 0.5 - 1
    assert delay <= settings.NOTIFY_BACKOFF_SECONDS + 1
    assert services.deliveries_drain() == 0  # not due yet


def test_backoff_doubles_per_attempt_and_is_capped(settings: Settings) -> None:
    settings.NOTIFY_BACKOFF_SECONDS = 10

    delays = [services.backoff_seconds(n) for n in (1, 2, 3, 20)]

    assert 5 <= delays[0] <= 10
    assert 10 <= delays[1] <= 20
    assert 20 <= delays[2] <= 40
    assert delays[3] <= services.MAX_BACKOFF_SECONDS


def test_a_row_is_dead_after_max_attempts(
    settings: Settings, receiver: Receiver
) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = receiver.url
    receiver.status = 500
    row = DeliveryFactory.create(kind=Kind.SMS)

    for _ in range(settings.NOTIFY_MAX_ATTEMPTS):
        Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        services.deliveries_drain()

    row.refresh_from_db()
    assert row.status == DeliveryStatus.DEAD
    assert row.attempts == settings.NOTIFY_MAX_ATTEMPTS
    assert len(receiver.requests) == settings.NOTIFY_MAX_ATTEMPTS


def test_http_gateway_posts_json_with_the_bearer_token(
    settings: Settings, receiver: Receiver
) -> None:
    settings.PUSH_BACKEND = "http"
    settings.PUSH_GATEWAY_URL = receiver.url
    settings.PUSH_GATEWAY_TOKEN = "gw-token"
    row = DeliveryFactory.create(kind=Kind.PUSH, address="10000001")

    services.deliveries_drain()

    assert receiver.requests[0].headers["Authorization"] == "Bearer gw-token"
    payload = receiver.json()
    assert payload["to"] == "10000001"
    assert payload["dedup_key"] == row.dedup_key
    assert payload["channel"] == "push"


def test_a_broken_template_is_recorded_as_failed_work() -> None:
    row = DeliveryFactory.create(template_key="no_such_template")

    services.deliveries_drain()

    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert "TemplateDoesNotExist" in row.last_error


def test_retry_puts_dead_rows_back_with_fresh_attempts_and_is_audited() -> None:
    admin = AgentFactory.create(role="admin")
    dead = DeliveryFactory.create(
        status=DeliveryStatus.DEAD, attempts=3, last_error="x"
    )
    sent = DeliveryFactory.create(status=DeliveryStatus.SENT)

    count = services.deliveries_retry(
        deliveries=Delivery.objects.filter(pk__in=[dead.pk, sent.pk]), actor=admin
    )

    assert count == 1
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.PENDING and dead.attempts == 0
    assert Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT
    assert AuditEvent.objects.filter(
        action="notifications.delivery.retry", actor=admin
    ).exists()


def test_commit_kicks_the_drain_once(
    django_capture_on_commit_callbacks: pytest.FixtureRequest,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
        for n in range(3):
            services.delivery_enqueue(
                dedup_key=f"kick{n}",
                kind=Kind.SMS,
                template_key="customer_received",
                address="+1",
                context={"reference": "R"},
            )

    assert len(callbacks) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
