"""Tickets, their conversation, attachments and append-only history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Language, Team


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")
    APP_REVIEW = "app_review", _("App review")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 · Urgent")
    P2 = 2, _("P2 · High")
    P3 = 3, _("P3 · Normal")
    P4 = 4, _("P4 · Low")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD)


class Category(models.Model):
    """A kind of request with its structured form (see tickets/forms_schema.py for field specs)."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100, blank=True)
    description_en = models.CharField(max_length=300, blank=True)
    description_zh = models.CharField(max_length=300, blank=True)
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.P3
    )
    form_fields = models.JSONField(default=list, blank=True)
    is_security = models.BooleanField(
        default=False,
        help_text="Security emergencies (compromised account, unauthorised withdrawal).",
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ("position", "slug")
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name_en

    def display_name(self, language: str) -> str:
        return self.name_in(language, name_en=self.name_en, name_zh=self.name_zh)

    @staticmethod
    def name_in(language: str, *, name_en: str, name_zh: str) -> str:
        """The name shown to a reader of `language` (Chinese where one is given)."""
        return name_zh if language.startswith("zh") and name_zh else name_en


class Tag(models.Model):
    """A free label on tickets."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """One customer request. `reference` is the only identifier shown outside the database."""

    reference = models.CharField(max_length=16, unique=True)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets"
    )
    fields = models.JSONField(default=dict, blank=True)
    missing_fields = models.JSONField(default=list, blank=True)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.P3
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # team, assignee and customer lead composite indexes (Meta.indexes), which serve lookups by
    # them alone too; their own single-column indexes would only cost every write.
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    language = models.CharField(
        max_length=10, choices=Language.choices, default=Language.EN
    )
    # Set on few tickets: partial indexes (Meta.indexes) leave the others' rows out.
    follow_up_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    # Lower-cased, segmented (Chinese) text of subject, description and public replies:
    # what the text search matches against (see tickets/search.py).
    search_text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["team", "status", "-created_at"], name="ticket_team_status_idx"
            ),
            models.Index(
                fields=["assignee", "status", "-created_at"],
                name="ticket_assignee_status_idx",
            ),
            models.Index(
                fields=["customer", "-created_at"], name="ticket_customer_idx"
            ),
            models.Index(fields=["status", "-created_at"], name="ticket_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_idx"),
            models.Index(
                fields=["priority", "-created_at", "-id"], name="ticket_priority_idx"
            ),
            models.Index(
                fields=["team", "-created_at", "-id"], name="ticket_team_created_idx"
            ),
            models.Index(
                fields=["follow_up_of"],
                condition=models.Q(follow_up_of__isnull=False),
                name="ticket_follow_up_of_idx",
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="ticket_merged_into_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=4),
                name="ticket_priority_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System message")


class Message(models.Model):
    """One entry in a ticket's conversation. Notes are never shown to customers."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(
        max_length=10, choices=MessageKind.choices, default=MessageKind.REPLY
    )
    from_customer = models.BooleanField(default=False)
    body = models.TextField()
    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


class Attachment(models.Model):
    """An uploaded file, stored under DATA_DIR (outside the web root) and served only after an access check."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to="t/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    REPLIED = "replied", _("Replied")
    NOTED = "noted", _("Added a note")
    ATTACHED = "attached", _("Attached a file")
    MERGED = "merged", _("Merged")
    LINKED = "linked", _("Linked")
    REOPENED = "reopened", _("Reopened")
    FOLLOW_UP = "follow_up", _("Follow-up created")
    RATED = "rated", _("Rated")
    INFO_REQUESTED = "info_requested", _("Asked for information")


class TicketEvent(models.Model):
    """Append-only history: who changed what, when, from which value to which."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    field = models.CharField(max_length=32, blank=True)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    public = models.BooleanField(
        default=True, help_text="Shown on the customer's timeline."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.field} on {self.ticket_id}"


class ParticipantSource(models.TextChoices):
    EMAIL = "email", _("Copied on an email")
    AGENT = "agent", _("Added by support staff")


class TicketParticipant(models.Model):
    """Someone besides the customer who follows the ticket by email (Cc): agents' public replies
    copy them, and their authenticated mail joins the ticket. Linked to a customer account when
    one with this verified address exists."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="participants"
    )
    address = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=8, choices=ParticipantSource.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "address"], name="ticketparticipant_unique"
            )
        ]

    def __str__(self) -> str:
        return self.address


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
    FOLLOW_UP = "follow_up", _("Follow-up of")


class TicketLink(models.Model):
    """A directed link between two tickets."""

    source = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_out"
    )
    target = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(
        max_length=16, choices=LinkKind.choices, default=LinkKind.RELATED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="ticketlink_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Macro(models.Model):
    """A canned reply with placeholders (e.g. {{ customer.name }}, {{ ticket.reference }}) per language, plus optional field changes."""

    name = models.CharField(max_length=100)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: available to every team.",
    )
    body_en = models.TextField()
    body_zh = models.TextField(blank=True)
    set_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def body_for(self, language: str) -> str:
        return (
            self.body_zh if language.startswith("zh") and self.body_zh else self.body_en
        )


class IdempotencyKey(models.Model):
    """Remembers an API create so a retried request returns the same ticket."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key
