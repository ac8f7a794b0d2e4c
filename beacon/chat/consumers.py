"""Chat sockets: one per conversation (customer or agent), one per agent for the console queue.

Protocol (JSON frames, see docs/chat.md): the client connects to `/ws/chat/<id>/` with
`?session=<chat session token>` (or a Beacon session cookie) and `&last_seq=N`; the server
replays every message after N, then streams new ones in order, each exactly once per socket.
Sends carry a client-generated `id`; the server acknowledges with the message's `seq`, and a
retried id is acknowledged again without storing a second message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from beacon.accounts.models import User
from beacon.chat import bot, events, queries, ratelimit, services
from beacon.chat.identity import Identity, Unauthenticated, identity_from_session
from beacon.chat.models import ChatMessage, Conversation
from beacon.core.errors import DomainError, NotFound

logger = logging.getLogger(__name__)


def database_sync_to_async(func: Any) -> Any:
    """Run ORM work off the event loop. On PostgreSQL in a pool of threads, so one slow query
    does not hold up every socket of the process; on SQLite in the one shared thread, which
    also keeps its single writer from being contended."""
    return DatabaseSyncToAsync(func, thread_sensitive=not settings.IS_POSTGRES)


async def in_thread[**P, R](
    func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a service off the event loop, then broadcast what it committed from the loop.

    The service's after-commit broadcasts are collected in the thread and published here, in
    order, before the result (or the service's error) comes back to the caller.
    """

    def work() -> tuple[list[tuple[str, dict[str, Any]]], R | None, Exception | None]:
        with events.collecting() as box:
            try:
                return box, func(*args, **kwargs), None
            except (
                Exception
            ) as exc:  # raised again below, once what committed is announced
                return box, None, exc

    outcome = await database_sync_to_async(work)()
    box, result, error = cast(
        tuple[list[tuple[str, dict[str, Any]]], R | None, Exception | None], outcome
    )
    await events.publish(box)
    if error is not None:
        raise error
    return cast(R, result)  # None only together with an error


