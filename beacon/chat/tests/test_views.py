"""Chat pages and endpoints: who may use each one (customers, guests, staff, strangers)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from beacon.accounts.models import Team, User
from beacon.chat import services
from beacon.chat.identity import Identity, new_guest, session_token
from beacon.chat.models import ChatAttachment, Conversation, ConversationStatus
from beacon.chat.tests.conftest import online
from beacon.chat.tests.test_identity import SECRET, token
from beacon.tickets.models import Macro

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def header(identity: Identity) -> dict[str, str]:
    return {"X-Chat-Session": session_token(identity)}


def start(client: Client, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/chat/api/session/", json.dumps(body), content_type="application/json"
    )
    return response.status_code, response.json()


def test_chat_page_and_widget_frame(client: Client) -> None:
    page = client.get("/chat/")
    with override_settings(CHAT_WIDGET_ORIGINS=["https://www.exchange.example"]):
        frame = client.get("/chat/widget/")

    assert page.status_code == 200 and b'id="chat"' in page.content
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert frame.status_code == 200
    assert "X-Frame-Options" not in frame
    assert "frame-ancestors 'self'" in frame["Content-Security-Policy"]


def test_widget_script_is_served(client: Client) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("js/chat-widget.js") is not None
    assert finders.find("js/chat-core.js") is not None


def test_guest_session_starts_a_guest_chat(client: Client, seeded: None) -> None:
    status, data = start(client, {})

    assert status == 200 and data["guest"] is True
    conversation = Conversation.objects.get(public_id=data["conversation"])
    assert conversation.customer is None and conversation.guest_key


@override_settings(CHAT_TOKEN_SECRET=SECRET, CHAT_TOKEN_ISSUER="exchange")
def test_exchange_token_identifies_the_customer(client: Client, seeded: None) -> None:
    status, data = start(client, {"token": token()})

    assert status == 200 and data["guest"] is False
    conversation = Conversation.objects.get(public_id=data["conversation"])
    assert (
        conversation.customer is not None
        and conversation.customer.exchange_uid == "88000001"
    )


@override_settings(CHAT_TOKEN_SECRET=SECRET, CHAT_TOKEN_ISSUER="exchange")
def test_bad_token_is_a_clear_401_not_a_guest(client: Client, seeded: None) -> None:
    status, data = start(client, {"token": token(secret="x" * 40)})

    assert status == 401 and data["code"] == "unauthenticated"
    assert not Conversation.objects.exists()


def test_typed_email_never_identifies_anyone(
    client: Client, customer: User, seeded: None
) -> None:
    status, data = start(client, {"email": customer.email})

    assert status == 200 and data["guest"] is True


def test_session_endpoint_refuses_non_json(client: Client) -> None:
    response = client.post("/chat/api/session/", "[1]", content_type="application/json")

    assert response.status_code == 400


def test_signed_in_portal_customer_chats_as_themselves(
    customer: User, seeded: None
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get("/chat/")
    csrf = client.cookies["csrftoken"].value

    refused = client.post("/chat/api/session/", "{}", content_type="application/json")
    response = client.post(
        "/chat/api/session/",
        "{}",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )

    assert refused.status_code == 401
    assert response.status_code == 200 and response.json()["guest"] is False


def test_staff_sessions_do_not_start_customer_chats(
    client: Client, agent: User
) -> None:
    status, data = start(client, {"session": session_token(Identity(user=agent))})

    assert status == 200 and data["guest"] is True


def test_upload_only_into_your_own_chat(
    client: Client, conversation: Conversation, customer: User, other_customer: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/chat/api/{conversation.public_id}/upload/"
    mine = client.post(
        url,
        {"file": SimpleUploadedFile("a.png", PNG)},
        headers=header(Identity(user=customer)),
    )
    theirs = client.post(
        url,
        {"file": SimpleUploadedFile("a.png", PNG)},
        headers=header(Identity(user=other_customer)),
    )
    anonymous = client.post(url, {"file": SimpleUploadedFile("a.png", PNG)})
    bad = client.post(
        url,
        {"file": SimpleUploadedFile("a.png", b"<svg onload=alert(1)>")},
        headers=header(Identity(user=customer)),
    )

    assert mine.status_code == 201 and mine.json()["content_type"] == "image/png"
    assert theirs.status_code == 404
    assert anonymous.status_code == 401
    assert bad.status_code == 400 and bad.json()["code"] == "file_type"
    assert ChatAttachment.objects.count() == 1


def test_file_download_checks_access(
    client: Client, conversation: Conversation, customer: User, other_customer: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    stored = services.attachment_upload(
        conversation=conversation,
        identity=Identity(user=customer),
        upload=SimpleUploadedFile("a.png", PNG),
    )
    url = f"/chat/files/{stored.token}/"

    mine = client.get(url, headers=header(Identity(user=customer)))
    theirs = client.get(url, headers=header(Identity(user=other_customer)))
    guest = client.get(url, headers=header(new_guest()))

    assert mine.status_code == 200 and mine["Content-Disposition"].startswith(
        "attachment"
    )
    assert mine["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert theirs.status_code == 404 and guest.status_code == 404


def test_history_only_for_the_owner_and_without_internal_notes(
    client: Client,
    conversation: Conversation,
    customer: User,
    other_customer: User,
    agent: User,
    deposits: Team,
) -> None:
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)
    services.agent_send(
        conversation=conversation, agent=agent, body="secret note", internal=True
    )
    url = f"/chat/api/{conversation.public_id}/history/"

    mine = client.get(url, headers=header(Identity(user=customer)))
    theirs = client.get(url, headers=header(Identity(user=other_customer)))
    bad = client.get(url + "?after=x", headers=header(Identity(user=customer)))
    client.force_login(agent)
    staff = client.get(url)

    assert mine.status_code == 200
    assert "secret note" not in json.dumps(mine.json())
    assert [m["seq"] for m in mine.json()["messages"]] == [1, 2]
    assert theirs.status_code == 404
    assert bad.status_code == 400
    assert "secret note" in json.dumps(staff.json())


# --- console ------------------------------------------------------------------------------


CONSOLE_GETS = [
    "/console/chats/",
    "/console/chats/{id}/",
    "/console/chats/{id}/macro/?macro={macro}",
]
CONSOLE_POSTS = ["accept", "transfer", "convert", "close", "suspend"]


@pytest.fixture
def queued(conversation: Conversation, deposits: Team) -> Conversation:
    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        services.handoff(conversation=conversation, reason="asked", team_id=deposits.pk)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def macro(db: None) -> Macro:
    return Macro.objects.create(
        name="Greeting",
        body_en="Hello {{ customer.name }}, {{ agent.name }} here.",
        body_zh="您好",
    )


def test_console_refuses_anonymous_customers_and_other_teams(
    client: Client, queued: Conversation, customer: User, outsider: User, macro: Macro
) -> None:
    urls = [u.format(id=queued.public_id, macro=macro.pk) for u in CONSOLE_GETS]
    posts = [f"/console/chats/{queued.public_id}/{action}/" for action in CONSOLE_POSTS]

    for url in urls:
        assert client.get(url).status_code == 302  # sign in first
    client.force_login(customer)
    for url in urls:
        assert client.get(url).status_code == 404
    for url in posts:
        assert client.post(url).status_code == 404
    client.force_login(outsider)
    assert client.get("/console/chats/").status_code == 200
    for url in urls[1:]:
        assert client.get(url).status_code == 404
    for url in posts:
        assert client.post(url).status_code == 404
    queued.refresh_from_db()
    assert queued.status == ConversationStatus.QUEUED


def test_auditors_read_but_cannot_act(
    client: Client, queued: Conversation, auditor: User
) -> None:
    client.force_login(auditor)

    assert client.get(f"/console/chats/{queued.public_id}/").status_code == 200
    for action in CONSOLE_POSTS:
        assert (
            client.post(f"/console/chats/{queued.public_id}/{action}/").status_code
            == 403
        )


def test_agent_sees_the_queue_accepts_and_gets_the_summary(
    client: Client, queued: Conversation, agent: User, customer: User, macro: Macro
) -> None:
    online(agent)
    Conversation.objects.filter(pk=queued.pk).update(
        collected={"summary": "coin: USDT; network: TRC20"}
    )
    client.force_login(agent)

    index = client.get("/console/chats/")
    accept = client.post(
        f"/console/chats/{queued.public_id}/accept/", HTTP_HX_REQUEST="true"
    )
    canned = client.get(f"/console/chats/{queued.public_id}/macro/?macro={macro.pk}")

    assert f'data-queued="{queued.public_id}"' in index.content.decode()
    assert accept.status_code == 200
    page = accept.content.decode()
    assert "coin: USDT; network: TRC20" in page and str(customer.exchange_uid) in page
    assert canned.content.decode() == "Hello Alice, Lena here."
    queued.refresh_from_db()
    assert queued.agent == agent


def test_console_actions_convert_transfer_suspend(
    client: Client, queued: Conversation, agent: User, deposits: Team, customer: User
) -> None:
    client.force_login(agent)
    client.post(f"/console/chats/{queued.public_id}/accept/")

    bad_transfer = client.post(
        f"/console/chats/{queued.public_id}/transfer/",
        {"to": "nobody"},
        HTTP_HX_REQUEST="true",
    )
    bad_suspend = client.post(
        f"/console/chats/{queued.public_id}/suspend/",
        {"minutes": "-5"},
        HTTP_HX_REQUEST="true",
    )
    convert = client.post(
        f"/console/chats/{queued.public_id}/convert/", HTTP_HX_REQUEST="true"
    )

    assert bad_transfer.status_code == 400 and bad_suspend.status_code == 400
    queued.refresh_from_db()
    assert queued.ticket is not None
    assert convert["HX-Redirect"] == f"/console/t/{queued.ticket.reference}/"


def test_console_transfer_to_team(
    client: Client, queued: Conversation, agent: User
) -> None:
    client.force_login(agent)
    client.post(f"/console/chats/{queued.public_id}/accept/")
    security = Team.objects.get(slug="account-security")

    response = client.post(
        f"/console/chats/{queued.public_id}/transfer/",
        {"to": f"team:{security.pk}", "note": "looks like a takeover"},
    )

    assert response.status_code == 303
    queued.refresh_from_db()
    assert queued.team == security


def test_console_suspend(
    client: Client, queued: Conversation, agent: User, customer: User
) -> None:
    client.force_login(agent)

    response = client.post(
        f"/console/chats/{queued.public_id}/suspend/",
        {"minutes": "60", "reason": "insults"},
    )

    assert response.status_code == 303
    with pytest.raises(services.Suspended):
        services.conversation_start(identity=Identity(user=customer))
