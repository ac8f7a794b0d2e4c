"""Pages: the bell, the notice list, mark read, preferences, and the admin failed-work page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, UserFactory
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    InAppNotification,
    NotificationPreference,
)
from beacon.notifications.tests.factories import (
    DeliveryFactory,
    InAppNotificationFactory,
)

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("notifications:list", []),
        ("notifications:bell", []),
        ("notifications:preferences", []),
        ("notifications:read", [1]),
        ("notifications:read-all", []),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(name: str, args: list[Any]) -> None:
    response = Client().get(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_list_shows_only_my_notices(
    django_assert_max_num_queries: Any,
) -> None:
    me, other = CustomerFactory.create(), CustomerFactory.create()
    for _ in range(5):
        InAppNotificationFactory.create(user=me, title="Mine")
    InAppNotificationFactory.create(user=other, title="Theirs")
    client = _client(me)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert response.content.count(b"Mine") == 5
    assert b"Theirs" not in response.content


def test_the_bell_counts_my_unread_notices() -> None:
    me = CustomerFactory.create()
    InAppNotificationFactory.create(user=me)
    InAppNotificationFactory.create(user=me)
    InAppNotificationFactory.create(user=CustomerFactory.create())

    response = _client(me).get(reverse("notifications:bell"))

    assert b'<span class="badge">2</span>' in response.content


def test_i_can_mark_my_notice_read() -> None:
    me = CustomerFactory.create()
    notice = InAppNotificationFactory.create(user=me)

    response = _client(me).post(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_open_marks_read_and_follows_the_notice_link() -> None:
    me = CustomerFactory.create()
    notice = InAppNotificationFactory.create(user=me, url="/tickets/")

    response = _client(me).post(
        reverse("notifications:read", args=[notice.pk]), {"open": "1"}
    )

    assert response["Location"] == "/tickets/"


@pytest.mark.parametrize(
    "intruder",
    [
        lambda: CustomerFactory.create(),
        lambda: AgentFactory.create(),
        lambda: UserFactory.create(role="auditor"),
        lambda: UserFactory.create(role="admin"),
    ],
)
def test_nobody_can_mark_someone_elses_notice(intruder: Any) -> None:
    notice = InAppNotificationFactory.create(user=CustomerFactory.create())

    response = _client(intruder()).post(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 404
    assert InAppNotification.objects.get(pk=notice.pk).read_at is None


def test_mark_all_read_touches_only_my_notices() -> None:
    me, other = CustomerFactory.create(), CustomerFactory.create()
    InAppNotificationFactory.create(user=me)
    theirs = InAppNotificationFactory.create(user=other)

    _client(me).post(reverse("notifications:read-all"))

    assert not InAppNotification.objects.filter(user=me, read_at__isnull=True).exists()
    assert InAppNotification.objects.get(pk=theirs.pk).read_at is None


def test_mark_read_refuses_get() -> None:
    me = CustomerFactory.create()
    notice = InAppNotificationFactory.create(user=me)

    response = _client(me).get(reverse("notifications:read", args=[notice.pk]))

    assert response.status_code == 405


def test_preferences_page_saves_my_channels() -> None:
    me = CustomerFactory.create()
    client = _client(me)

    page = client.get(reverse("notifications:preferences"))
    response = client.post(
        reverse("notifications:preferences"), {"in_app": "on", "sms": "on"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=me)
    assert (saved.email, saved.in_app, saved.sms, saved.push) == (
        False,
        True,
        True,
        False,
    )


# --- admin: failed work ---------------------------------------------------------------------


FAILED_URL = "/admin/notifications/faileddelivery/"


def test_admins_see_failed_work_with_the_last_error(
    django_assert_max_num_queries: Any,
) -> None:
    admin = UserFactory.create(role="admin")
    DeliveryFactory.create(status=DeliveryStatus.DEAD, last_error="HTTP 500 from gw")
    DeliveryFactory.create(status=DeliveryStatus.FAILED, last_error="timeout")
    DeliveryFactory.create(status=DeliveryStatus.SENT, last_error="")
    client = _client(admin)

    with django_assert_max_num_queries(12):
        response = client.get(FAILED_URL)

    assert response.status_code == 200
    assert b"HTTP 500 from gw" in response.content
    assert b"timeout" in response.content
    assert (
        b"1 of 2 selected" in response.content or b"2 failed work" in response.content
    )


def test_the_retry_action_queues_failed_work_again() -> None:
    admin = UserFactory.create(role="admin")
    dead = DeliveryFactory.create(status=DeliveryStatus.DEAD, attempts=3)

    response = _client(admin).post(
        FAILED_URL,
        {"action": "retry_deliveries", "_selected_action": [dead.pk]},
    )

    assert response.status_code == 302
    assert Delivery.objects.get(pk=dead.pk).status in (
        DeliveryStatus.PENDING,
        DeliveryStatus.SENT,
    )


@pytest.mark.parametrize("role", ["customer", "agent", "lead", "auditor"])
def test_only_admins_see_failed_work(role: str) -> None:
    user = UserFactory.create(role=role)

    response = _client(user).get(FAILED_URL, follow=True)

    assert response.status_code == 403
    assert b"failed work" not in response.content.lower()


def test_anonymous_visitors_are_sent_from_failed_work_to_sign_in() -> None:
    response = Client().get(FAILED_URL)

    assert response.status_code == 302
