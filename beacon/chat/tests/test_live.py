"""Real WebSocket clients (the `websockets` package) against a real server (uvicorn):
reconnect and resume, ordering, no duplicates, and who may join which conversation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client, override_settings
from websockets.asyncio.client import ClientConnection
from websockets.typing import Origin

from beacon.accounts.models import Team, User
from beacon.chat import services
from beacon.chat.identity import Identity, session_token
from beacon.chat.models import ChatMessage, Conversation
from beacon.chat.tests.conftest import FakeHit, FakeSearch
from beacon.chat.tests.live import asgi_server

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
Frame = dict[str, Any]


@pytest.fixture
def server() -> Iterator[str]:
    with asgi_server() as base:
        yield base


def ws_url(
    base: str, conversation: Conversation, *, session: str = "", last_seq: int = 0
) -> str:
    url = (
        base.replace("http://", "ws://")
        + f"/ws/chat/{conversation.public_id}/?last_seq={last_seq}"
    )
    return url + (f"&session={session}" if session else "")


def cookie_for(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def connect(url: str, base: str, cookie: str = "") -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else None
    return await websockets.connect(
        url, origin=Origin(base), additional_headers=headers, open_timeout=10
    )


async def frames_until(
    ws: ClientConnection, match: Any, *, timeout: float = 10
) -> list[Frame]:
    seen: list[Frame] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            seen.append(frame)
            if match(frame):
                return seen


def messages(frames: list[Frame]) -> list[Frame]:
    return [f for f in frames if f["type"] == "message"]


@pytest.fixture
def answering_kb(kb: FakeSearch) -> FakeSearch:
    kb.hits = [
        FakeHit(
            1,
            "Deposits",
            "/help/en/deposits/",
            "Deposits need network confirmations.",
            0.9,
        )
    ]
    return kb


def test_reconnect_resumes_without_losing_or_doubling_messages(
    server: str,
    conversation: Conversation,
    customer: User,
    agent: User,
    deposits: Team,
    answering_kb: FakeSearch,
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)
    conversation.refresh_from_db()
    services.chat_accept(conversation=conversation, agent=agent)
    session = session_token(Identity(user=customer))

    async def scenario() -> tuple[list[Frame], list[Frame], Frame]:
        ws = await connect(ws_url(server, conversation, session=session), server)
        first = await frames_until(ws, lambda f: f["type"] == "state")
        for n in range(3):
            await ws.send(
                json.dumps({"type": "send", "id": f"before-{n}", "body": f"before {n}"})
            )
        first += await frames_until(
            ws, lambda f: f.get("id") == "before-2" and f["type"] == "message"
        )
        last_seen = max(f["seq"] for f in messages(first))
        # The connection drops (no close handshake) while the agent keeps writing.
        ws.transport.abort()
        for n in range(4):
            await sync_to_async(services.agent_send)(
                conversation=conversation,
                agent=agent,
                body=f"while away {n}",
                client_id=f"away-{n}",
            )
        # The client resends its last message (it never saw the ack) and resumes.
        ws = await connect(
            ws_url(server, conversation, session=session, last_seq=last_seen), server
        )
        await ws.send(
            json.dumps({"type": "send", "id": "before-2", "body": "before 2"})
        )
        second = await frames_until(
            ws, lambda f: f["type"] == "ack" and f["id"] == "before-2"
        )
        await ws.send(json.dumps({"type": "send", "id": "after-0", "body": "after"}))
        second += await frames_until(
            ws, lambda f: f["type"] == "message" and f.get("id") == "after-0"
        )
        await ws.close()
        ack = next(f for f in second if f["type"] == "ack" and f["id"] == "before-2")
        return first, second, ack

    first, second, ack = asyncio.run(scenario())

    assert ack["duplicate"] is True
    resumed = messages(second)
    assert [m["body"] for m in resumed] == [f"while away {n}" for n in range(4)] + [
        "after"
    ]
    everything = messages(first) + resumed
    seqs = [m["seq"] for m in everything]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    stored = list(
        ChatMessage.objects.filter(
            conversation=conversation, internal=False
        ).values_list("seq", flat=True)
    )
    assert seqs == stored  # every message, once, in order
    assert (
        ChatMessage.objects.filter(
            conversation=conversation, client_id="before-2"
        ).count()
        == 1
    )


def test_concurrent_senders_see_one_order_without_gaps_or_duplicates(
    server: str,
    conversation: Conversation,
    customer: User,
    agent: User,
    deposits: Team,
    answering_kb: FakeSearch,
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)
    conversation.refresh_from_db()
    services.chat_accept(conversation=conversation, agent=agent)
    session = session_token(Identity(user=customer))
    cookie = cookie_for(agent)
    count = 8
    conversation.refresh_from_db()
    before = conversation.last_seq

    async def scenario() -> tuple[list[Frame], list[Frame]]:
        customer_ws = await connect(
            ws_url(server, conversation, session=session), server
        )
        agent_ws = await connect(ws_url(server, conversation), server, cookie)
        await frames_until(customer_ws, lambda f: f["type"] == "state")
        await frames_until(agent_ws, lambda f: f["type"] == "state")

        async def burst(ws: ClientConnection, prefix: str) -> None:
            for n in range(count):
                await ws.send(
                    json.dumps(
                        {"type": "send", "id": f"{prefix}-{n}", "body": f"{prefix} {n}"}
                    )
                )
                await asyncio.sleep(0.01)

        await asyncio.gather(burst(customer_ws, "c"), burst(agent_ws, "a"))
        done = {f"c-{count - 1}", f"a-{count - 1}"}

        async def collect(ws: ClientConnection) -> list[Frame]:
            got: list[Frame] = []
            seen: set[str] = set()
            async with asyncio.timeout(15):
                while not done <= seen:
                    frame = json.loads(await ws.recv())
                    got.append(frame)
                    if frame["type"] == "message" and frame.get("id"):
                        seen.add(frame["id"])
            return got

        by_customer, by_agent = await asyncio.gather(
            collect(customer_ws), collect(agent_ws)
        )
        await customer_ws.close()
        await agent_ws.close()
        return by_customer, by_agent

    by_customer, by_agent = asyncio.run(scenario())

    expected = list(
        ChatMessage.objects.filter(
            conversation=conversation, seq__gt=before
        ).values_list("seq", flat=True)
    )
    for frames in (by_customer, by_agent):
        seqs = [m["seq"] for m in messages(frames)]
        assert (
            seqs == expected[: len(seqs)]
        )  # strictly the stored order, no gaps, no repeats
        ids = [m["id"] for m in messages(frames) if m.get("id")]
        assert len(ids) == len(set(ids)) == 2 * count


def test_a_customer_cannot_join_another_customers_conversation(
    server: str, conversation: Conversation, other_customer: User
) -> None:
    async def scenario() -> int | None:
        ws = await connect(
            ws_url(
                server,
                conversation,
                session=session_token(Identity(user=other_customer)),
            ),
            server,
        )
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(scenario()) == 4404


def test_an_agent_only_joins_chats_of_their_teams(
    server: str, conversation: Conversation, agent: User, outsider: User, deposits: Team
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)

    async def attempt(user: User) -> Any:
        ws = await connect(ws_url(server, conversation), server, cookie_for(user))
        try:
            return json.loads(await ws.recv())
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        finally:
            await ws.close()

    assert asyncio.run(attempt(outsider)) == 4404
    assert asyncio.run(attempt(agent))["type"] == "message"


def test_a_socket_from_a_foreign_origin_is_refused(
    server: str, conversation: Conversation, customer: User
) -> None:
    async def scenario() -> bool:
        try:
            ws = await websockets.connect(
                ws_url(
                    server, conversation, session=session_token(Identity(user=customer))
                ),
                origin=Origin("https://evil.example"),
                open_timeout=10,
            )
        except websockets.InvalidStatus:
            return True
        try:
            await ws.recv()
        except websockets.ConnectionClosed:
            return True
        return False

    assert asyncio.run(scenario())


def test_the_customer_sees_an_agent_join_as_soon_as_one_comes_online(
    server: str, conversation: Conversation, customer: User, agent: User, deposits: Team
) -> None:
    from beacon.chat.models import ConversationStatus, HandoffReason
    from beacon.routing.models import PresenceStatus
    from beacon.routing.services import presence_set

    # Nobody online: the chat waits in the queue (no sweep runs in tests).
    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        services.handoff(
            conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
        )
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.QUEUED
    session = session_token(Identity(user=customer))

    async def scenario() -> tuple[Frame, list[Frame]]:
        ws = await connect(ws_url(server, conversation, session=session), server)
        waiting = (await frames_until(ws, lambda f: f["type"] == "state"))[-1]
        await sync_to_async(presence_set)(user=agent, status=PresenceStatus.ONLINE)
        joined = await frames_until(
            ws,
            lambda f: f["type"] == "state" and f["status"] == "active",
            timeout=5,
        )
        await ws.close()
        return waiting, joined

    waiting, joined = asyncio.run(scenario())

    assert waiting["status"] == "queued" and waiting["queue_position"] == 1
    assert [m["meta"].get("kind") for m in messages(joined)] == ["agent_joined"]
    assert joined[-1]["agent"] == "Lena"
