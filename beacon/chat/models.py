"""Live chat: conversations, their numbered messages, uploads, guided flows and suspensions.

The database is the source of truth: every message gets the next number of its conversation
(`seq`) inside the transaction that stores it, so a client that reconnects asks for everything
after the last number it saw. A message the client sends carries its own id (`client_id`):
sending it twice stores it once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Language, Team
from beacon.tickets.models import Ticket


def new_public_id() -> str:
    """An unguessable conversation id (the socket URL carries it; access is still checked)."""
    return secrets.token_urlsafe(12)


class ConversationStatus(models.TextChoices):
    BOT = "bot", _("With the assistant")
    QUEUED = "queued", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
    TICKET = "ticket", _("Turned into a ticket")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    ConversationStatus.BOT,
    ConversationStatus.QUEUED,
    ConversationStatus.ACTIVE,
)


class HandoffReason(models.TextChoices):
    ASKED = "asked", _("Asked for a person")
    EMERGENCY = "emergency", _("Security emergency")
    ANGRY = "angry", _("Customer upset")
    LOW_CONFIDENCE = "low_confidence", _("Assistant not confident")
    OUT_OF_SCOPE = "out_of_scope", _("Out of the assistant's scope")
    FLOW = "flow", _("Guided flow handed over")
    TRANSFER = "transfer", _("Transferred")


class Conversation(models.Model):
    """One chat between a customer (or a guest) and the assistant, then possibly an agent."""

    public_id = models.CharField(max_length=24, unique=True, default=new_public_id)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chat_conversations",
    )
    # A guest is known only by a random key kept in their browser (never an email they type).
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(
        max_length=10, choices=Language.choices, default=Language.EN
    )
    status = models.CharField(
        max_length=10,
        choices=ConversationStatus.choices,
        default=ConversationStatus.BOT,
        db_index=True,
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_chats",
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seq = models.PositiveIntegerField(default=0)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    handoff_reason = models.CharField(
        max_length=20, choices=HandoffReason.choices, blank=True
    )
    # What the assistant learnt (intent, flow answers, deposit state) for the agent's summary.
    collected = models.JSONField(default=dict, blank=True)
    # The guided flow in progress: {"flow": slug, "step": index, "answers": {...}}.
    flow_state = models.JSONField(default=dict, blank=True)
    negative_streak = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["status", "team", "queued_at"], name="chat_queue_idx"),
            models.Index(fields=["agent", "status"], name="chat_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"chat {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    BOT = "bot", _("Assistant")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatAttachment(models.Model):
    """A file uploaded into a conversation (checked like portal attachments), sent by a message."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to="chat/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_customer = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ChatMessage(models.Model):
    """One numbered message; `internal` ones (transfer notes) are only ever shown to staff."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    # NULL, not "": only ids the client set are unique per conversation (system messages have none).
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(blank=True)
    attachment = models.ForeignKey(
        ChatAttachment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    internal = models.BooleanField(default=False)
    # Article links, clarifying choices, the secret warning: what the client renders beside the body.
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("conversation", "seq")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], name="chat_message_seq_unique"
            ),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                name="chat_message_client_id_unique",
                condition=models.Q(client_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class Flow(models.Model):
    """A guided flow admins edit: which messages start it and the steps it walks through.

    `steps` is a JSON list; each step is an object with `key`, `prompt_en`, `prompt_zh`,
    a `validate` rule (`coin`, `network`, `txid`, `text`, `choice`) and, for `choice`,
    `choices`. After the last step the flow's `action` runs (`deposit_status`: ask the
    back-office adapter; `handoff`: give everything collected to an agent).
    """

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    intent = models.CharField(
        _("intent"),
        max_length=64,
        blank=True,
        help_text=_("Chat intent that starts this flow (see the assistant's intents)."),
    )
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_("One per line; a message containing any of them starts the flow."),
    )
    steps = models.JSONField(_("steps"), default=list)
    action = models.CharField(_("final action"), max_length=32, default="handoff")
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hand-off team"),
    )
    category_slug = models.SlugField(
        _("ticket category"),
        blank=True,
        help_text=_("Category of the ticket when the chat becomes one."),
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name_en

    def keyword_list(self) -> list[str]:
        return [w.strip().lower() for w in self.keywords.splitlines() if w.strip()]


class ChatSuspension(models.Model):
    """An agent stopped a customer (or guest) from chatting until `until`."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-until",)

    def __str__(self) -> str:
        return f"suspended until {self.until:%Y-%m-%d %H:%M}"
