"""Triage storage: trained model versions, one result per message read, agents' corrections
as labelled examples, and incidents proposed from bursts of similar tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Team
from beacon.tickets.models import Message, Ticket, TicketEvent


class Task(models.TextChoices):
    INTENT = "intent", _("Category")
    SENTIMENT = "sentiment", _("Sentiment")


class ModelStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")


class ModelVersion(models.Model):
    """One trained model file under DATA_DIR/models; at most one is active per task.

    A candidate that scored worse than the active model on the held-out slice is kept as
    ``rejected`` (with both scores), so admins can see why it was not used.
    """

    task = models.CharField(_("task"), max_length=16, choices=Task.choices)
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ModelStatus.choices,
        default=ModelStatus.RETIRED,
    )
    file_name = models.CharField(_("file"), max_length=200)
    source = models.CharField(
        _("trained from"), max_length=32, help_text=_("default or history")
    )
    training_size = models.PositiveIntegerField(_("training examples"), default=0)
    # {"holdout_size": n, "candidate_accuracy": x, "active_accuracy": y | null, ...}
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        ordering = ("task", "-number")
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "number"], name="triage_model_task_number"
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(status="active"),
                name="triage_model_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.task}-v{self.number}"


class ResultStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Urgency(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class TriageResult(models.Model):
    """What triage read in one message: the opening request (``message`` empty) or a reply.

    Written once per message by the triage job; the minute sweep repairs messages whose job was
    lost. ``applied`` records what triage changed on the ticket (category, team, priority).
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="triage_results"
    )
    message = models.OneToOneField(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="triage_result",
    )
    status = models.CharField(
        max_length=10, choices=ResultStatus.choices, default=ResultStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    intent = models.CharField(_("category"), max_length=64, blank=True)
    intent_confidence = models.FloatField(_("confidence"), null=True, blank=True)
    out_of_scope = models.BooleanField(_("out of scope"), default=False)
    sentiment = models.CharField(
        _("sentiment"), max_length=10, choices=Sentiment.choices, blank=True
    )
    sentiment_confidence = models.FloatField(null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, null=True, blank=True
    )
    urgency_reasons = models.JSONField(default=list, blank=True)
    suggested_priority = models.PositiveSmallIntegerField(null=True, blank=True)
    intent_model = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sentiment_model = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied = models.JSONField(default=dict, blank=True)
    corrected = models.JSONField(
        default=dict, blank=True, help_text="field -> value an agent set"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # One result for the opening request; replies are unique through ``message``.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(message__isnull=True),
                name="triage_result_one_per_ticket",
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="triage_result_due_idx")
        ]

    def __str__(self) -> str:
        return f"triage of {self.ticket_id}/{self.message_id or '-'}"

    @property
    def model_version(self) -> str:
        parts = [m.label for m in (self.intent_model, self.sentiment_model) if m]
        return ", ".join(parts)


class ExampleSource(models.TextChoices):
    CORRECTION = "correction", _("Agent correction")
    HISTORY = "history", _("Ticket history")


class TrainingExample(models.Model):
    """A labelled text for retraining; every agent correction becomes one.

    ``task`` is intent (category slug), sentiment, priority or language. ``event`` is the
    history row a correction made in the properties form came from, so it is counted once.
    """

    task = models.CharField(max_length=16)
    text = models.TextField()
    label = models.CharField(max_length=64)
    source = models.CharField(
        max_length=16, choices=ExampleSource.choices, default=ExampleSource.CORRECTION
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.OneToOneField(
        TicketEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["task", "created_at"], name="triage_ex_idx")]

    def __str__(self) -> str:
        return f"{self.task}: {self.label}"


class IncidentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Incident(models.Model):
    """A burst of similar tickets, proposed to leads by the clustering job."""

    title = models.CharField(_("title"), max_length=200)
    key_terms = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=IncidentStatus.choices,
        default=IncidentStatus.PROPOSED,
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tickets = models.ManyToManyField(Ticket, related_name="incidents", blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("incident")

    def __str__(self) -> str:
        return self.title
