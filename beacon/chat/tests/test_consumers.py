"""Chat sockets in process (Channels' communicator): auth, acks, resume, typing, receipts, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from django.test import override_settings

from beacon.accounts.models import Team, User
from beacon.chat import services
from beacon.chat.identity import Identity, session_token
from beacon.chat.models import ChatMessage, Conversation
from beacon.chat.tests.communicator import WebsocketCommunicator
from beacon.chat.tests.conftest import FakeHit, FakeSearch
from beacon.websockets import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

Frame = dict[str, Any]
app = URLRouter(websocket_urlpatterns)


def communicator(
    conversation: Conversation,
    *,
    session: str = "",
    user: User | None = None,
    last_seq: int = 0,
) -> WebsocketCommunicator:
    query = f"last_seq={last_seq}" + (f"&session={session}" if session else "")
    comm = WebsocketCommunicator(app, f"/ws/chat/{conversation.public_id}/?{query}")
    if user is not None:
        comm.scope["user"] = user
    return comm


async def until(
    comm: WebsocketCommunicator, match: Callable[[Frame], bool], *, limit: int = 30
) -> list[Frame]:
    seen: list[Frame] = []
    for _ in range(limit):
        frame = await comm.receive_json_from(timeout=5)
        seen.append(frame)
        if match(frame):
            return seen
    raise AssertionError(f"no matching frame in {seen}")


def is_state(frame: Frame) -> bool:
    return bool(frame["type"] == "state")


def test_customer_sends_gets_ack_and_the_message_once(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    async def scenario() -> list[Frame]:
        comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        connected, _ = await comm.connect()
        assert connected
        opening = await until(comm, is_state)
        await comm.send_json_to({"type": "send", "id": "c-1", "body": "hello there"})
        frames = await until(comm, lambda f: f["type"] == "ack")
        frames += await until(comm, lambda f: f["type"] == "message" and f["seq"] == 2)
        await comm.send_json_to({"type": "send", "id": "c-1", "body": "hello there"})
        frames += await until(comm, lambda f: f["type"] == "ack")
        await comm.disconnect()
        return opening + frames

    frames = async_to_sync(scenario)()

    assert (
        frames[0]["type"] == "message" and frames[0]["seq"] == 1
    )  # the greeting, replayed
    acks = [f for f in frames if f["type"] == "ack"]
    assert [a["seq"] for a in acks] == [2, 2]
    assert [a["duplicate"] for a in acks] == [False, True]
    assert (
        ChatMessage.objects.filter(conversation=conversation, client_id="c-1").count()
        == 1
    )
    seqs = [f["seq"] for f in frames if f["type"] == "message"]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


def test_resume_replays_only_what_was_missed(
    conversation: Conversation, customer: User
) -> None:
    identity = Identity(user=customer)
    for n in range(3):
        services.customer_send(
            conversation=conversation,
            identity=identity,
            body=f"m{n}",
            client_id=f"m{n}",
        )

    async def scenario() -> list[Frame]:
        comm = communicator(conversation, session=session_token(identity), last_seq=2)
        await comm.connect()
        frames = await until(comm, is_state)
        await comm.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert [f["seq"] for f in frames if f["type"] == "message"] == [3, 4]


def test_no_credentials_are_refused(conversation: Conversation) -> None:
    async def scenario() -> Any:
        return await communicator(conversation).refused_with()

    assert async_to_sync(scenario)() == 4401


def test_a_forged_session_is_refused(conversation: Conversation) -> None:
    async def scenario() -> Any:
        return await communicator(conversation, session="not-a-token").refused_with()

    assert async_to_sync(scenario)() == 4401


def test_another_customer_cannot_join(
    conversation: Conversation, other_customer: User
) -> None:
    async def scenario() -> Any:
        comm = communicator(
            conversation, session=session_token(Identity(user=other_customer))
        )
        return await comm.refused_with()

    assert async_to_sync(scenario)() == 4404


def test_agents_join_only_chats_of_their_teams(
    conversation: Conversation, agent: User, outsider: User, deposits: Team
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)

    async def scenario(user: User) -> Any:
        comm = communicator(conversation, user=user)
        result = await comm.refused_with()
        await comm.disconnect()
        return result

    assert async_to_sync(scenario)(outsider) == 4404
    assert async_to_sync(scenario)(agent) is None


def test_customers_never_see_internal_notes(
    conversation: Conversation, customer: User, agent: User, deposits: Team
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)
    conversation.refresh_from_db()
    services.chat_accept(conversation=conversation, agent=agent)

    async def scenario() -> tuple[list[Frame], list[Frame]]:
        customer_comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        agent_comm = communicator(conversation, user=agent)
        await customer_comm.connect()
        await agent_comm.connect()
        await until(customer_comm, is_state)
        await until(agent_comm, is_state)
        await agent_comm.send_json_to(
            {"type": "send", "id": "n1", "body": "VIP, be nice", "internal": True}
        )
        await agent_comm.send_json_to(
            {"type": "send", "id": "r1", "body": "Hello, Lena here"}
        )
        seen_by_customer = await until(customer_comm, lambda f: f.get("id") == "r1")
        seen_by_agent = await until(
            agent_comm, lambda f: f.get("id") == "r1" and f["type"] == "message"
        )
        await customer_comm.disconnect()
        await agent_comm.disconnect()
        return seen_by_customer, seen_by_agent

    by_customer, by_agent = async_to_sync(scenario)()

    assert not any("VIP" in str(f.get("body", "")) for f in by_customer)
    assert any(f.get("body") == "VIP, be nice" for f in by_agent)


def test_typing_and_read_receipts_reach_the_other_side(
    conversation: Conversation, customer: User, agent: User, deposits: Team
) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(team=deposits)
    conversation.refresh_from_db()
    services.chat_accept(conversation=conversation, agent=agent)

    async def scenario() -> tuple[list[Frame], list[Frame]]:
        customer_comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        agent_comm = communicator(conversation, user=agent)
        await customer_comm.connect()
        await agent_comm.connect()
        await until(customer_comm, is_state)
        await until(agent_comm, is_state)
        await customer_comm.send_json_to({"type": "typing", "on": True})
        typing = await until(agent_comm, lambda f: f["type"] == "typing")
        await agent_comm.send_json_to({"type": "read", "seq": 2})
        read = await until(customer_comm, lambda f: f["type"] == "read")
        assert await customer_comm.receive_nothing(timeout=0.2) or True
        await customer_comm.disconnect()
        await agent_comm.disconnect()
        return typing, read

    typing, read = async_to_sync(scenario)()

    assert typing[-1] == {"type": "typing", "side": "customer", "on": True}
    assert read[-1]["side"] == "agent" and read[-1]["seq"] == 2
    conversation.refresh_from_db()
    assert conversation.agent_read_seq == 2


@override_settings(CHAT_RATE_BURST=2, CHAT_RATE_PER_SECOND=0.01)
def test_sending_too_fast_gets_a_translated_error_frame(
    customer: User, seeded: None, kb: FakeSearch
) -> None:
    conversation = services.conversation_start(
        identity=Identity(user=customer), language="zh-hans"
    )

    async def scenario() -> list[Frame]:
        comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        await comm.connect()
        await until(comm, is_state)
        for n in range(3):
            await comm.send_json_to({"type": "send", "id": f"f{n}", "body": "你好"})
        frames = await until(comm, lambda f: f["type"] == "error")
        await comm.disconnect()
        return frames

    error = async_to_sync(scenario)()[-1]

    assert error["code"] == "rate_limited" and error["id"] == "f2"
    assert error["retry_after"] >= 1
    assert "太快" in error["detail"]
    assert not ChatMessage.objects.filter(
        conversation=conversation, client_id="f2"
    ).exists()


@override_settings(CHAT_RATE_PER_MINUTE=2)
def test_the_per_person_limit_spans_connections(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    token = session_token(Identity(user=customer))
    kb.hits = [
        FakeHit(
            1, "Deposits", "/help/en/deposits/", "Deposits need confirmations.", 0.9
        )
    ]

    async def scenario() -> list[Frame]:
        first = communicator(conversation, session=token)
        second = communicator(conversation, session=token)
        await first.connect()
        await second.connect()
        await until(first, is_state)
        await until(second, is_state)
        await first.send_json_to({"type": "send", "id": "p1", "body": "one"})
        await until(first, lambda f: f["type"] == "ack")
        await second.send_json_to({"type": "send", "id": "p2", "body": "two"})
        await until(second, lambda f: f["type"] == "ack")
        await second.send_json_to({"type": "send", "id": "p3", "body": "three"})
        frames = await until(second, lambda f: f["type"] == "error")
        await first.disconnect()
        await second.disconnect()
        return frames

    assert async_to_sync(scenario)()[-1]["code"] == "rate_limited"


def test_garbage_frames_get_an_error_not_a_crash(
    conversation: Conversation, customer: User
) -> None:
    async def scenario() -> list[Frame]:
        comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        await comm.connect()
        await until(comm, is_state)
        await comm.send_to(text_data="{not json")
        first = await until(comm, lambda f: f["type"] == "error")
        await comm.send_to(text_data="x" * 20_000)
        second = await until(comm, lambda f: f["type"] == "error")
        await comm.send_json_to({"type": "send", "id": "ok", "body": 42})
        third = await until(comm, lambda f: f["type"] == "error")
        await comm.disconnect()
        return [first[-1], second[-1], third[-1]]

    codes = [f["code"] for f in async_to_sync(scenario)()]

    assert codes == ["bad_frame", "too_large", "invalid"]


def test_console_socket_is_for_staff_and_hears_queue_changes(
    conversation: Conversation, customer: User, agent: User, deposits: Team
) -> None:
    from beacon.chat.models import HandoffReason

    async def scenario(user: User) -> Any:
        comm = WebsocketCommunicator(app, "/ws/console/chats/")
        comm.scope["user"] = user
        if user.is_customer:
            return await comm.refused_with()
        await comm.connect()
        from channels.db import database_sync_to_async

        await database_sync_to_async(services.handoff)(
            conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
        )
        frame = await comm.receive_json_from(timeout=5)
        await comm.disconnect()
        return frame

    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        assert async_to_sync(scenario)(customer) == 4404
        frame = async_to_sync(scenario)(agent)
    assert frame == {"type": "queue", "conversation": conversation.public_id}


def test_console_socket_refuses_anonymous_visitors() -> None:
    from django.contrib.auth.models import AnonymousUser

    async def scenario() -> Any:
        comm = WebsocketCommunicator(app, "/ws/console/chats/")
        comm.scope["user"] = AnonymousUser()
        return await comm.refused_with()

    assert async_to_sync(scenario)() == 4401


def test_customer_ends_rates_and_asks_for_the_transcript_over_the_socket(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    from beacon.notifications.models import Delivery

    async def scenario() -> list[Frame]:
        comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        await comm.connect()
        await until(comm, is_state)
        await comm.send_json_to({"type": "transcript"})
        frames = await until(
            comm, lambda f: f.get("meta", {}).get("kind") == "transcript_sent"
        )
        await comm.send_json_to({"type": "close"})
        frames += await until(
            comm, lambda f: f["type"] == "state" and f["status"] == "closed"
        )
        await comm.send_json_to({"type": "rate", "score": 5, "comment": "fast"})
        frames += await until(comm, lambda f: f["type"] == "rated")
        await comm.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert any(f.get("meta", {}).get("kind") == "rating_request" for f in frames)
    conversation.refresh_from_db()
    assert conversation.rating == 5 and conversation.rating_comment == "fast"
    assert Delivery.objects.filter(
        template_key="chat_transcript", address=customer.email
    ).exists()


def test_a_waiting_customer_sees_their_place_move_up(
    conversation: Conversation,
    customer: User,
    other_customer: User,
    agent: User,
    deposits: Team,
) -> None:
    from beacon.chat.models import HandoffReason

    second = services.conversation_start(identity=Identity(user=other_customer))
    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        services.handoff(
            conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
        )
        services.handoff(
            conversation=second, reason=HandoffReason.ASKED, team_id=deposits.pk
        )

    async def scenario() -> tuple[Frame, Frame]:
        from channels.db import database_sync_to_async

        comm = communicator(
            second, session=session_token(Identity(user=other_customer))
        )
        await comm.connect()
        before = (await until(comm, is_state))[-1]
        await database_sync_to_async(services.chat_accept)(
            conversation=conversation, agent=agent
        )
        after = (await until(comm, is_state))[-1]
        await comm.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()

    assert before["queue_position"] == 2 and before["eta_seconds"] is not None
    assert after["queue_position"] == 1


@override_settings(CHAT_RATE_BURST=1, CHAT_RATE_PER_SECOND=0.01)
def test_a_flood_closes_the_socket(
    conversation: Conversation, customer: User, kb: FakeSearch
) -> None:
    from beacon.chat.consumers import CLOSE_FLOOD, FLOOD_STRIKES

    async def scenario() -> Any:
        comm = communicator(
            conversation, session=session_token(Identity(user=customer))
        )
        await comm.connect()
        await until(comm, is_state)
        for n in range(FLOOD_STRIKES + 1):
            await comm.send_json_to({"type": "send", "id": f"x{n}", "body": "spam"})
        for _ in range(200):
            output = await comm.receive_raw(timeout=5)
            if output["type"] == "websocket.close":
                return output["code"]
        return None

    assert async_to_sync(scenario)() == CLOSE_FLOOD
    assert (
        ChatMessage.objects.filter(conversation=conversation, body="spam").count() == 1
    )
