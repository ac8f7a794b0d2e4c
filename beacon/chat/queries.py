"""Chat reads on someone's behalf: every conversation load goes through an access check.

A customer sees only their own conversations, a guest only the ones started with their key,
an agent or lead those of their teams (and those assigned to them), admins and auditors all.
Missing and not-yours both raise `NotFound`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from beacon.accounts.models import Role, User
from beacon.chat.identity import Identity
from beacon.chat.models import (
    OPEN_STATUSES,
    ChatAttachment,
    ChatMessage,
    ChatSuspension,
    Conversation,
    ConversationStatus,
)
from beacon.core.errors import NotFound
from beacon.routing.models import AgentPresence, PresenceStatus
from beacon.tickets.queries import team_ids_of

DEFAULT_HANDLE_SECONDS = 300
HANDLE_SAMPLE = 50


def conversations_visible_to(identity: Identity) -> QuerySet[Conversation]:
    user = identity.user
    if user is None:
        if not identity.guest_key:
            return Conversation.objects.none()
        return Conversation.objects.filter(
            customer__isnull=True, guest_key=identity.guest_key
        )
    if not user.is_active:
        return Conversation.objects.none()
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return Conversation.objects.all()
    if user.role in (Role.AGENT, Role.LEAD):
        return Conversation.objects.filter(
            Q(team_id__in=team_ids_of(user)) | Q(agent=user)
        )
    return Conversation.objects.filter(customer=user)


def conversation_get(*, identity: Identity, public_id: str) -> Conversation:
    conversation = (
        conversations_visible_to(identity)
        .select_related("customer", "agent", "team", "ticket")
        .filter(public_id=public_id)
        .first()
    )
    if conversation is None:
        raise NotFound
    return conversation


def latest_open_for(identity: Identity) -> Conversation | None:
    """The customer's (or guest's) open conversation, to resume instead of starting another."""
    if identity.is_staff:
        return None
    return (
        conversations_visible_to(identity)
        .filter(status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )


def messages_after(
    *, conversation: Conversation, seq: int, staff: bool, limit: int = 500
) -> list[ChatMessage]:
    """Messages numbered above `seq` in order; internal notes only for staff."""
    qs = ChatMessage.objects.filter(conversation=conversation, seq__gt=seq)
    if not staff:
        qs = qs.filter(internal=False)
    return list(qs.select_related("author", "attachment").order_by("seq")[:limit])


def attachment_get(*, identity: Identity, token: str) -> ChatAttachment:
    attachment = (
        ChatAttachment.objects.select_related("conversation")
        .filter(
            token=token,
            conversation__in=conversations_visible_to(identity).values("pk"),
        )
        .first()
    )
    if attachment is None:
        raise NotFound
    return attachment


def active_suspension(identity: Identity) -> ChatSuspension | None:
    now = timezone.now()
    if identity.user is not None:
        qs = ChatSuspension.objects.filter(customer=identity.user, until__gt=now)
    elif identity.guest_key:
        qs = ChatSuspension.objects.filter(guest_key=identity.guest_key, until__gt=now)
    else:
        return None
    return qs.order_by("-until").first()


def queue_position(conversation: Conversation) -> int | None:
    """1 for the next chat an agent of its team will take; None when not waiting."""
    if (
        conversation.status != ConversationStatus.QUEUED
        or conversation.queued_at is None
    ):
        return None
    ahead = Conversation.objects.filter(
        status=ConversationStatus.QUEUED,
        team__isnull=conversation.team_id is None,
        queued_at__lt=conversation.queued_at,
    )
    if conversation.team_id is not None:
        ahead = ahead.filter(team_id=conversation.team_id)
    return ahead.count() + 1


def online_agents(team_id: int | None) -> list[AgentPresence]:
    qs = AgentPresence.objects.filter(
        status=PresenceStatus.ONLINE,
        user__is_active=True,
        user__role__in=(Role.AGENT, Role.LEAD, Role.ADMIN),
    )
    if team_id is not None:
        qs = qs.filter(user__memberships__team_id=team_id)
    return list(qs.select_related("user").order_by("pk"))


def active_chat_load(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Conversation.objects.filter(
            agent_id__in=user_ids, status=ConversationStatus.ACTIVE
        )
        .values_list("agent_id")
        .order_by()
    )
    load: dict[int, int] = {}
    for (agent_id,) in rows:
        load[agent_id] = load.get(agent_id, 0) + 1
    return load


def average_handle_seconds(team_id: int | None) -> int:
    """Mean time agents spent on the team's latest closed chats (five minutes with no history)."""
    if team_id is None:
        return DEFAULT_HANDLE_SECONDS
    recent = (
        Conversation.objects.filter(
            team_id=team_id, assigned_at__isnull=False, closed_at__isnull=False
        )
        .order_by("-closed_at")
        .values_list("pk", flat=True)[:HANDLE_SAMPLE]
    )
    average = (
        Conversation.objects.filter(pk__in=list(recent))
        .annotate(
            handled=ExpressionWrapper(
                F("closed_at") - F("assigned_at"), output_field=DurationField()
            )
        )
        .aggregate(value=Avg("handled"))["value"]
    )
    if not isinstance(average, timedelta) or average.total_seconds() <= 0:
        return DEFAULT_HANDLE_SECONDS
    return int(average.total_seconds())


def estimated_wait_seconds(conversation: Conversation) -> int | None:
    """Position times the average handling time, shared among the team's online agents."""
    position = queue_position(conversation)
    if position is None:
        return None
    agents = max(1, len(online_agents(conversation.team_id)))
    return int(position * average_handle_seconds(conversation.team_id) / agents)


def console_chats(*, user: User) -> dict[str, list[Conversation]]:
    """The agent's active chats and the queue of their teams (admins: every queue)."""
    base = conversations_visible_to(Identity(user=user)).select_related(
        "customer", "team", "agent"
    )
    mine = list(
        base.filter(agent=user, status=ConversationStatus.ACTIVE).order_by(
            "assigned_at"
        )
    )
    queued = list(
        base.filter(status=ConversationStatus.QUEUED).order_by("queued_at")[:100]
    )
    return {"mine": mine, "queued": queued}
