"""What goes over chat sockets: typed frames, and the group messages that carry them.

Group names: `chat.<public id>` (everyone in one conversation), `chatq.team.<id>` and
`chatq.agent.<id>` (console queue hints). Events are sent only after the transaction that made
them has committed; a socket that missed one catches up from the database by sequence number.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from beacon.chat.models import ChatMessage, Conversation, Sender

logger = logging.getLogger(__name__)


class AttachmentFrame(TypedDict):
    token: str
    name: str
    content_type: str
    size: int
    url: str


class MessageFrame(TypedDict):
    type: Literal["message"]
    seq: int
    id: str | None
    sender: str
    name: str
    body: str
    internal: bool
    created_at: str
    attachment: AttachmentFrame | None
    meta: dict[str, Any]


class StateFrame(TypedDict):
    type: Literal["state"]
    status: str
    agent: str
    queue_position: int | None
    eta_seconds: int | None
    ticket: str
    rating: int | None


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    detail: str
    id: NotRequired[str]
    retry_after: NotRequired[int]


def conversation_group(public_id: str) -> str:
    return f"chat.{public_id}"


def team_group(team_id: int) -> str:
    return f"chatq.team.{team_id}"


def agent_group(user_id: int) -> str:
    return f"chatq.agent.{user_id}"


def sender_name(message: ChatMessage) -> str:
    if message.sender == Sender.AGENT and message.author is not None:
        return message.author.display_name or message.author.email.split("@")[0]
    return ""


def message_frame(message: ChatMessage) -> MessageFrame:
    attachment = message.attachment
    return {
        "type": "message",
        "seq": message.seq,
        "id": message.client_id,
        "sender": message.sender,
        "name": sender_name(message),
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at.isoformat(),
        "attachment": (
            {
                "token": attachment.token,
                "name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "url": f"/chat/files/{attachment.token}/",
            }
            if attachment is not None
            else None
        ),
        "meta": message.meta or {},
    }


# Group sends that code running off the event loop (a socket's database thread) leaves for the
# loop to publish once the thread returns: see `collecting`.
_outbox: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar(
    "chat_outbox", default=None
)


@contextmanager
def collecting() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collect this context's broadcasts instead of sending them; the caller sends them with
    `publish` (in order) after leaving the thread.

    Without it, a broadcast from a worker thread hops back onto the event loop and waits there
    for the channel layer (`async_to_sync`); sockets store a message in a thread, so each
    message paid that hand-off and a blocked thread once or twice more.
    """
    box: list[tuple[str, dict[str, Any]]] = []
    token = _outbox.set(box)
    try:
        yield box
    finally:
        _outbox.reset(token)


async def publish(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Send collected broadcasts from the event loop, in the order they were made."""
    if not events:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    for group, event in events:
        try:
            await layer.group_send(group, event)
        except Exception:  # a broken channel layer must not undo a committed message
            logger.exception("chat broadcast to %s failed", group)


def _send(group: str, event: dict[str, Any]) -> None:
    box = _outbox.get()
    if box is not None:
        box.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a broken channel layer must not undo a committed message
        logger.exception("chat broadcast to %s failed", group)


def broadcast_after_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(group, event), robust=True)


def announce_message(message: ChatMessage) -> None:
    """Hint every socket of the conversation (the frame rides along, so most need no query)."""
    broadcast_after_commit(
        conversation_group(message.conversation.public_id),
        {"type": "chat.message", "frame": message_frame(message)},
    )


def announce_state(conversation: Conversation) -> None:
    """The conversation's status changed: its sockets and the console queues hear of it."""
    broadcast_after_commit(
        conversation_group(conversation.public_id),
        {"type": "chat.state", "conversation": conversation.pk},
    )
    queue_event = {"type": "chatq.changed", "conversation": conversation.public_id}
    if conversation.team_id is not None:
        broadcast_after_commit(team_group(conversation.team_id), queue_event)
    if conversation.agent_id is not None:
        broadcast_after_commit(agent_group(conversation.agent_id), queue_event)


def send_now(group: str, event: dict[str, Any]) -> None:
    """Ephemeral hints (typing) that touch no table."""
    _send(group, event)