class NoConnectionSweep:
    """Channels (4.2+) runs `close_old_connections` in its one shared sync thread before every
    event a consumer handles: each frame and each group message cost a hop to that thread and
    back, all sockets of the process queueing for it. These consumers touch the database only
    through `database_sync_to_async`, which does that clean-up in its own thread."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


MAX_FRAME_BYTES = 16_384
# Assistant answers in flight (a reference keeps each task alive until it is done).
_background: set[asyncio.Task[None]] = set()
# Close codes (4000-4999 are the application's): the client stops reconnecting on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_FLOOD = 4429
FLOOD_STRIKES = 20


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin-1")
    return {key: values[-1] for key, values in parse_qs(raw).items() if values}


def _identity(scope: dict[str, Any]) -> Identity:
    token = _query(scope).get("session", "")
    if token:
        return identity_from_session(token)
    user = scope.get("user")
    if isinstance(user, User) and user.is_active:
        return Identity(user=user)
    raise Unauthenticated


def _frames(messages: list[ChatMessage], *, staff: bool) -> list[dict[str, Any]]:
    return [dict(events.message_frame(m)) for m in messages if staff or not m.internal]


def state_frame(conversation: Conversation) -> events.StateFrame:
    agent = conversation.agent
    return {
        "type": "state",
        "status": conversation.status,
        "agent": (agent.display_name or agent.email.split("@")[0]) if agent else "",
        "queue_position": queries.queue_position(conversation),
        "eta_seconds": queries.estimated_wait_seconds(conversation),
        "ticket": conversation.ticket.reference if conversation.ticket else "",
        "rating": conversation.rating,
    }


@database_sync_to_async
def _load(identity: Identity, public_id: str) -> Conversation:
    return queries.conversation_get(identity=identity, public_id=public_id)


@database_sync_to_async
def _authenticate(scope: dict[str, Any]) -> Identity:
    return _identity(scope)


@database_sync_to_async
def _after(
    conversation: Conversation, seq: int, *, staff: bool
) -> list[dict[str, Any]]:
    return _frames(
        queries.messages_after(conversation=conversation, seq=seq, staff=staff),
        staff=staff,
    )


@database_sync_to_async
def _state(conversation_id: int) -> events.StateFrame:
    conversation = Conversation.objects.select_related("agent", "ticket").get(
        pk=conversation_id
    )
    return state_frame(conversation)


class ChatConsumer(NoConnectionSweep, AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # Channels is untyped
    """One socket on one conversation, for its customer or for staff who work it."""

    identity: Identity
    conversation: Conversation
    staff: bool
    last_sent: int
    group: str

    async def connect(self) -> None:
        self.last_sent = 0
        self.group = ""
        try:
            self.identity = await _authenticate(self.scope)
        except Unauthenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        public_id = str(self.scope["url_route"]["kwargs"]["public_id"])
        try:
            self.conversation = await _load(self.identity, public_id)
        except NotFound:
            await self._refuse(CLOSE_NOT_FOUND)
            return
        self.staff = self.identity.is_staff
        self.language = self.conversation.language
        self.bucket = ratelimit.connection_bucket()
        self.strikes = 0
        self.group = events.conversation_group(public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        try:
            since = max(0, int(_query(self.scope).get("last_seq", "0") or 0))
        except ValueError:
            since = 0
        await self._catch_up(since)
        await self.send_json(await _state(self.conversation.pk))

    async def _refuse(self, code: int) -> None:
        # Accept first, then close with our code: a refused handshake would reach browsers as
        # a bare 1006, and the client could not tell "not allowed" from "network down".
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- from the client -----------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        raw = (
            text_data
            if text_data is not None
            else (bytes_data or b"").decode("utf-8", "replace")
        )
        if len(raw.encode("utf-8")) > MAX_FRAME_BYTES:
            await self._error("too_large", _("That message is too long."))
            return
        try:
            content = json.loads(raw)
        except ValueError:
            await self._error("bad_frame", _("The chat could not read that message."))
            return
        if not isinstance(content, dict):
            await self._error("bad_frame", _("The chat could not read that message."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        if kind == "resume":
            try:
                since = max(0, int(content.get("last_seq", 0)))
            except (TypeError, ValueError):
                since = 0
            await self._catch_up(since)
            return
        if not await self._allowed(content):
            return
        handler = {
            "send": self._on_send,
            "typing": self._on_typing,
            "read": self._on_read,
            "close": self._on_close,
            "rate": self._on_rate,
            "transcript": self._on_transcript,
        }.get(str(kind))
        if handler is None:
            await self._error("bad_frame", _("Unknown kind of message."))
            return
        try:
            await handler(content)
        except DomainError as exc:
            frame: dict[str, Any] = {}
            if isinstance(content.get("id"), str):
                frame["id"] = content["id"]
            await self._error(exc.code, exc.message, **frame)

    async def _allowed(self, content: dict[str, Any]) -> bool:
        """Typing and read receipts are cheap; sends count against both limits."""
        if content.get("type") not in ("send", "transcript", "rate"):
            return True
        with translation.override(self.language):
            if not self.bucket.take():
                self.strikes += 1
                if self.strikes >= FLOOD_STRIKES:
                    await self._error(
                        "flood", _("Too many messages: the chat was disconnected.")
                    )
                    await self.close(code=CLOSE_FLOOD)
                    return False
                await self._error(
                    "rate_limited",
                    _("You are sending messages too quickly. Please wait a moment."),
                    retry_after=self.bucket.retry_after(),
                    **(
                        {"id": content["id"]}
                        if isinstance(content.get("id"), str)
                        else {}
                    ),
                )
                return False
            # A customer's send checks the per-person limit in the thread that stores it.
            if not self.staff and content.get("type") != "send":
                allowed, retry = await sync_to_async(
                    ratelimit.person_allows, thread_sensitive=False
                )(self.identity.key)
                if not allowed:
                    await self._person_limited(content, retry)
                    return False
        return True

    async def _person_limited(self, content: dict[str, Any], retry: int) -> None:
        with translation.override(self.language):
            await self._error(
                "rate_limited",
                _("You have sent a lot of messages. Please wait a minute."),
                retry_after=retry,
                **({"id": content["id"]} if isinstance(content.get("id"), str) else {}),
            )

    async def _on_send(self, content: dict[str, Any]) -> None:
        client_id = content.get("id") if isinstance(content.get("id"), str) else None
        body = content.get("body", "")
        if not isinstance(body, str):
            body = ""
        attachment = content.get("attachment")
        if self.staff:
            assert self.identity.user is not None  # staff are always users
            result = await in_thread(
                services.agent_send,
                conversation=self.conversation,
                agent=self.identity.user,
                body=body,
                client_id=client_id,
                internal=content.get("internal") is True,
            )
        else:
            sent = await in_thread(
                self._customer_send,
                body,
                client_id,
                attachment if isinstance(attachment, str) else None,
            )
            if isinstance(sent, int):
                await self._person_limited(content, sent)
                return
            result = sent
        await self.send_json(
            {
                "type": "ack",
                "id": client_id,
                "seq": result.message.seq,
                "duplicate": not result.created,
            }
        )
        if result.created and not self.staff:
            # The assistant answers beside the socket's loop, so this socket keeps delivering
            # (its own message first); its reply arrives like any other message. It is not
            # cancelled when the socket closes: the answer is stored for the next connection.
            task = asyncio.create_task(
                self._answer(result.message.pk, result.message.body)
            )
            _background.add(task)
            task.add_done_callback(_background.discard)

    def _customer_send(
        self, body: str, client_id: str | None, attachment: str | None
    ) -> services.SendResult | int:
        """The per-person limit, then the message, in one trip off the event loop; an int is
        the seconds to wait when the limit refused it."""
        allowed, retry = ratelimit.person_allows(self.identity.key)
        if not allowed:
            return retry
        return services.customer_send(
            conversation=self.conversation,
            identity=self.identity,
            body=body,
            client_id=client_id,
            attachment_token=attachment,
        )

    async def _answer(self, message_id: int, text: str) -> None:
        try:
            await in_thread(
                bot.bot_handle,
                conversation_id=self.conversation.pk,
                message_id=message_id,
                text=text,
            )
        except (
            Exception
        ):  # logged, never lost silently: the customer can ask for a person
            logger.exception("assistant failed on chat %s", self.conversation.public_id)

    async def _on_typing(self, content: dict[str, Any]) -> None:
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.typing",
                "side": "agent" if self.staff else "customer",
                "on": content.get("on") is not False,
                "from": self.channel_name,
            },
        )

    async def _on_read(self, content: dict[str, Any]) -> None:
        try:
            seq = int(content.get("seq", 0))
        except (TypeError, ValueError):
            return
        await in_thread(
            services.read_mark,
            conversation=self.conversation,
            identity=self.identity,
            seq=seq,
        )

    async def _on_close(self, content: dict[str, Any]) -> None:
        await in_thread(
            services.conversation_close,
            conversation=self.conversation,
            identity=self.identity,
        )

    async def _on_rate(self, content: dict[str, Any]) -> None:
        score = content.get("score")
        comment = content.get("comment", "")
        await in_thread(
            self._rate,
            score if isinstance(score, int) else 0,
            comment if isinstance(comment, str) else "",
        )
        await self.send_json({"type": "rated", "score": score})

    def _rate(self, score: int, comment: str) -> None:
        conversation = Conversation.objects.get(pk=self.conversation.pk)
        services.conversation_rate(
            conversation=conversation,
            identity=self.identity,
            score=score,
            comment=comment,
        )

    async def _on_transcript(self, content: dict[str, Any]) -> None:
        await in_thread(
            services.transcript_send,
            conversation=self.conversation,
            identity=self.identity,
        )

    async def _error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    # --- from the group ------------------------------------------------------------------

    async def _catch_up(self, since: int) -> None:
        """Send every message after `since` (the client drops numbers it already has)."""
        frames = await _after(self.conversation, since, staff=self.staff)
        for frame in frames:
            await self.send_json(frame)
        if frames:
            self.last_sent = max(self.last_sent, max(f["seq"] for f in frames))

    async def chat_message(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        seq = int(frame["seq"])
        if seq <= self.last_sent:
            return  # already sent (replayed on connect, or a second copy)
        if seq > self.last_sent + 1:
            # An earlier message is still in flight from another process: read it from the
            # database (it committed before this one was announced) so order holds.
            await self._catch_up(self.last_sent)
            if seq <= self.last_sent:
                return
        self.last_sent = seq
        if frame.get("internal") and not self.staff:
            return
        await self.send_json(frame)

    async def chat_state(self, event: dict[str, Any]) -> None:
        """The status or the queue changed: send this conversation's state as it is now."""
        await self.send_json(await _state(self.conversation.pk))

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "read", "side": event["side"], "seq": event["seq"]}
        )

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("from") == self.channel_name:
            return
        await self.send_json(
            {"type": "typing", "side": event["side"], "on": event["on"]}
        )


@database_sync_to_async
def _staff_teams(identity: Identity) -> list[int] | None:
    user = identity.user
    if user is None or not user.is_support_staff or not user.is_active:
        return None
    from beacon.tickets.queries import team_ids_of

    if user.role == "admin":
        from beacon.accounts.models import Team

        return list(Team.objects.values_list("pk", flat=True))
    return team_ids_of(user)


class ConsoleConsumer(NoConnectionSweep, AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # Channels is untyped
    """An agent's console: hints that their queue or their chats changed (the page re-fetches)."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if not isinstance(user, User) or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        teams = await _staff_teams(Identity(user=user))
        if teams is None:
            await self._refuse(CLOSE_NOT_FOUND)
            return
        self.groups_joined = [events.team_group(t) for t in teams] + [
            events.agent_group(user.pk)
        ]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def chatq_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "queue", "conversation": event["conversation"]})
