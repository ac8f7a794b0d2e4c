"""Who is chatting: the exchange's signed token, Beacon's chat session, guests."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from django.test import override_settings

from beacon.accounts.models import User
from beacon.accounts.tests.factories import CustomerFactory
from beacon.chat.identity import (
    Identity,
    Unauthenticated,
    customer_for_claims,
    identity_from_session,
    new_guest,
    session_token,
    verify_exchange_token,
)

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("configured")]


@pytest.fixture
def configured() -> Any:
    with override_settings(CHAT_TOKEN_SECRET=SECRET, CHAT_TOKEN_ISSUER="exchange"):
        yield


def token(**changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "88000001",
        "email": "wang@example.com",
        "email_verified": True,
        "name": "王小明",
        "lang": "zh-CN",
        "iat": now,
        "exp": now + 600,
        "aud": "beacon-chat",
        "iss": "exchange",
    }
    secret = changes.pop("secret", SECRET)
    algorithm = changes.pop("algorithm", "HS256")
    claims.update(changes)
    claims = {key: value for key, value in claims.items() if value is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


def test_a_valid_token_creates_the_customer_once() -> None:
    first = customer_for_claims(verify_exchange_token(token()))
    again = customer_for_claims(verify_exchange_token(token()))

    assert first.pk == again.pk
    assert first.exchange_uid == "88000001" and first.language == "zh-hans"
    assert first.email_verified and first.is_customer


@pytest.mark.parametrize(
    "changes",
    [
        {"secret": "another-secret-that-is-long-enough-0123456789abcdef"},
        {"exp": int(time.time()) - 120},
        {"aud": "someone-else"},
        {"iss": "attacker"},
        {"sub": None},
        {"sub": "  "},
        {"exp": int(time.time()) + 86_400},
    ],
    ids=[
        "wrong-secret",
        "expired",
        "audience",
        "issuer",
        "no-subject",
        "blank-subject",
        "too-long-lived",
    ],
)
def test_bad_tokens_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(Unauthenticated):
        verify_exchange_token(token(**changes))


def test_unsigned_tokens_are_refused() -> None:
    unsigned = jwt.encode(
        {"sub": "1", "iat": 1, "exp": 2, "aud": "beacon-chat"}, "", algorithm="none"
    )

    with pytest.raises(Unauthenticated):
        verify_exchange_token(unsigned)


def test_without_a_secret_only_guests_can_chat() -> None:
    with override_settings(CHAT_TOKEN_SECRET=""), pytest.raises(Unauthenticated):
        verify_exchange_token(token())


def test_an_existing_account_is_linked_only_when_the_exchange_verified_the_email() -> (
    None
):
    existing = CustomerFactory.create(email="wang@example.com", exchange_uid=None)

    with pytest.raises(Unauthenticated):
        customer_for_claims(verify_exchange_token(token(email_verified=False)))
    linked = customer_for_claims(verify_exchange_token(token()))

    assert linked.pk == existing.pk
    existing.refresh_from_db()
    assert existing.exchange_uid == "88000001"


def test_an_email_of_another_uid_is_not_taken_over() -> None:
    CustomerFactory.create(email="wang@example.com", exchange_uid="99999999")

    with pytest.raises(Unauthenticated):
        customer_for_claims(verify_exchange_token(token()))


def test_staff_cannot_be_impersonated_by_uid(agent: User) -> None:
    agent.exchange_uid = "88000001"
    agent.save()

    with pytest.raises(Unauthenticated):
        customer_for_claims(verify_exchange_token(token()))


def test_session_tokens_round_trip_and_resist_tampering(customer: User) -> None:
    guest = new_guest()

    assert (
        identity_from_session(session_token(Identity(user=customer))).user == customer
    )
    assert identity_from_session(session_token(guest)).guest_key == guest.guest_key
    with pytest.raises(Unauthenticated):
        identity_from_session(session_token(guest)[:-2] + "xx")


def test_a_deactivated_customer_loses_the_session(customer: User) -> None:
    session = session_token(Identity(user=customer))
    customer.is_active = False
    customer.save()

    with pytest.raises(Unauthenticated):
        identity_from_session(session)
