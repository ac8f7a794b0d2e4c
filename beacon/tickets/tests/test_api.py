"""The tickets API (/api/v1): access rules, create (idempotent, structured fields), list, detail, changes, errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from beacon.accounts.models import Membership, Role, Team, User
from beacon.accounts.services import api_token_create
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets.models import (
    Category,
    Channel,
    IdempotencyKey,
    Message,
    MessageKind,
    Status,
    Ticket,
)
from beacon.tickets.services import reply_add, ticket_update
from beacon.tickets.tests.factories import DEPOSIT_FIELDS, CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db

TRON_TXID = "a" * 64
VALID_DEPOSIT = {
    "coin": "USDT",
    "network": "TRC20",
    "txid": TRON_TXID,
    "amount": "150.5",
    "time": "2026-01-02T03:04:05Z",
}


def api_client(user: User) -> Client:
    """A client that authenticates with a fresh bearer token of `user`."""
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client: Client, url: str, body: Any, **headers: Any) -> Any:
    return client.post(
        url, json.dumps(body), content_type="application/json", **headers
    )


def patch_json(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def team_x() -> Team:
    return TeamFactory.create(slug="team-x")


@pytest.fixture
def team_y() -> Team:
    return TeamFactory.create(slug="team-y")


@pytest.fixture
def category_x(team_x: Team) -> Category:
    return CategoryFactory.create(slug="general-x", default_team=team_x)


@pytest.fixture
def category_y(team_y: Team) -> Category:
    return CategoryFactory.create(slug="general-y", default_team=team_y)


@pytest.fixture
def deposit_category(team_x: Team) -> Category:
    return CategoryFactory.create(
        slug="deposit-x", default_team=team_x, form_fields=DEPOSIT_FIELDS
    )


@pytest.fixture
def customer() -> User:
    return CustomerFactory.create()


@pytest.fixture
def other_customer() -> User:
    return CustomerFactory.create()


@pytest.fixture
def agent_x(team_x: Team) -> User:
    return AgentFactory.create(teams=[team_x])


@pytest.fixture
def agent_y(team_y: Team) -> User:
    return AgentFactory.create(teams=[team_y])


@pytest.fixture
def auditor() -> User:
    return UserFactory.create(role=Role.AUDITOR)


@pytest.fixture
def admin() -> User:
    return UserFactory.create(role=Role.ADMIN)


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/me"),
        ("get", "/api/v1/categories"),
        ("get", "/api/v1/tickets"),
        ("post", "/api/v1/tickets"),
        ("get", "/api/v1/tickets/BX-00000000"),
        ("patch", "/api/v1/tickets/BX-00000000"),
        ("post", "/api/v1/tickets/BX-00000000/replies"),
        ("post", "/api/v1/tickets/BX-00000000/notes"),
    ],
)
def test_anonymous_request_is_refused_with_401(method: str, url: str) -> None:
    # CSRF enforced as in a browser: an anonymous POST must still read 401, not a CSRF 403.
    client = Client(enforce_csrf_checks=True)

    response = client.generic(
        method.upper(), url, "{}", content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_bad_token_is_refused_with_401() -> None:
    client = Client(HTTP_AUTHORIZATION="Bearer bcn_not-a-real-token")

    response = client.get("/api/v1/me")

    assert response.status_code == 401


def test_token_auth_identifies_the_user(agent_x: User, team_x: Team) -> None:
    client = api_client(agent_x)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "email": agent_x.email,
        "display_name": agent_x.display_name,
        "role": "agent",
        "language": "en",
        "exchange_uid": None,
        "teams": [{"slug": "team-x", "name": team_x.name_en}],
    }


def test_me_lists_every_team_by_english_name_in_the_callers_language(
    agent_x: User, team_x: Team
) -> None:
    other = TeamFactory.create(slug="a-desk", name_en="A desk", name_zh="甲组")
    Membership.objects.create(user=agent_x, team=other)
    TeamFactory.create(slug="not-mine", name_en="0 other")  # not the caller's
    chinese = AgentFactory.create(teams=[other, team_x], language="zh-hans")

    assert api_client(agent_x).get("/api/v1/me").json()["teams"] == [
        {"slug": "a-desk", "name": "A desk"},
        {"slug": "team-x", "name": team_x.name_en},
    ]
    assert api_client(chinese).get("/api/v1/me").json()["teams"] == [
        {"slug": "a-desk", "name": "甲组"},
        {"slug": "team-x", "name": team_x.name_zh or team_x.name_en},
    ]


def test_session_auth_identifies_the_signed_in_user(customer: User) -> None:
    client = Client()
    client.force_login(customer)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == customer.email
    assert response.json()["role"] == "customer"


def test_session_post_without_csrf_token_is_refused(
    customer: User, category_x: Category
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "Hi", "description": "Help", "category": category_x.slug},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Ticket.objects.exists()


def test_session_post_with_csrf_token_is_accepted(
    customer: User, category_x: Category
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    csrf_secret = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf_secret

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "Hi", "description": "Help", "category": category_x.slug},
        HTTP_X_CSRFTOKEN=csrf_secret,
    )

    assert response.status_code == 201
    assert Ticket.objects.get().customer == customer


# --- create ---------------------------------------------------------------------------------


def test_customer_creates_a_ticket_for_themselves_on_the_api_channel(
    customer: User, deposit_category: Category, team_x: Team
) -> None:
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "Deposit missing",
            "description": "Sent 150 USDT",
            "category": "deposit-x",
            "fields": VALID_DEPOSIT,
        },
    )

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["reference"] == ticket.reference
    assert "id" not in body
    assert body["status"] == "new"
    assert body["priority"] == 3
    assert body["channel"] == "api"
    assert body["team"] == "team-x"
    assert body["customer"]["email"] == customer.email
    assert body["fields"]["txid"] == TRON_TXID
    assert body["missing_fields"] == []
    assert ticket.customer == customer
    assert ticket.channel == Channel.API


def test_staff_creates_a_ticket_for_a_customer_named_by_email(
    agent_x: User, customer: User, category_x: Category
) -> None:
    client = api_client(agent_x)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "Called in",
            "description": "Customer phoned",
            "category": category_x.slug,
            "customer_email": customer.email.upper(),
            "priority": 1,
            "tags": ["VIP", "phone"],
        },
    )

    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    assert ticket.priority == 1
    assert response.json()["priority"] == 1
    assert response.json()["tags"] == ["phone", "vip"]
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["phone", "vip"]


def test_staff_creates_a_ticket_for_a_customer_named_by_uid(
    agent_x: User, customer: User, category_x: Category
) -> None:
    client = api_client(agent_x)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "Called in",
            "description": "Customer phoned",
            "category": category_x.slug,
            "customer_uid": customer.exchange_uid,
        },
    )

    assert response.status_code == 201
    assert Ticket.objects.get().customer == customer


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"customer_email": "nobody@example.com"}, "customer_email"),
        ({"customer_uid": "99999999999"}, "customer_uid"),
        ({}, "customer_email"),
    ],
)
def test_staff_create_without_an_existing_customer_is_a_field_error(
    agent_x: User, category_x: Category, extra: dict[str, str], field: str
) -> None:
    client = api_client(agent_x)

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": category_x.slug, **extra},
    )

    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_staff_cannot_open_a_ticket_for_another_staff_member(
    agent_x: User, agent_y: User, category_x: Category
) -> None:
    client = api_client(agent_x)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": category_x.slug,
            "customer_email": agent_y.email,
        },
    )

    assert response.status_code == 422
    assert "customer_email" in response.json()["fields"]


@pytest.mark.parametrize(
    "extra",
    [
        {"priority": 1},
        {"tags": ["vip"]},
        {"customer_email": "someone@example.com"},
        {"customer_uid": "12345678"},
    ],
)
def test_customer_cannot_set_staff_only_fields(
    customer: User, category_x: Category, extra: dict[str, Any]
) -> None:
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": category_x.slug, **extra},
    )

    assert response.status_code == 403
    assert list(response.json()["fields"]) == list(extra)
    assert not Ticket.objects.exists()


def test_auditor_cannot_create_tickets(
    auditor: User, customer: User, category_x: Category
) -> None:
    client = api_client(auditor)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": category_x.slug,
            "customer_email": customer.email,
        },
    )

    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_unknown_or_inactive_category_is_a_field_error(customer: User) -> None:
    CategoryFactory.create(slug="retired", is_active=False)
    client = api_client(customer)

    unknown = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": "nope"},
    )
    inactive = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": "retired"},
    )

    assert unknown.status_code == inactive.status_code == 422
    assert "category" in unknown.json()["fields"]
    assert "category" in inactive.json()["fields"]


def test_bad_txid_is_refused_with_a_field_error_naming_txid(
    customer: User, deposit_category: Category
) -> None:
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": "deposit-x",
            "fields": {**VALID_DEPOSIT, "txid": "0xnot-a-hash"},
        },
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["txid"]
    assert "TxID" in body["fields"]["txid"][0]
    assert not Ticket.objects.exists()


def test_address_with_a_bad_checksum_is_refused(customer: User) -> None:
    CategoryFactory.create(
        slug="withdrawal",
        form_fields=[
            {"name": "network", "type": "network", "required": True},
            {"name": "address", "type": "address", "required": True},
        ],
    )
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": "withdrawal",
            # EIP-55 checksum broken by lower-casing one letter.
            "fields": {
                "network": "ERC20",
                "address": "0x52908400098527886E0F7030069857D2E4169Ee7",
            },
        },
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["address"]


def test_missing_required_fields_create_a_pending_ticket_that_asks_for_exactly_them(
    customer: User, deposit_category: Category
) -> None:
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": "deposit-x",
            "fields": {"coin": "USDT", "network": "TRC20", "amount": "10"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_customer"
    assert body["missing_fields"] == ["txid", "time"]
    system = Message.objects.get(
        ticket__reference=body["reference"], kind=MessageKind.SYSTEM
    )
    assert "Transaction hash (TxID)" in system.body
    assert "Time of the transfer" in system.body
    for given in ("Coin", "Network", "Amount"):
        assert given not in system.body


def test_same_idempotency_key_twice_returns_the_same_ticket(
    customer: User, category_x: Category
) -> None:
    client = api_client(customer)
    body = {"subject": "S", "description": "D", "category": category_x.slug}

    first = post_json(client, "/api/v1/tickets", body, HTTP_IDEMPOTENCY_KEY="order-42")
    second = post_json(client, "/api/v1/tickets", body, HTTP_IDEMPOTENCY_KEY="order-42")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert Ticket.objects.count() == 1


def test_same_idempotency_key_with_a_different_body_is_a_conflict(
    customer: User, category_x: Category
) -> None:
    client = api_client(customer)
    post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": category_x.slug},
        HTTP_IDEMPOTENCY_KEY="k",
    )

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "Other", "description": "D", "category": category_x.slug},
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_mismatch"
    assert Ticket.objects.count() == 1


def test_same_idempotency_key_from_two_users_creates_two_tickets(
    customer: User, other_customer: User, category_x: Category
) -> None:
    body = {"subject": "S", "description": "D", "category": category_x.slug}

    first = post_json(
        api_client(customer), "/api/v1/tickets", body, HTTP_IDEMPOTENCY_KEY="shared"
    )
    second = post_json(
        api_client(other_customer),
        "/api/v1/tickets",
        body,
        HTTP_IDEMPOTENCY_KEY="shared",
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] != second.json()["reference"]
    assert IdempotencyKey.objects.count() == 2


def test_idempotency_key_longer_than_255_characters_is_refused(
    customer: User, category_x: Category
) -> None:
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D", "category": category_x.slug},
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Ticket.objects.exists()


# --- bad input is a 4xx JSON answer, never a 500 ---------------------------------------------


def test_malformed_json_is_a_400_json_error(customer: User) -> None:
    client = api_client(customer)

    response = client.post(
        "/api/v1/tickets", '{"subject": "S",', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize(
    "body",
    [
        [1, 2, 3],
        "just a string",
        {"subject": 12, "description": "D", "category": "general-x"},
        {
            "subject": "S",
            "description": "D",
            "category": "general-x",
            "fields": ["not", "a", "dict"],
        },
        {
            "subject": "S",
            "description": "D",
            "category": "general-x",
            "fields": {"coin": {"nested": 1}},
        },
        {"subject": "S", "description": "D", "category": "general-x", "priority": 9},
        {
            "subject": "S",
            "description": "D",
            "category": "general-x",
            "language": "klingon",
        },
        {"subject": "", "description": "D", "category": "general-x"},
        {"subject": "S" * 201, "description": "D", "category": "general-x"},
        # PostgreSQL cannot store NUL: it must be refused before it reaches the database.
        {"subject": "S\x00", "description": "D", "category": "general-x"},
        {
            "subject": "S",
            "description": "D",
            "category": "general-x",
            "fields": {"coin": "US\x00DT"},
        },
        {
            "subject": "S",
            "description": "D",
            "category": "general-x",
            "unexpected": True,
        },
        {"description": "D", "category": "general-x"},
    ],
)
def test_wrong_shapes_and_types_are_422_field_errors(
    customer: User, category_x: Category, body: Any
) -> None:
    client = api_client(customer)

    response = post_json(client, "/api/v1/tickets", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["fields"]
    assert not Ticket.objects.exists()


def test_oversized_body_is_a_413(
    customer: User, category_x: Category, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api_client(customer)

    response = post_json(
        client,
        "/api/v1/tickets",
        {"subject": "S", "description": "D" * 20_000, "category": category_x.slug},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "status=bogus",
        "priority=7",
        "view=everything",
        "sort=random",
        "channel=fax",
    ],
)
def test_bad_list_parameters_are_422(admin: User, query: str) -> None:
    client = api_client(admin)

    response = client.get(f"/api/v1/tickets?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!!",
        "bm9waXBlcw",  # base64 of "nopipes": wrong number of parts
        "eHx5",  # base64 of "x|y": parts that are not a time and an id
        "eHx5fHo",  # base64 of "x|y|z": three parts, none of them a number or a time
        "ééé",
    ],
)
def test_unknown_cursor_is_a_400_bad_cursor(admin: User, cursor: str) -> None:
    client = api_client(admin)

    response = client.get("/api/v1/tickets", {"cursor": cursor, "sort": "priority"})

    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"


# --- who sees what ----------------------------------------------------------------------------


def test_customer_cannot_see_or_reply_to_another_customers_ticket(
    customer: User, other_customer: User, category_x: Category
) -> None:
    theirs = make_ticket(customer=other_customer, category=category_x)
    client = api_client(customer)

    detail = client.get(f"/api/v1/tickets/{theirs.reference}")
    missing = client.get("/api/v1/tickets/BX-00000000")
    reply = post_json(
        client, f"/api/v1/tickets/{theirs.reference}/replies", {"body": "hello"}
    )
    reply_missing = post_json(
        client, "/api/v1/tickets/BX-00000000/replies", {"body": "hello"}
    )

    assert (
        detail.status_code
        == missing.status_code
        == reply.status_code
        == reply_missing.status_code
        == 404
    )
    assert detail.content == missing.content
    assert reply.content == reply_missing.content
    assert not Message.objects.filter(ticket=theirs, body="hello").exists()


def test_customer_lists_only_their_own_tickets(
    customer: User, other_customer: User, category_x: Category
) -> None:
    mine = make_ticket(customer=customer, category=category_x)
    make_ticket(customer=other_customer, category=category_x)
    client = api_client(customer)

    response = client.get("/api/v1/tickets")

    assert response.status_code == 200
    assert [item["reference"] for item in response.json()["items"]] == [mine.reference]


def test_agent_cannot_reach_another_teams_ticket(
    agent_x: User, customer: User, category_x: Category, category_y: Category
) -> None:
    own = make_ticket(
        customer=customer, category=category_x, subject="Ledger sync broken"
    )
    other = make_ticket(
        customer=customer, category=category_y, subject="Zebracorn withdrawal stuck"
    )
    client = api_client(agent_x)

    listed = client.get("/api/v1/tickets")
    by_reference = client.get("/api/v1/tickets", {"q": other.reference})
    by_text = client.get("/api/v1/tickets", {"q": "zebracorn"})
    by_email = client.get("/api/v1/tickets", {"q": customer.email})
    detail = client.get(f"/api/v1/tickets/{other.reference}")
    reply = post_json(
        client, f"/api/v1/tickets/{other.reference}/replies", {"body": "hi"}
    )
    patch = patch_json(client, f"/api/v1/tickets/{other.reference}", {"priority": 1})

    assert [item["reference"] for item in listed.json()["items"]] == [own.reference]
    assert by_reference.json()["items"] == []
    assert by_text.json()["items"] == []
    assert [item["reference"] for item in by_email.json()["items"]] == [own.reference]
    assert detail.status_code == reply.status_code == patch.status_code == 404
    assert not Message.objects.filter(ticket=other, kind=MessageKind.REPLY).exists()


def test_agent_of_another_team_sees_nothing_of_a_ticket_the_owner_team_sees(
    agent_x: User, agent_y: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    seen = api_client(agent_x).get(f"/api/v1/tickets/{ticket.reference}")
    unseen = api_client(agent_y).get(f"/api/v1/tickets/{ticket.reference}")

    assert seen.status_code == 200
    assert unseen.status_code == 404


def test_auditor_reads_everything_but_changes_nothing(
    auditor: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    client = api_client(auditor)

    listed = client.get("/api/v1/tickets")
    detail = client.get(f"/api/v1/tickets/{ticket.reference}")
    patch = patch_json(client, f"/api/v1/tickets/{ticket.reference}", {"priority": 1})
    reply = post_json(
        client, f"/api/v1/tickets/{ticket.reference}/replies", {"body": "hi"}
    )
    note = post_json(
        client, f"/api/v1/tickets/{ticket.reference}/notes", {"body": "hi"}
    )

    assert listed.status_code == detail.status_code == 200
    assert [item["reference"] for item in listed.json()["items"]] == [ticket.reference]
    assert patch.status_code == reply.status_code == note.status_code == 403
    ticket.refresh_from_db()
    assert ticket.priority == 3
    assert not Message.objects.filter(ticket=ticket, author=auditor).exists()


def test_customer_cannot_change_their_own_ticket_or_add_notes(
    customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    client = api_client(customer)

    patch = patch_json(client, f"/api/v1/tickets/{ticket.reference}", {"priority": 1})
    note = post_json(
        client, f"/api/v1/tickets/{ticket.reference}/notes", {"body": "psst"}
    )

    assert patch.status_code == note.status_code == 403
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).exists()


def test_notes_and_internal_fields_never_reach_customers(
    customer: User, agent_x: User, category_x: Category
) -> None:
    ticket = make_ticket(
        customer=customer, category=category_x, subject="Card payment failed"
    )
    reply_add(
        ticket=ticket,
        author=agent_x,
        body="Looks like fraud-ring pattern",
        kind=MessageKind.NOTE,
    )
    reply_add(ticket=ticket, author=agent_x, body="We are checking this for you.")
    ticket_update(
        ticket=ticket,
        actor=agent_x,
        changes={"tags": ["watchlist"], "assignee": agent_x},
    )
    customer_client = api_client(customer)

    detail = customer_client.get(f"/api/v1/tickets/{ticket.reference}")
    listed = customer_client.get("/api/v1/tickets")
    searched = customer_client.get("/api/v1/tickets", {"q": "fraud-ring"})
    staff_detail = api_client(agent_x).get(f"/api/v1/tickets/{ticket.reference}")

    assert detail.status_code == 200
    body = detail.json()
    assert [m["kind"] for m in body["messages"]] == ["reply"]
    assert "fraud-ring" not in detail.content.decode()
    assert "fraud-ring" not in listed.content.decode()
    assert searched.json()["items"] == []
    assert all(event["public"] for event in body["events"])
    assert body["assignee"] is None
    assert body["tags"] == []
    assert "watchlist" not in detail.content.decode()
    assert listed.json()["items"][0]["assignee"] is None
    staff_body = staff_detail.json()
    assert [m["kind"] for m in staff_body["messages"]] == ["note", "reply"]
    assert staff_body["assignee"] == agent_x.email
    assert staff_body["tags"] == ["watchlist"]
    assert any(not event["public"] for event in staff_body["events"])


@pytest.mark.parametrize(
    "params", [{"tag": "fraud-suspect"}, {"assignee": "agent@example.com"}]
)
def test_customer_cannot_probe_internal_fields_through_list_filters(
    customer: User, category_x: Category, params: dict[str, str]
) -> None:
    make_ticket(customer=customer, category=category_x, tags=["fraud-suspect"])

    response = api_client(customer).get("/api/v1/tickets", params)

    assert response.status_code == 403
    assert list(response.json()["fields"]) == list(params)


def test_detail_lists_attachments_with_a_download_url(
    customer: User, category_x: Category
) -> None:
    upload = SimpleUploadedFile(
        "screenshot.txt", b"balance shows 0 after deposit\n", content_type="text/plain"
    )
    ticket = make_ticket(customer=customer, category=category_x, uploads=[upload])
    attachment = ticket.attachments.get()

    response = api_client(customer).get(f"/api/v1/tickets/{ticket.reference}")

    assert response.status_code == 200
    [listed] = response.json()["attachments"]
    assert listed["url"] == f"/attachments/{attachment.token}/"
    assert listed["name"] == "screenshot.txt"
    assert listed["content_type"] == "text/plain"
    assert listed["size"] == attachment.size


def test_customer_does_not_see_attachments_of_notes(
    customer: User, agent_x: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    upload = SimpleUploadedFile(
        "internal.txt", b"internal evidence\n", content_type="text/plain"
    )
    reply_add(
        ticket=ticket,
        author=agent_x,
        body="See file",
        kind=MessageKind.NOTE,
        uploads=[upload],
    )

    customer_view = api_client(customer).get(f"/api/v1/tickets/{ticket.reference}")
    staff_view = api_client(agent_x).get(f"/api/v1/tickets/{ticket.reference}")

    assert customer_view.json()["attachments"] == []
    assert [a["name"] for a in staff_view.json()["attachments"]] == ["internal.txt"]
    assert [a["name"] for a in staff_view.json()["messages"][0]["attachments"]] == [
        "internal.txt"
    ]


@pytest.mark.parametrize("reference", ["BX-%00", "BX-" + "A" * 40])
def test_impossible_reference_is_a_plain_404(customer: User, reference: str) -> None:
    client = api_client(customer)

    detail = client.get(f"/api/v1/tickets/{reference}")
    missing = client.get("/api/v1/tickets/BX-00000000")

    assert detail.status_code == 404
    assert detail.content == missing.content


def test_list_search_with_nul_is_refused(customer: User) -> None:
    response = api_client(customer).get("/api/v1/tickets", {"q": "usdt\x00"})

    assert response.status_code == 422
    assert "q" in response.json()["fields"]


def test_detail_accepts_a_lower_case_reference(
    customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = api_client(customer).get(f"/api/v1/tickets/{ticket.reference.lower()}")

    assert response.status_code == 200
    assert response.json()["reference"] == ticket.reference


# --- changes --------------------------------------------------------------------------------


def test_agent_changes_status_priority_team_assignee_and_tags(
    agent_x: User,
    customer: User,
    category_x: Category,
    category_y: Category,
    team_x: Team,
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    client = api_client(agent_x)

    response = patch_json(
        client,
        f"/api/v1/tickets/{ticket.reference}",
        {
            "status": "open",
            "priority": 2,
            "category": "general-y",
            "team": "team-x",
            "assignee": agent_x.email,
            "tags": ["Urgent", "kyc"],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["priority"], body["category"], body["team"]) == (
        "open",
        2,
        "general-y",
        "team-x",
    )
    assert body["assignee"] == agent_x.email
    assert body["tags"] == ["kyc", "urgent"]
    ticket.refresh_from_db()
    assert (
        ticket.status,
        ticket.priority,
        ticket.category,
        ticket.team,
        ticket.assignee,
    ) == (Status.OPEN, 2, category_y, team_x, agent_x)
    assert ticket.events.filter(
        kind="changed", field="priority", old_value="P3", new_value="P2"
    ).exists()


def test_assignee_null_unassigns(
    agent_x: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    ticket_update(ticket=ticket, actor=agent_x, changes={"assignee": agent_x})

    response = patch_json(
        api_client(agent_x), f"/api/v1/tickets/{ticket.reference}", {"assignee": None}
    )

    assert response.status_code == 200
    assert response.json()["assignee"] is None
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_patch_leaves_fields_that_are_not_sent(
    agent_x: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    ticket_update(
        ticket=ticket, actor=agent_x, changes={"assignee": agent_x, "tags": ["keep"]}
    )

    response = patch_json(
        api_client(agent_x), f"/api/v1/tickets/{ticket.reference}", {"priority": 1}
    )

    assert response.status_code == 200
    assert response.json()["assignee"] == agent_x.email
    assert response.json()["tags"] == ["keep"]
    assert response.json()["team"] == "team-x"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"team": "no-such-team"}, "team"),
        ({"category": "no-such-category"}, "category"),
        ({"assignee": "ghost@example.com"}, "assignee"),
    ],
)
def test_unknown_team_category_or_assignee_is_a_field_error(
    agent_x: User,
    customer: User,
    category_x: Category,
    change: dict[str, str],
    field: str,
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = patch_json(
        api_client(agent_x), f"/api/v1/tickets/{ticket.reference}", change
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]


def test_assignee_outside_the_team_is_refused(
    agent_x: User, agent_y: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = patch_json(
        api_client(agent_x),
        f"/api/v1/tickets/{ticket.reference}",
        {"assignee": agent_y.email},
    )

    assert response.status_code == 422
    assert "assignee" in response.json()["fields"]


@pytest.mark.parametrize(
    "change",
    [
        {"status": "archived"},
        {"priority": 0},
        {"tags": "not-a-list"},
        {"reference": "BX-11111111"},
    ],
)
def test_patch_with_bad_values_is_refused(
    agent_x: User, customer: User, category_x: Category, change: dict[str, Any]
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = patch_json(
        api_client(agent_x), f"/api/v1/tickets/{ticket.reference}", change
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_changing_a_closed_ticket_is_a_conflict(
    agent_x: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    ticket_update(ticket=ticket, actor=agent_x, changes={"status": Status.CLOSED})

    response = patch_json(
        api_client(agent_x), f"/api/v1/tickets/{ticket.reference}", {"priority": 1}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_closed"


# --- replies and notes ----------------------------------------------------------------------


def test_customer_replies_to_their_ticket(
    customer: User, agent_x: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    reply_add(ticket=ticket, author=agent_x, body="Which network did you use?")

    response = post_json(
        api_client(customer),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"body": "TRC20"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["ticket"] == ticket.reference
    assert body["ticket_status"] == "open"
    assert body["kind"] == "reply"
    assert body["from_customer"] is True
    assert Message.objects.filter(
        ticket=ticket, body="TRC20", channel=Channel.API
    ).exists()


def test_customer_answers_missing_fields_in_a_reply(
    customer: User, deposit_category: Category
) -> None:
    client = api_client(customer)
    created = post_json(
        client,
        "/api/v1/tickets",
        {
            "subject": "S",
            "description": "D",
            "category": "deposit-x",
            "fields": {"coin": "USDT", "network": "TRC20"},
        },
    ).json()

    response = post_json(
        client,
        f"/api/v1/tickets/{created['reference']}/replies",
        {
            "body": "Here you go",
            "fields": {
                "txid": TRON_TXID,
                "amount": "10",
                "time": "2026-01-01T00:00:00Z",
            },
        },
    )

    assert response.status_code == 201
    assert response.json()["ticket_status"] == "open"
    ticket = Ticket.objects.get(reference=created["reference"])
    assert ticket.missing_fields == []
    assert ticket.fields["txid"] == TRON_TXID


def test_customer_cannot_set_status_in_a_reply(
    customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = post_json(
        api_client(customer),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"body": "done", "status": "closed"},
    )

    assert response.status_code == 403
    assert list(response.json()["fields"]) == ["status"]


def test_agent_reply_can_set_the_status(
    agent_x: User, customer: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = post_json(
        api_client(agent_x),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"body": "Credited now.", "status": "solved"},
    )

    assert response.status_code == 201
    assert response.json()["ticket_status"] == "solved"
    assert response.json()["author"] == agent_x.display_name
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.first_response_at is not None


def test_agent_adds_a_note(agent_x: User, customer: User, category_x: Category) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = post_json(
        api_client(agent_x),
        f"/api/v1/tickets/{ticket.reference}/notes",
        {"body": "Checked the wallet."},
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert Message.objects.filter(
        ticket=ticket, kind=MessageKind.NOTE, body="Checked the wallet."
    ).exists()


def test_customer_reply_to_a_closed_ticket_opens_a_follow_up(
    customer: User, agent_x: User, category_x: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    ticket_update(ticket=ticket, actor=agent_x, changes={"status": Status.CLOSED})

    response = post_json(
        api_client(customer),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"body": "It happened again"},
    )

    assert response.status_code == 201
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response.json()["ticket"] == follow_up.reference


def test_empty_reply_is_refused(customer: User, category_x: Category) -> None:
    ticket = make_ticket(customer=customer, category=category_x)

    response = post_json(
        api_client(customer),
        f"/api/v1/tickets/{ticket.reference}/replies",
        {"body": ""},
    )

    assert response.status_code == 422


# --- list: pagination, filters, query count -------------------------------------------------


@pytest.mark.parametrize("sort", ["-created", "created", "priority", "-updated"])
def test_cursor_pagination_walks_every_ticket_exactly_once(
    admin: User, category_x: Category, sort: str
) -> None:
    customer = CustomerFactory.create()
    tickets = [
        make_ticket(customer=customer, category=category_x, priority=1 + i % 4)
        for i in range(11)
    ]
    # Ties on the sort key must be broken by id, or a page boundary would skip or repeat tickets.
    same_moment = timezone.now() - timedelta(hours=1)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[2:8]]).update(
        created_at=same_moment, updated_at=same_moment
    )
    client = api_client(admin)

    seen: list[str] = []
    cursor = None
    for _page in range(10):
        params: dict[str, Any] = {"limit": 3, "sort": sort, "view": "all"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/tickets", params).json()
        seen.extend(item["reference"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == {t.reference for t in tickets}


def test_list_orders_by_priority_when_asked(admin: User, category_x: Category) -> None:
    low = make_ticket(category=category_x, priority=4)
    urgent = make_ticket(category=category_x, priority=1)

    response = api_client(admin).get("/api/v1/tickets", {"sort": "priority"})

    assert [item["reference"] for item in response.json()["items"]] == [
        urgent.reference,
        low.reference,
    ]


def _references(client: Client, **params: Any) -> set[str]:
    response = client.get("/api/v1/tickets", params)
    assert response.status_code == 200, response.content
    return {item["reference"] for item in response.json()["items"]}


def test_list_filters(
    admin: User,
    agent_x: User,
    team_x: Team,
    team_y: Team,
    category_x: Category,
    category_y: Category,
) -> None:
    alice = CustomerFactory.create(email="alice@example.com", exchange_uid="55500011")
    urgent = make_ticket(customer=alice, category=category_x, priority=1, tags=["vip"])
    emailed = make_ticket(category=category_y, channel=Channel.EMAIL)
    assigned = make_ticket(category=category_x, subject="Withdrawal frozen")
    ticket_update(ticket=assigned, actor=admin, changes={"assignee": agent_x})
    pending = make_ticket(category=category_x)
    ticket_update(
        ticket=pending, actor=admin, changes={"status": Status.PENDING_CUSTOMER}
    )
    solved = make_ticket(category=category_y)
    ticket_update(ticket=solved, actor=admin, changes={"status": Status.SOLVED})
    client = api_client(admin)
    everything = {
        urgent.reference,
        emailed.reference,
        assigned.reference,
        pending.reference,
        solved.reference,
    }

    assert _references(client) == everything
    assert _references(client, status="solved") == {solved.reference}
    assert _references(client, priority=1) == {urgent.reference}
    assert _references(client, team="team-y") == {emailed.reference, solved.reference}
    assert _references(client, category="general-x") == {
        urgent.reference,
        assigned.reference,
        pending.reference,
    }
    assert _references(client, assignee=agent_x.email) == {assigned.reference}
    assert _references(client, channel="email") == {emailed.reference}
    assert _references(client, tag="VIP") == {urgent.reference}
    assert _references(client, q=urgent.reference.lower()) == {urgent.reference}
    assert _references(client, q="alice@example.com") == {urgent.reference}
    assert _references(client, q="55500011") == {urgent.reference}
    assert _references(client, q="frozen") == {assigned.reference}
    assert _references(client, view="active") == everything - {solved.reference}
    assert _references(client, view="pending") == {pending.reference}
    assert _references(client, view="unassigned") == {
        urgent.reference,
        emailed.reference,
    }
    assert _references(client, team="no-such-team") == set()
    assert _references(api_client(agent_x), view="mine") == {assigned.reference}


def test_a_list_row_says_what_the_ticket_page_says(
    agent_x: User, customer: User, category_x: Category
) -> None:
    """List rows are built from plain column values, the ticket page from the ticket: the
    fields they share agree, for staff reading in Chinese and for the customer."""
    category_x.name_zh = "一般问题"
    category_x.save()
    agent_x.language = "zh-hans"
    agent_x.save()
    ticket = make_ticket(
        customer=customer,
        category=category_x,
        subject="Withdrawal stuck, my seed is abandon ability able about above absent",
        tags=["vip"],
    )
    ticket_update(ticket=ticket, actor=agent_x, changes={"assignee": agent_x})

    for reader in (agent_x, customer):
        client = api_client(reader)
        [row] = client.get("/api/v1/tickets").json()["items"]
        page = client.get(f"/api/v1/tickets/{ticket.reference}").json()

        assert row == {name: page[name] for name in row}
    staff_row = api_client(agent_x).get("/api/v1/tickets").json()["items"][0]
    customer_row = api_client(customer).get("/api/v1/tickets").json()["items"][0]
    assert staff_row["category_name"] == "一般问题"
    assert (staff_row["assignee"], staff_row["tags"]) == (agent_x.email, ["vip"])
    assert (customer_row["assignee"], customer_row["tags"]) == (None, [])
    assert staff_row["team"] == "team-x"


def test_list_runs_a_constant_number_of_queries(
    agent_x: User,
    team_x: Team,
    category_x: Category,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for i in range(30):
        make_ticket(category=category_x, tags=[f"tag{i}", "common"])
    client = api_client(agent_x)
    client.get("/api/v1/tickets")  # Warms the token cache, as in steady use.

    # User, team ids, the page's ids, tickets with their joins, tags.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/tickets", {"limit": 25})

    assert response.status_code == 200
    assert len(response.json()["items"]) == 25
    assert all("common" in item["tags"] for item in response.json()["items"])


def test_detail_runs_a_constant_number_of_queries(
    agent_x: User,
    customer: User,
    category_x: Category,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    ticket = make_ticket(customer=customer, category=category_x)
    for i in range(10):
        reply_add(
            ticket=ticket,
            author=agent_x,
            body=f"note {i}",
            kind=MessageKind.NOTE,
            uploads=[
                SimpleUploadedFile(
                    f"f{i}.txt", b"evidence\n", content_type="text/plain"
                )
            ],
        )
    client = api_client(agent_x)
    client.get("/api/v1/me")

    # User, team ids, ticket, messages, events, attachments, tags, participants.
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/tickets/{ticket.reference}")

    assert response.status_code == 200
    assert len(response.json()["messages"]) == 10


# --- categories -----------------------------------------------------------------------------


def test_categories_list_active_ones_with_form_fields_and_networks(
    customer: User,
) -> None:
    CategoryFactory.create(
        slug="deposit-x", form_fields=DEPOSIT_FIELDS, name_en="Deposit", name_zh="充值"
    )
    CategoryFactory.create(slug="retired", is_active=False)
    customer.language = "zh-hans"
    customer.save()

    response = api_client(customer).get("/api/v1/categories")

    assert response.status_code == 200
    body = response.json()
    slugs = [item["slug"] for item in body["items"]]
    assert "deposit-x" in slugs
    assert "retired" not in slugs
    deposit = next(item for item in body["items"] if item["slug"] == "deposit-x")
    assert deposit["name"] == "充值"
    txid = next(field for field in deposit["fields"] if field["name"] == "txid")
    assert txid == {
        "name": "txid",
        "type": "txid",
        "required": True,
        "label": "交易哈希 (TxID)",
        "label_en": "Transaction hash (TxID)",
        "label_zh": "交易哈希 (TxID)",
        "choices": [],
    }
    network = next(field for field in deposit["fields"] if field["name"] == "network")
    assert {"value": "TRC20", "label": "TRON (TRC20)"} in network["choices"]
    assert {
        "code": "XRP",
        "name": "XRP Ledger",
        "memo_label": "Destination tag",
    } in body["networks"]
