"""Sign-in: password, single-use expiring email links, no account enumeration, language choice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from beacon.accounts.models import Language, LoginLink, Role
from beacon.accounts.tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"http://[^\s]+/accounts/login/link/([\w-]+)/")


def test_password_login_sends_customer_to_portal_and_staff_to_console(
    client: Client,
) -> None:
    customer = CustomerFactory.create(email="alice@example.com")
    agent = UserFactory.create(email="agent@example.com", role=Role.AGENT)

    customer_response = client.post(
        "/accounts/login/",
        {"email": "Alice@Example.com", "password": "correct horse battery"},
    )
    client.logout()
    agent_response = client.post(
        "/accounts/login/", {"email": agent.email, "password": "correct horse battery"}
    )

    assert (
        customer_response.status_code == 302
        and customer_response["Location"] == "/tickets/"
    )
    assert (
        agent_response.status_code == 302 and agent_response["Location"] == "/console/"
    )
    del customer


def test_wrong_password_and_unknown_email_get_the_same_answer(client: Client) -> None:
    CustomerFactory.create(email="alice@example.com")

    wrong = client.post(
        "/accounts/login/", {"email": "alice@example.com", "password": "nope nope nope"}
    )
    unknown = client.post(
        "/accounts/login/",
        {"email": "nobody@example.com", "password": "nope nope nope"},
    )

    assert wrong.status_code == unknown.status_code == 200
    assert "Email or password is not correct." in wrong.content.decode()
    assert "Email or password is not correct." in unknown.content.decode()


def test_open_redirect_is_refused(client: Client) -> None:
    CustomerFactory.create(email="alice@example.com")

    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {
            "email": "alice@example.com",
            "password": "correct horse battery",
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/tickets/"


def test_repeated_failures_are_throttled(client: Client) -> None:
    CustomerFactory.create(email="alice@example.com")
    for _ in range(10):
        client.post(
            "/accounts/login/",
            {"email": "alice@example.com", "password": "wrong wrong wrong"},
        )

    response = client.post(
        "/accounts/login/",
        {"email": "alice@example.com", "password": "correct horse battery"},
    )

    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()


def test_login_link_signs_in_once(
    client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    CustomerFactory.create(email="alice@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/link/", {"email": "alice@example.com"})
    secret = LINK_RE.search(str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    confirm_page = client.get(f"/accounts/login/link/{secret}/")
    first = client.post(f"/accounts/login/link/{secret}/")
    client.logout()
    second = client.post(f"/accounts/login/link/{secret}/")

    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert confirm_page.status_code == 200 and "_auth_user_id" not in client.session
    assert first["Location"] == "/tickets/"
    assert second["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_expired_login_link_is_refused(
    client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    CustomerFactory.create(email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/link/", {"email": "alice@example.com"})
    secret = LINK_RE.search(str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    LoginLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(f"/accounts/login/link/{secret}/", follow=True)

    assert "_auth_user_id" not in client.session
    assert "expired" in response.content.decode()


def test_login_link_for_unknown_address_sends_nothing_but_says_the_same(
    client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/login/link/", {"email": "nobody@example.com"}, follow=True
        )

    assert mail.outbox == []
    assert "If an account uses this address" in response.content.decode()


def test_profile_language_is_used_and_browser_language_otherwise(
    client: Client,
) -> None:
    user = CustomerFactory.create(email="wang@example.com", language=Language.ZH_HANS)

    anonymous = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    client.force_login(user)
    signed_in = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert anonymous.headers["Content-Language"] == "zh-hans"
    assert signed_in.headers["Content-Language"] == "zh-hans"


def test_logout_requires_post(client: Client) -> None:
    client.force_login(CustomerFactory.create())

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_ends_when_its_user_is_deactivated_or_changes_password(
    client: Client,
) -> None:
    agent = UserFactory.create(role=Role.AGENT)
    client.force_login(agent)
    assert client.get("/console/").status_code == 200

    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get("/console/").status_code == 302  # to the sign-in page

    agent.is_active = True
    agent.save(update_fields=["is_active"])
    client.force_login(agent)
    assert client.get("/console/").status_code == 200
    agent.set_password("a brand new passphrase")
    agent.save(update_fields=["password"])
    assert client.get("/console/").status_code == 302
