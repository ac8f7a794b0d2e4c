"""API authentication (bearer tokens, browser session) and the create_api_token command."""

from __future__ import annotations

import json
import pickle
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from beacon.accounts.models import ApiToken, Membership, Role, User
from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets.models import Ticket
from beacon.tickets.services import ticket_create
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _bearer(secret: str, *, enforce_csrf_checks: bool = False) -> Client:
    return Client(
        enforce_csrf_checks=enforce_csrf_checks, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


def test_valid_token_authenticates_and_records_its_use() -> None:
    agent = AgentFactory.create()
    token, secret = api_token_create(user=agent, name="crm")

    response = _bearer(secret).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == agent.email
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused() -> None:
    token, secret = api_token_create(user=CustomerFactory.create(), name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    response = _bearer(secret).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_of_a_deactivated_user_is_refused() -> None:
    user = CustomerFactory.create()
    _token, secret = api_token_create(user=user, name="app")
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = _bearer(secret).get("/api/v1/me")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header", ["Token abc", "Bearer", "Basic dXNlcjpwYXNz", "Bearer bcn_unknown"]
)
def test_malformed_or_unknown_authorization_is_refused(header: str) -> None:
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")

    assert response.status_code == 401


def test_token_requests_need_no_csrf_token() -> None:
    category = CategoryFactory.create()
    _token, secret = api_token_create(user=CustomerFactory.create(), name="app")
    client = _bearer(secret, enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/tickets",
        json.dumps({"subject": "S", "description": "D", "category": category.slug}),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Ticket.objects.count() == 1


def test_session_write_needs_the_csrf_token() -> None:
    category = CategoryFactory.create()
    client = Client(enforce_csrf_checks=True)
    client.force_login(CustomerFactory.create())
    body = json.dumps({"subject": "S", "description": "D", "category": category.slug})
    client.cookies[settings.CSRF_COOKIE_NAME] = "b" * 32

    refused = client.post("/api/v1/tickets", body, content_type="application/json")
    accepted = client.post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN="b" * 32,
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert accepted.status_code == 201
    assert Ticket.objects.count() == 1


def test_signed_out_session_is_401_not_a_csrf_error() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/tickets", "{}", content_type="application/json")

    assert response.status_code == 401


# --- create_api_token -----------------------------------------------------------------------


def test_create_api_token_prints_a_working_secret_once_and_stores_only_its_digest() -> (
    None
):
    admin = UserFactory.create(email="ops@example.com", role=Role.ADMIN)
    out = StringIO()

    call_command(
        "create_api_token",
        "--email",
        "OPS@example.com",
        "--name",
        "exchange backend",
        stdout=out,
    )

    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user=admin)
    assert token.name == "exchange backend"
    assert secret.startswith("bcn_")
    assert token.digest == ApiToken.digest_of(secret)
    assert not ApiToken.objects.filter(digest=secret).exists()
    assert _bearer(secret).get("/api/v1/me").json()["email"] == "ops@example.com"


def test_create_api_token_refuses_an_unknown_email() -> None:
    with pytest.raises(CommandError, match=r"nobody@example\.com"):
        call_command(
            "create_api_token",
            "--email",
            "nobody@example.com",
            "--name",
            "x",
            stdout=StringIO(),
        )

    assert not ApiToken.objects.exists()


def test_create_api_token_refuses_a_deactivated_account() -> None:
    UserFactory.create(email="gone@example.com", is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        call_command(
            "create_api_token",
            "--email",
            "gone@example.com",
            "--name",
            "x",
            stdout=StringIO(),
        )

    assert not ApiToken.objects.exists()


def test_create_api_token_refuses_an_empty_name() -> None:
    UserFactory.create(email="ops@example.com")

    with pytest.raises(CommandError, match="--name"):
        call_command(
            "create_api_token",
            "--email",
            "ops@example.com",
            "--name",
            "  ",
            stdout=StringIO(),
        )

    assert not ApiToken.objects.exists()


# --- the token's owner is cached with the token -------------------------------------------


def _agent_with_ticket() -> tuple[User, str, str]:
    """An agent of one team with a token, and a ticket of that team: (agent, secret, reference)."""
    team = TeamFactory.create()
    agent: User = AgentFactory.create(teams=[team])
    _token, secret = api_token_create(user=agent, name="crm")
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        subject="Withdrawal pending",
        description="Since this morning.",
        category=CategoryFactory.create(default_team=team),
        require_fields=False,
    )
    return agent, secret, ticket.reference


def test_a_cached_token_reads_neither_its_owner_nor_their_teams_again(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _agent, secret, reference = _agent_with_ticket()
    client = _bearer(secret)
    assert client.get(f"/api/v1/tickets/{reference}").status_code == 200

    # The ticket with its relations, messages, events, attachments, tags, participants: nothing
    # about the caller.
    with django_assert_num_queries(6) as captured:
        response = client.get(f"/api/v1/tickets/{reference}")

    assert response.status_code == 200
    tables = [
        query["sql"].split(" FROM ")[1].split()[0]
        for query in captured.captured_queries
    ]
    assert tables == [
        '"tickets_ticket"',
        '"tickets_message"',
        '"tickets_ticketevent"',
        '"tickets_attachment"',
        '"tickets_tag"',
        '"tickets_ticketparticipant"',
    ]


def test_deactivating_the_owner_refuses_the_cached_token_at_once(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    agent, secret, _reference = _agent_with_ticket()
    client = _bearer(secret)
    assert client.get("/api/v1/me").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        agent.is_active = False
        agent.save()

    assert client.get("/api/v1/me").status_code == 401


def test_leaving_the_team_takes_effect_at_once_for_a_cached_token(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    agent, secret, reference = _agent_with_ticket()
    client = _bearer(secret)
    assert client.get(f"/api/v1/tickets/{reference}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        for membership in Membership.objects.filter(user=agent):
            membership.delete()

    assert client.get(f"/api/v1/tickets/{reference}").status_code == 404


def test_a_change_that_skips_signals_is_seen_when_the_cache_period_ends() -> None:
    agent, secret, _reference = _agent_with_ticket()
    client = _bearer(secret)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert (
        client.get("/api/v1/me").status_code == 200
    )  # still cached: the documented bound

    cache.delete(ApiToken.cache_key(ApiToken.digest_of(secret)))  # the period ends

    assert client.get("/api/v1/me").status_code == 401


def test_the_cached_owner_carries_no_password_hash_and_saving_it_keeps_the_password() -> (
    None
):
    agent, secret, _reference = _agent_with_ticket()
    agent.set_password("a long enough passphrase")
    agent.save()
    assert _bearer(secret).get("/api/v1/me").status_code == 200

    cached = cache.get(ApiToken.cache_key(ApiToken.digest_of(secret)))
    assert isinstance(cached, User) and cached.pk == agent.pk
    # The cache (Redis in a scaled-out deployment) never holds the hash.
    assert "password" not in cached.__dict__
    assert agent.password not in repr(pickle.dumps(cached))

    cached.display_name = "Renamed"
    cached.save()  # only the loaded fields are written
    agent.refresh_from_db()
    assert agent.display_name == "Renamed"
    assert agent.check_password("a long enough passphrase")
