"""The notification outbox, in-app notices, channel preferences and outbound webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Language


class Kind(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead")


class Delivery(models.Model):
    """One outgoing notice or webhook call: the durable outbox row.

    Written in the same transaction as the change it announces; a worker claims it with a lease
    (`locked_until`, `lock_token`), sends it and marks it sent. Delivery is at least once; the
    receiver deduplicates by `dedup_key` (notices) or the row id (webhooks, `Beacon-Delivery`).
    `context` holds only what the template needs and never secrets.
    """

    dedup_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    address = models.CharField(max_length=500, blank=True)
    endpoint = models.ForeignKey(
        "WebhookEndpoint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    template_key = models.CharField(max_length=50)
    language = models.CharField(
        max_length=10, choices=Language.choices, default=Language.EN
    )
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    lock_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["lock_token"], name="delivery_lock_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.template_key} #{self.pk}"


class InAppNotification(models.Model):
    """A notice on the bell and on the /notifications/ page of one user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # One in-app notice per outbox row: a redelivered row does not show twice.
    delivery = models.OneToOneField(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["user", "read_at"], name="inapp_user_unread_idx"),
            models.Index(fields=["user", "-created_at"], name="inapp_user_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Which channels a person wants progress notices on. No row: the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("email"), default=True)
    in_app = models.BooleanField(_("in-app"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    push = models.BooleanField(_("push"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class WebhookEndpoint(models.Model):
    """An integration that receives signed JSON events (see docs/webhooks.md)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text=_("Shared secret for the Beacon-Signature header.")
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Event names, e.g. ["ticket.created"]; ["*"] for all.'),
    )
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return "*" in self.events or event in self.events


class WebhookDelivery(models.Model):
    """The log of one attempt to call a webhook endpoint."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts"
    )
    attempt = models.PositiveIntegerField()
    request_body = models.TextField()
    response_status = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"attempt {self.attempt} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class FailedDelivery(Delivery):
    """Admin view of the outbox rows that failed or died: the "failed work" page."""

    class Meta:
        proxy = True
        verbose_name = "failed work"
        verbose_name_plural = "failed work"
