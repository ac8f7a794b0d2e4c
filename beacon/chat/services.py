"""Every change to a chat goes through one of these functions (sockets, pages and jobs alike).

Each runs in one transaction on a locked conversation row, so message numbers (`seq`) are
gap-free and in commit order, and announces what changed only after commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, Team, User
from beacon.audit.services import audit_record
from beacon.chat import events, queries
from beacon.chat.identity import Identity
from beacon.chat.models import (
    OPEN_STATUSES,
    ChatAttachment,
    ChatMessage,
    ChatSuspension,
    Conversation,
    ConversationStatus,
    HandoffReason,
    Sender,
)
from beacon.chat.safety import mask, warning
from beacon.core.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PermissionDenied,
)
from beacon.notifications.models import Kind
from beacon.notifications.services import delivery_enqueue
from beacon.routing import emergency
from beacon.routing.models import AgentPresence, PresenceStatus
from beacon.tickets.attachments import check_upload
from beacon.tickets.models import Category, Channel, Ticket
from beacon.tickets.queries import team_ids_of

MESSAGE_MAX = 4000
NOTE_MAX = 1000
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
STAFF_WRITERS = (Role.AGENT, Role.LEAD, Role.ADMIN)


class Suspended(DomainError):
    status = 403
    code = "suspended"


@dataclass(frozen=True)
class SendResult:
    """The stored message; `created` is False when the client id was seen before (a retry)."""

    message: ChatMessage
    created: bool


# --- helpers -----------------------------------------------------------------------------


def _locked(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("customer", "agent", "team")
        .get(pk=conversation.pk)
    )


def _append(
    conversation: Conversation,
    *,
    sender: str,
    body: str,
    author: User | None = None,
    client_id: str | None = None,
    attachment: ChatAttachment | None = None,
    internal: bool = False,
    meta: dict[str, Any] | None = None,
) -> ChatMessage:
    """Number and store one message on a conversation locked by the caller."""
    conversation.last_seq += 1
    message = ChatMessage.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        client_id=client_id,
        sender=sender,
        author=author,
        body=body,
        attachment=attachment,
        internal=internal,
        meta=meta or {},
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=conversation.last_seq, updated_at=timezone.now()
    )
    events.announce_message(message)
    return message


def system_message(
    conversation: Conversation, body: str, meta: dict[str, Any] | None = None
) -> ChatMessage:
    return _append(conversation, sender=Sender.SYSTEM, body=body, meta=meta)


def bot_message(
    conversation: Conversation, body: str, meta: dict[str, Any] | None = None
) -> ChatMessage:
    return _append(conversation, sender=Sender.BOT, body=body, meta=meta)


def bot_answer(
    conversation: Conversation,
    replies: list[tuple[str, dict[str, Any]]],
    *,
    updates: dict[str, Any],
) -> list[ChatMessage]:
    """Store the assistant's replies on a conversation locked by the caller, with `updates` to
    its fields, in one update and one insert."""
    first = conversation.last_seq + 1
    for name, value in updates.items():
        setattr(conversation, name, value)
    conversation.last_seq += len(replies)
    conversation.updated_at = timezone.now()
    _update_conversation(
        conversation,
        {
            **updates,
            "last_seq": conversation.last_seq,
            "updated_at": conversation.updated_at,
        },
    )
    messages = [
        ChatMessage(
            conversation=conversation,
            seq=first + n,
            sender=Sender.BOT,
            body=body,
            meta=meta or {},
        )
        for n, (body, meta) in enumerate(replies)
    ]
    if messages:
        _insert_messages(messages)
    for message in messages:
        events.announce_message(message)
    return messages


_CONVERSATION_FIELDS = {
    field.name: field for field in Conversation._meta.concrete_fields
}


def locked_for_answer(conversation_id: int) -> Conversation | None:
    """The conversation, its row locked until commit (raw SQL for the same reason as
    `_insert_messages`; the assistant runs this for every customer message)."""
    ops = connection.ops
    table = ops.quote_name(Conversation._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = list(
        Conversation.objects.raw(
            f"SELECT * FROM {table} WHERE id = %s{lock}",  # noqa: S608 (names from the model)
            [conversation_id],
        )
    )
    return found[0] if found else None


def _update_conversation(conversation: Conversation, values: dict[str, Any]) -> None:
    """One `UPDATE` of the named fields (raw SQL, like `_insert_messages`: the ORM's compiled
    statement cost as much as the statement; each value goes through its field's conversion)."""
    ops = connection.ops
    fields = [_CONVERSATION_FIELDS[name] for name in values]
    assignments = ", ".join(
        f"{ops.quote_name(field.column or field.name)} = %s" for field in fields
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    table = ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 (names from the model)
            [*params, conversation.pk],
        )


def _clean_body(body: str, *, limit: int = MESSAGE_MAX) -> str:
    text = (body or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise Invalid(
            _("Messages are at most %(limit)s characters.") % {"limit": limit},
            fields={"body": [_("Too long.")]},
        )
    return text


def _check_client_id(client_id: str | None) -> str | None:
    if client_id is None or client_id == "":
        return None
    if not CLIENT_ID_RE.match(client_id):
        raise Invalid(fields={"id": [_("Unknown message id format.")]})
    return client_id


def _owns(conversation: Conversation, identity: Identity) -> bool:
    if identity.user is not None:
        return conversation.customer_id == identity.user.pk
    return (
        conversation.customer_id is None
        and conversation.guest_key == identity.guest_key
    )


def _require_not_suspended(identity: Identity) -> None:
    suspension = queries.active_suspension(identity)
    if suspension is not None:
        raise Suspended(
            _("Chat is suspended for you until %(until)s.")
            % {"until": timezone.localtime(suspension.until).strftime("%Y-%m-%d %H:%M")}
        )


def _can_work(conversation: Conversation, user: User) -> bool:
    """Staff who may act on this chat: its team's agents and leads, its agent, admins."""
    if not user.is_active or user.role not in STAFF_WRITERS:
        return False
    if user.role == Role.ADMIN or conversation.agent_id == user.pk:
        return True
    return conversation.team_id is not None and conversation.team_id in team_ids_of(
        user
    )


def _agent_name(user: User) -> str:
    return user.display_name or user.email.split("@")[0]


def greeting(language: str, *, guest: bool) -> str:
    with translation.override(language):
        text = _(
            "Hi! I am Beacon's assistant. Ask me anything about deposits, withdrawals, "
            'verification or your account, in English or Chinese. Type "agent" at any time '
            "to talk to a person."
        )
        if guest:
            text += "\n" + _(
                "You are chatting as a guest: I can answer general questions, but for anything "
                "about your own account, balances or orders please sign in first. We will never "
                "ask for your password, 2FA codes or seed phrase."
            )
    return text


# --- customers ---------------------------------------------------------------------------


def conversation_start(
    *, identity: Identity, language: str | None = None
) -> Conversation:
    """The customer's open conversation, or a new one with the assistant's greeting."""
    if identity.is_staff:
        raise PermissionDenied(_("Staff answer chats from the console."))
    _require_not_suspended(identity)
    existing = queries.latest_open_for(identity)
    if existing is not None:
        return existing
    user = identity.user
    lang = language or (user.language if user is not None else "en")
    if lang not in ("en", "zh-hans"):
        lang = "zh-hans" if lang.startswith("zh") else "en"
    with transaction.atomic():
        conversation = Conversation.objects.create(
            customer=user,
            guest_key="" if user is not None else identity.guest_key,
            language=lang,
        )
        bot_message(
            conversation,
            greeting(lang, guest=user is None),
            {"kind": "greeting", "guest": user is None},
        )
    return conversation


def customer_send(
    *,
    conversation: Conversation,
    identity: Identity,
    body: str,
    client_id: str | None = None,
    attachment_token: str | None = None,
) -> SendResult:
    """Store the customer's message once per client id; secrets are masked before storing.

    When something that looks like a secret was masked, a warning follows the message.
    """
    if not _owns(conversation, identity):
        raise NotFound
    client_id = _check_client_id(client_id)
    text = _clean_body(body)
    if not text and not attachment_token:
        raise Invalid(fields={"body": [_("Write a message.")]})
    masked = mask(text)
    try:
        with transaction.atomic():
            # One statement numbers the message(s), checks the chat is open and the sender not
            # suspended, and locks the row until commit (so numbers follow commit order).
            last = _take_numbers(
                conversation, identity=identity, count=2 if masked.found else 1
            )
            message: ChatMessage | None = None
            if last is not None:
                message = _store(
                    conversation,
                    seq=last - 1 if masked.found else last,
                    sender=Sender.CUSTOMER,
                    body=masked.text,
                    author=identity.user,
                    client_id=client_id,
                    attachment=_attachment_for(conversation, attachment_token),
                    meta={"masked": list(masked.kinds)} if masked.found else None,
                )
            if last is not None and masked.found:
                _store(
                    conversation,
                    seq=last,
                    sender=Sender.SYSTEM,
                    body=warning(conversation.language, masked),
                    meta={"kind": "secret_warning", "kinds": list(masked.kinds)},
                )
    except IntegrityError:
        # The client id is taken: a retry (the rollback gave its numbers back).
        seen = _by_client_id(conversation, client_id) if client_id else None
        if seen is None:
            raise
        return SendResult(message=seen, created=False)
    if message is None:
        # A retry is answered with the stored message, whatever happened since (closed, ...).
        seen = _by_client_id(conversation, client_id) if client_id else None
        if seen is not None:
            return SendResult(message=seen, created=False)
        _require_not_suspended(identity)
        raise Conflict(
            _("This chat has ended. Start a new chat to ask something else."),
            code="chat_closed",
        )
    return SendResult(message=message, created=True)


def _take_numbers(
    conversation: Conversation, *, identity: Identity, count: int
) -> int | None:
    """Reserve the conversation's next `count` message numbers; returns the last of them, or
    None when the chat is not open or its customer is suspended (nothing changed then).

    Raw SQL because the ORM's update cannot return the new value: `UPDATE ... RETURNING`
    reads the same on PostgreSQL and SQLite (3.35+).
    """
    ops = connection.ops
    table = ops.quote_name(Conversation._meta.db_table)
    suspensions = ops.quote_name(ChatSuspension._meta.db_table)
    now = timezone.now()
    stamp = ops.adapt_datetimefield_value(now)
    who: str
    key: int | str
    who, key = (
        ("customer_id", identity.user.pk)
        if identity.user is not None
        else ("guest_key", identity.guest_key)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + %s, updated_at = %s "  # noqa: S608
            f"WHERE id = %s AND status IN (%s, %s, %s) AND NOT EXISTS ("
            f"SELECT 1 FROM {suspensions} WHERE {who} = %s AND until > %s) "
            "RETURNING last_seq",
            [
                count,
                stamp,
                conversation.pk,
                *(s.value for s in OPEN_STATUSES),
                key,
                stamp,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    conversation.last_seq = int(row[0])
    conversation.updated_at = now
    return conversation.last_seq


def _store(
    conversation: Conversation,
    *,
    seq: int,
    sender: str,
    body: str,
    author: User | None = None,
    client_id: str | None = None,
    attachment: ChatAttachment | None = None,
    meta: dict[str, Any] | None = None,
) -> ChatMessage:
    """Store one message under a number the caller reserved, and announce it after commit."""
    message = ChatMessage(
        conversation=conversation,
        seq=seq,
        client_id=client_id,
        sender=sender,
        author=author,
        body=body,
        attachment=attachment,
        meta=meta or {},
    )
    _insert_messages([message])
    events.announce_message(message)
    return message


# The columns a new message is stored with (every field but the id).
_MESSAGE_FIELDS = [
    field for field in ChatMessage._meta.concrete_fields if not field.primary_key
]


def _insert_messages(messages: list[ChatMessage]) -> None:
    """Insert new messages in one statement and set their ids.

    Raw SQL: the ORM's insert compiled the statement anew for each message, which cost about as
    much as running it. The values still go through each field's own conversion (JSON, time
    stamps), and `INSERT ... RETURNING` reads the same on PostgreSQL and SQLite (3.35+).
    """
    ops = connection.ops
    columns = ", ".join(
        ops.quote_name(field.column or field.name) for field in _MESSAGE_FIELDS
    )
    row = "(" + ", ".join(["%s"] * len(_MESSAGE_FIELDS)) + ")"
    params: list[Any] = []
    for message in messages:
        params.extend(
            field.get_db_prep_save(field.pre_save(message, add=True), connection)
            for field in _MESSAGE_FIELDS
        )
    table = ops.quote_name(ChatMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names from the model)
            + ", ".join([row] * len(messages))
            + " RETURNING seq, id",
            params,
        )
        # By number: neither database promises RETURNING rows in VALUES order.
        ids = {int(seq): int(pk) for seq, pk in cursor.fetchall()}
    for message in messages:
        message.pk = ids[message.seq]
        message._state.adding = False
        message._state.db = connection.alias


def _by_client_id(conversation: Conversation, client_id: str) -> ChatMessage | None:
    return (
        ChatMessage.objects.filter(conversation_id=conversation.pk, client_id=client_id)
        .order_by()
        .first()
    )


def _attachment_for(
    conversation: Conversation, token: str | None
) -> ChatAttachment | None:
    if not token:
        return None
    attachment = ChatAttachment.objects.filter(
        conversation=conversation, token=token
    ).first()
    if attachment is None:
        raise Invalid(fields={"attachment": [_("Upload the file again.")]})
    return attachment


def attachment_upload(
    *, conversation: Conversation, identity: Identity, upload: UploadedFile[bytes]
) -> ChatAttachment:
    """Store a file for the conversation after the portal's content checks."""
    staff = identity.user is not None and identity.user.is_support_staff
    if staff:
        assert identity.user is not None
        if not _can_work(conversation, identity.user):
            raise NotFound
    elif not _owns(conversation, identity):
        raise NotFound
    else:
        _require_not_suspended(identity)
    if not conversation.is_open:
        raise Conflict(_("This chat has ended."), code="chat_closed")
    checked = check_upload(upload)
    attachment = ChatAttachment(
        conversation=conversation,
        token=checked.token,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_customer=not staff,
    )
    # A random stored name: the customer's file name never reaches the file system.
    attachment.file.save(
        f"{checked.token}{checked.name[checked.name.rfind('.') :]}",
        checked.upload,
        save=False,
    )
    attachment.save()
    return attachment


def read_mark(*, conversation: Conversation, identity: Identity, seq: int) -> int:
    """Remember how far the customer (or the agent) has read; announce it to the other side."""
    staff = identity.user is not None and identity.user.is_support_staff
    field = "agent_read_seq" if staff else "customer_read_seq"
    seq = max(0, min(int(seq), conversation.last_seq))
    updated = Conversation.objects.filter(
        pk=conversation.pk, **{f"{field}__lt": seq}
    ).update(**{field: seq})
    if updated:
        events.send_now(
            events.conversation_group(conversation.public_id),
            {"type": "chat.read", "side": "agent" if staff else "customer", "seq": seq},
        )
    return seq


def conversation_close(
    *, conversation: Conversation, identity: Identity
) -> Conversation:
    """End the chat (customer or its agent); the customer is asked to rate it."""
    user = identity.user
    with transaction.atomic():
        locked = _locked(conversation)
        if user is not None and user.is_support_staff:
            if not _can_work(locked, user):
                raise NotFound
        elif not _owns(locked, identity):
            raise NotFound
        if locked.status not in OPEN_STATUSES:
            return locked
        freed = locked.agent_id if locked.status == ConversationStatus.ACTIVE else None
        locked.status = ConversationStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        with translation.override(locked.language):
            system_message(
                locked,
                _("This chat has ended. How did we do? Rate it from 1 to 5."),
                {"kind": "rating_request"},
            )
        _agent_freed(freed)
        if user is not None and user.is_support_staff:
            audit_record(
                actor=user,
                action="chat.close",
                target_type="chat",
                target_id=locked.public_id,
            )
        events.announce_state(locked)
    return locked


def conversation_rate(
    *, conversation: Conversation, identity: Identity, score: int, comment: str = ""
) -> Conversation:
    """The customer's 1-5 rating of an ended chat (a later rating replaces the first)."""
    if not _owns(conversation, identity):
        raise NotFound
    if conversation.is_open:
        raise Conflict(_("Rate the chat once it has ended."), code="chat_open")
    if not 1 <= score <= 5:
        raise Invalid(fields={"score": [_("Choose a rating from 1 to 5.")]})
    comment = _clean_body(comment, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(conversation)
        locked.rating = score
        locked.rating_comment = comment
        locked.save(update_fields=["rating", "rating_comment", "updated_at"])
        if locked.ticket_id is not None and locked.ticket is not None:
            Ticket.objects.filter(pk=locked.ticket_id, rating__isnull=True).update(
                rating=score, rating_comment=comment
            )
        events.announce_state(locked)
    return locked


def transcript_text(conversation: Conversation, *, staff: bool = False) -> str:
    """The conversation as plain text (internal notes only for staff)."""
    lines = []
    with translation.override(conversation.language):
        labels = {
            Sender.CUSTOMER: _("You") if not staff else _("Customer"),
            Sender.BOT: _("Assistant"),
            Sender.SYSTEM: _("Beacon"),
            Sender.AGENT: _("Agent"),
        }
        for message in queries.messages_after(
            conversation=conversation, seq=0, staff=staff, limit=10_000
        ):
            who = events.sender_name(message) or str(
                labels.get(Sender(message.sender), "")
            )
            when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
            note = f" [{_('internal note')}]" if message.internal else ""
            body = message.body
            if message.attachment is not None:
                body = (
                    f"{body} [{_('file')}: {message.attachment.original_name}]".strip()
                )
            lines.append(f"[{when}] {who}{note}: {body}")
    return "\n".join(lines)


def transcript_send(*, conversation: Conversation, identity: Identity) -> None:
    """Email the transcript through the outbox, only to the customer's verified address."""
    if not _owns(conversation, identity):
        raise NotFound
    user = identity.user
    if user is None:
        raise PermissionDenied(
            _("Sign in to get the transcript by email."), code="sign_in_required"
        )
    if not user.email_verified or not user.email or user.email.endswith(".invalid"):
        raise PermissionDenied(
            _("We can only email transcripts to a verified address."),
            code="email_not_verified",
        )
    with transaction.atomic():
        locked = _locked(conversation)
        delivery_enqueue(
            dedup_key=f"chat_transcript:{locked.pk}:{locked.last_seq}",
            kind=Kind.EMAIL,
            template_key="chat_transcript",
            language=locked.language,
            context={
                "transcript": transcript_text(locked),
                "started": locked.created_at.strftime("%Y-%m-%d %H:%M"),
            },
            recipient=user,
            address=user.email,
        )
        with translation.override(locked.language):
            system_message(
                locked,
                _("We are emailing you the transcript of this chat."),
                {"kind": "transcript_sent"},
            )


# --- agents ------------------------------------------------------------------------------


def agent_send(
    *,
    conversation: Conversation,
    agent: User,
    body: str,
    client_id: str | None = None,
    internal: bool = False,
) -> SendResult:
    """A reply from the chat's agent, or an internal note from any staff working its team."""
    if not agent.is_support_staff:
        raise NotFound
    client_id = _check_client_id(client_id)
    text = _clean_body(body)
    if not text:
        raise Invalid(fields={"body": [_("Write a message.")]})
    masked = mask(text)
    with transaction.atomic():
        locked = _locked(conversation)
        if client_id is not None:
            seen = _by_client_id(locked, client_id)
            if seen is not None:
                return SendResult(message=seen, created=False)
        if not _can_work(locked, agent):
            raise NotFound
        if not internal and (
            locked.status != ConversationStatus.ACTIVE
            or (locked.agent_id != agent.pk and agent.role != Role.ADMIN)
        ):
            raise Conflict(_("Accept the chat before replying."), code="not_accepted")
        if internal and locked.status not in OPEN_STATUSES:
            raise Conflict(_("This chat has ended."), code="chat_closed")
        message = _append(
            locked,
            sender=Sender.AGENT,
            body=masked.text,
            author=agent,
            client_id=client_id,
            internal=internal,
        )
    return SendResult(message=message, created=True)


def _pick_agent(
    team_id: int | None, *, exclude: int | None = None, language: str = ""
) -> AgentPresence | None:
    """The online member of the team with the fewest chats below their capacity who speaks
    the chat's language (anyone, when no member of the team speaks it)."""
    presences = list(
        AgentPresence.objects.select_for_update(of=("self",))
        .filter(pk__in=[p.pk for p in queries.online_agents(team_id)])
        .exclude(user_id=exclude or 0)
        .select_related("user")
        .order_by("pk")
    )
    if not presences:
        return None
    load = queries.active_chat_load([p.user_id for p in presences])
    spoken = _team_languages([team_id]) if team_id is not None else {}
    eligible = [
        p
        for p in presences
        if load.get(p.user_id, 0) < _capacity(p)
        and _speaks(p.user, language, spoken.get(team_id or 0, set()))
    ]
    if not eligible:
        return None
    return min(eligible, key=lambda p: (load.get(p.user_id, 0), p.pk))


def _team_languages(team_ids: list[int | None]) -> dict[int, set[str]]:
    """The languages some online staff member of each team speaks (busy or not).

    Only online members count: a chat waits for a speaker of its language who is at work (at
    capacity, say), but when none is online it goes to whoever is, rather than waiting through
    the night for one who is off."""
    spoken: dict[int, set[str]] = {}
    rows = User.objects.filter(
        memberships__team_id__in=[t for t in team_ids if t is not None],
        is_active=True,
        role__in=STAFF_WRITERS,
        presence__status=PresenceStatus.ONLINE,
    ).values_list("memberships__team_id", "skills_languages")
    for team_id, languages in rows:
        spoken.setdefault(team_id, set()).update(languages or [])
    return spoken


def _speaks(agent: User, language: str, team_speaks: set[str]) -> bool:
    """A chat waits for an online member who speaks its language; a team where no online member
    does takes it as it is (routing's language-skill rule for tickets, beacon/routing/services.py)."""
    if not language or language not in team_speaks:
        return True
    return language in (agent.skills_languages or [])


def _capacity(presence: AgentPresence) -> int:
    """Chats at once: the agent's capacity from routing, bounded by the chat limit."""
    return min(presence.capacity, settings.CHAT_MAX_PER_AGENT)


def _assign(conversation: Conversation, agent: User, *, actor: User | None) -> None:
    was_queued = conversation.status == ConversationStatus.QUEUED
    conversation.status = ConversationStatus.ACTIVE
    conversation.agent = agent
    conversation.assigned_at = timezone.now()
    conversation.save(update_fields=["status", "agent", "assigned_at", "updated_at"])
    with translation.override(conversation.language):
        system_message(
            conversation,
            _("%(name)s has joined the chat.") % {"name": _agent_name(agent)},
            {"kind": "agent_joined"},
        )
    audit_record(
        actor=actor,
        action="chat.assign",
        target_type="chat",
        target_id=conversation.public_id,
        data={"agent": agent.pk, "team": conversation.team_id},
    )
    events.announce_state(conversation)
    if was_queued:
        _queue_moved(conversation.team_id)


def _queue_moved(team_id: int | None) -> None:
    """Everyone still waiting in the team's queue moved up: their sockets re-read their place."""
    if team_id is None:
        return
    for public_id in Conversation.objects.filter(
        status=ConversationStatus.QUEUED, team_id=team_id
    ).values_list("public_id", flat=True)[:200]:
        events.broadcast_after_commit(
            events.conversation_group(public_id), {"type": "chat.state"}
        )


def chat_agent_available(*, agent_id: int, exclude: int | None = None) -> int:
    """An agent has room (came online, or ended or passed on a chat): give them the chats
    waiting in their teams' queues at once, oldest first, while their capacity lasts and
    they speak the chat's language. Returns how many they got.

    Exactly once under concurrency: the agent's presence row is locked first (their own
    pickups and hand-offs choosing them queue behind it, and count what it assigned), and each
    waiting chat is taken with `SKIP LOCKED`: one that another agent's pickup (or a hand-off)
    holds is left to it, and one it already took is no longer waiting. `exclude` is a chat the
    agent has just passed on.
    """
    with transaction.atomic():
        presence = (
            AgentPresence.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(
                user_id=agent_id,
                status=PresenceStatus.ONLINE,
                user__is_active=True,
                user__role__in=STAFF_WRITERS,
            )
            .first()
        )
        if presence is None:
            return 0
        agent = presence.user
        room = _capacity(presence) - queries.active_chat_load([agent.pk]).get(
            agent.pk, 0
        )
        teams = team_ids_of(agent)
        if room <= 0 or not teams:
            return 0
        waiting = list(
            Conversation.objects.filter(
                status=ConversationStatus.QUEUED, team_id__in=teams
            )
            .exclude(pk=exclude or 0)
            .order_by("queued_at", "pk")
            .values_list("pk", "team_id", "language")[:200]
        )
        spoken = _team_languages([team for _pk, team, _language in waiting])
        taken = 0
        for pk, team_id, language in waiting:
            if taken >= room:
                break
            if not _speaks(agent, language, spoken.get(team_id, set())):
                continue
            locked = (
                Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("customer", "agent", "team")
                .filter(pk=pk, status=ConversationStatus.QUEUED)
                .first()
            )
            if locked is None:
                continue  # taken meanwhile, or being handed out right now
            _assign(locked, agent, actor=None)
            taken += 1
    return taken


def _agent_freed(agent_id: int | None, *, exclude: int | None = None) -> None:
    """The agent of a chat that just ended or moved on has room for a waiting one."""
    if agent_id is not None:
        chat_agent_available(agent_id=agent_id, exclude=exclude)


def team_for(
    conversation: Conversation, reason: str, team_id: int | None
) -> Team | None:
    if team_id is not None:
        return Team.objects.filter(pk=team_id, is_active=True).first()
    if reason == HandoffReason.EMERGENCY:
        return emergency.security_team()
    slug = str(conversation.collected.get("category") or "")
    category = Category.objects.filter(slug=slug).select_related("default_team").first()
    if category is not None and category.default_team is not None:
        return category.default_team
    return Team.objects.filter(slug=settings.CHAT_DEFAULT_TEAM, is_active=True).first()


def handoff(
    *,
    conversation: Conversation,
    reason: str,
    team_id: int | None = None,
    summary: str = "",
    queue_when_offline: bool | None = None,
) -> Conversation:
    """Put the chat in a team's queue: an agent with room takes it at once; with nobody online
    a signed-in customer's chat becomes a ticket (unless `queue_when_offline`, by default
    CHAT_QUEUE_WHEN_OFFLINE), and the customer is told what happens next."""
    if queue_when_offline is None:
        queue_when_offline = settings.CHAT_QUEUE_WHEN_OFFLINE
    with transaction.atomic():
        locked = _locked(conversation)
        if locked.status != ConversationStatus.BOT:
            return locked
        team = team_for(locked, reason, team_id)
        locked.team = team
        locked.status = ConversationStatus.QUEUED
        locked.queued_at = timezone.now()
        locked.handoff_reason = reason
        if summary:
            locked.collected = {**locked.collected, "summary": summary}
        locked.save()
        if reason == HandoffReason.EMERGENCY:
            system_message(
                locked,
                emergency.self_protection_steps(locked.language),
                {"kind": "emergency_steps"},
            )
        picked = _pick_agent(locked.team_id, language=locked.language)
        if picked is not None:
            _assign(locked, picked.user, actor=None)
        elif not queries.online_agents(locked.team_id) and not queue_when_offline:
            _no_agent(locked)
        else:
            _announce_queue(locked)
        events.announce_state(locked)
    return locked


def _announce_queue(conversation: Conversation) -> None:
    position = queries.queue_position(conversation) or 1
    wait = queries.estimated_wait_seconds(conversation) or 0
    minutes = max(1, round(wait / 60))
    with translation.override(conversation.language):
        system_message(
            conversation,
            _(
                "I am passing you to a person. You are number %(position)s in the queue; "
                "the estimated wait is about %(minutes)s min. You can keep writing meanwhile."
            )
            % {"position": position, "minutes": minutes},
            {"kind": "queued", "position": position, "eta_seconds": wait},
        )


def _no_agent(conversation: Conversation) -> None:
    """Nobody can take the chat now: a ticket for customers, honest advice for guests."""
    if conversation.customer_id is not None:
        _convert(conversation, actor=None)
        return
    with translation.override(conversation.language):
        system_message(
            conversation,
            _(
                "No agent is available right now. Sign in and start the chat again so we can "
                "answer you by email, or open a ticket from the help centre."
            ),
            {"kind": "no_agent_guest"},
        )
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["status", "closed_at", "updated_at"])


def chat_accept(*, conversation: Conversation, agent: User) -> Conversation:
    """An agent takes a waiting chat (or takes over from the assistant), capacity permitting."""
    with transaction.atomic():
        locked = _locked(conversation)
        if not _can_work(locked, agent):
            raise NotFound
        if locked.status not in (ConversationStatus.QUEUED, ConversationStatus.BOT):
            raise Conflict(
                _("Someone else has already taken this chat, or it has ended."),
                code="not_waiting",
            )
        presence = (
            AgentPresence.objects.select_for_update(of=("self",))
            .filter(user=agent)
            .first()
        )
        limit = (
            _capacity(presence) if presence is not None else settings.CHAT_MAX_PER_AGENT
        )
        if queries.active_chat_load([agent.pk]).get(agent.pk, 0) >= limit:
            raise Conflict(
                _("You already have as many chats as your capacity allows."),
                code="at_capacity",
            )
        if locked.team_id is None:
            locked.team = Team.objects.filter(pk__in=team_ids_of(agent)).first()
        if locked.queued_at is None:
            locked.queued_at = timezone.now()
        _assign(locked, agent, actor=agent)
    return locked


def chat_transfer(
    *,
    conversation: Conversation,
    agent: User,
    note: str,
    to_agent: User | None = None,
    to_team: Team | None = None,
) -> Conversation:
    """Hand the chat to another agent or team with an internal note for them."""
    if (to_agent is None) == (to_team is None):
        raise Invalid(fields={"to": [_("Choose an agent or a team.")]})
    note = _clean_body(note, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(conversation)
        if not _can_work(locked, agent):
            raise NotFound
        if locked.status not in OPEN_STATUSES:
            raise Conflict(_("This chat has ended."), code="chat_closed")
        if to_agent is not None:
            if to_agent.role not in STAFF_WRITERS or not to_agent.is_active:
                raise Invalid(fields={"to": [_("Choose an active agent.")]})
            if locked.team_id is not None and locked.team_id not in team_ids_of(
                to_agent
            ):
                raise Invalid(
                    fields={"to": [_("This agent is not in the chat's team.")]}
                )
        _append(
            locked,
            sender=Sender.AGENT,
            author=agent,
            body=note or _("Transferred."),
            internal=True,
            meta={"kind": "transfer_note"},
        )
        previous = locked.agent_id
        locked.agent = None
        if to_team is not None:
            locked.team = to_team
        locked.status = ConversationStatus.QUEUED
        locked.handoff_reason = HandoffReason.TRANSFER
        locked.queued_at = timezone.now()
        locked.save()
        audit_record(
            actor=agent,
            action="chat.transfer",
            target_type="chat",
            target_id=locked.public_id,
            data={
                "from_agent": previous,
                "to_agent": to_agent.pk if to_agent is not None else None,
                "to_team": to_team.pk if to_team is not None else None,
            },
        )
        with translation.override(locked.language):
            system_message(
                locked,
                _("We are passing your chat to a colleague who can help further."),
                {"kind": "transferred"},
            )
        if to_agent is not None:
            _assign(locked, to_agent, actor=agent)
        else:
            picked = _pick_agent(
                locked.team_id, exclude=previous, language=locked.language
            )
            if picked is not None:
                _assign(locked, picked.user, actor=agent)
            else:
                _announce_queue(locked)
        if previous is not None:
            events.broadcast_after_commit(
                events.agent_group(previous),
                {"type": "chatq.changed", "conversation": locked.public_id},
            )
        events.announce_state(locked)
        if previous != locked.agent_id:
            _agent_freed(previous, exclude=locked.pk)
    return locked


def chat_convert(*, conversation: Conversation, actor: User | None) -> Ticket:
    """Turn the chat into a ticket (agent's action, or nobody online); the transcript goes along."""
    with transaction.atomic():
        locked = _locked(conversation)
        if actor is not None and not _can_work(locked, actor):
            raise NotFound
        if locked.customer_id is None:
            raise Conflict(
                _(
                    "A guest chat cannot become a ticket: the customer is not signed in."
                ),
                code="guest_chat",
            )
        if locked.ticket_id is not None and locked.ticket is not None:
            return locked.ticket
        freed = locked.agent_id if locked.status == ConversationStatus.ACTIVE else None
        ticket = _convert(locked, actor=actor)
        _agent_freed(freed)
        return ticket


def _convert(conversation: Conversation, *, actor: User | None) -> Ticket:
    # Local import: tickets.services pulls in routing, which must not import chat at start-up.
    from beacon.tickets.services import ticket_create

    assert conversation.customer is not None
    collected = conversation.collected or {}
    category = (
        Category.objects.filter(
            slug=str(collected.get("category") or ""), is_active=True
        ).first()
        or Category.objects.filter(slug="other", is_active=True).first()
        or Category.objects.filter(is_active=True).order_by("position").first()
    )
    if category is None:
        raise Conflict(_("No ticket category is available."), code="no_category")
    first = (
        ChatMessage.objects.filter(
            conversation=conversation, sender=Sender.CUSTOMER, internal=False
        )
        .exclude(body="")
        .order_by("seq")
        .first()
    )
    with translation.override(conversation.language):
        subject = (first.body if first is not None else _("Chat conversation"))[:120]
        summary = str(collected.get("summary") or "")
        description = "\n\n".join(
            part
            for part in (
                _("Opened from a live chat."),
                summary,
                _("The full transcript is attached."),
            )
            if part
        )
    transcript = transcript_text(conversation, staff=True)
    upload = SimpleUploadedFile(
        f"chat-{conversation.public_id}.txt",
        transcript.encode("utf-8") or b"-",
        content_type="text/plain",
    )
    fields = {
        key: value
        for key, value in (collected.get("answers") or {}).items()
        if isinstance(value, str)
    }
    ticket = ticket_create(
        customer=conversation.customer,
        subject=subject,
        description=description,
        category=category,
        fields=fields,
        channel=Channel.CHAT,
        language=conversation.language,
        uploads=[upload],
        created_by=actor,
        require_fields=False,
        idempotency_key=f"chat:{conversation.public_id}",
    )
    conversation.ticket = ticket
    conversation.status = ConversationStatus.TICKET
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["ticket", "status", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="chat.convert",
        target_type="chat",
        target_id=conversation.public_id,
        data={"ticket": ticket.reference},
    )
    with translation.override(conversation.language):
        system_message(
            conversation,
            _(
                "No agent can take your chat right now, so we have opened ticket %(reference)s "
                "with this conversation. We will answer by email and in your ticket list on the "
                "help centre, usually within a few hours; you do not need to repeat anything."
            )
            % {"reference": ticket.reference}
            if actor is None
            else _(
                "We have opened ticket %(reference)s with this conversation. We will answer by "
                "email and in your ticket list on the help centre."
            )
            % {"reference": ticket.reference},
            {"kind": "ticket", "reference": ticket.reference},
        )
    events.announce_state(conversation)
    return ticket


def chat_suspend(
    *, conversation: Conversation, agent: User, minutes: int, reason: str = ""
) -> ChatSuspension:
    """Stop an abusive customer or guest from chatting for `minutes`; their chat ends now."""
    if not 1 <= minutes <= 60 * 24 * 30:
        raise Invalid(fields={"minutes": [_("Choose from 1 minute to 30 days.")]})
    reason = _clean_body(reason, limit=300)
    with transaction.atomic():
        locked = _locked(conversation)
        if not _can_work(locked, agent):
            raise NotFound
        suspension = ChatSuspension.objects.create(
            customer=locked.customer,
            guest_key="" if locked.customer_id else locked.guest_key,
            until=timezone.now() + timedelta(minutes=minutes),
            reason=reason,
            created_by=agent,
        )
        audit_record(
            actor=agent,
            action="chat.suspend",
            target_type="chat",
            target_id=locked.public_id,
            data={"minutes": minutes, "reason": reason},
        )
        freed = locked.agent_id if locked.status == ConversationStatus.ACTIVE else None
        if locked.status in OPEN_STATUSES:
            locked.status = ConversationStatus.CLOSED
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at", "updated_at"])
            with translation.override(locked.language):
                system_message(
                    locked,
                    _("This chat has been suspended because of abusive messages."),
                    {"kind": "suspended"},
                )
        events.announce_state(locked)
        _agent_freed(freed)
    return suspension


def queue_sweep(*, now: Any = None, limit: int = 200) -> int:
    """Give waiting chats to agents who now have room, oldest first; chats waiting longer than
    CHAT_QUEUE_TIMEOUT_SECONDS with nobody to take them become tickets (guests are told)."""
    cutoff = (now or timezone.now()) - timedelta(
        seconds=settings.CHAT_QUEUE_TIMEOUT_SECONDS
    )
    waiting = list(
        Conversation.objects.filter(status=ConversationStatus.QUEUED)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in waiting:
        with transaction.atomic():
            locked = (
                Conversation.objects.select_for_update(of=("self",))
                .select_related("customer")
                .filter(pk=pk, status=ConversationStatus.QUEUED)
                .first()
            )
            if locked is None:
                continue
            picked = _pick_agent(locked.team_id, language=locked.language)
            if picked is not None:
                _assign(locked, picked.user, actor=None)
            elif locked.queued_at is not None and locked.queued_at < cutoff:
                _no_agent(locked)
            else:
                continue
            events.announce_state(locked)
            done += 1
    return done
