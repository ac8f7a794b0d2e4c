"""Mailboxes, the raw inbound messages (stored before parsing), Message-IDs of every thread, bounces."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImapAuth(models.TextChoices):
    PASSWORD = "password", _("Password")
    OAUTH2 = "oauth2", _("OAuth2 access token (XOAUTH2)")


class ImapAfter(models.TextChoices):
    FLAG = "flag", _("Flag as imported (and seen)")
    DELETE = "delete", _("Delete from the server")


class Mailbox(models.Model):
    """A support address: where mail comes in (IMAP, the MTA endpoint) and the From of replies."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    address = models.EmailField(
        _("address"),
        unique=True,
        help_text=_("The support address, e.g. support@exchange.example."),
    )
    display_name = models.CharField(
        _("sender name"), max_length=100, blank=True, default="Beacon Support"
    )
    is_active = models.BooleanField(_("active"), default=True)
    auto_reply = models.BooleanField(
        _("auto-reply to new tickets"),
        default=True,
        help_text=_("Send the reference and expected response time to new tickets."),
    )
    signature_en = models.TextField(_("signature (English)"), blank=True)
    signature_zh = models.TextField(_("signature (Chinese)"), blank=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_username = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_auth = models.CharField(
        _("IMAP sign-in"),
        max_length=10,
        choices=ImapAuth.choices,
        default=ImapAuth.PASSWORD,
    )
    imap_secret = models.CharField(
        _("IMAP password or token"),
        max_length=4000,
        blank=True,
        help_text=_("Never shown again once saved."),
    )
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    imap_after = models.CharField(
        _("after import"),
        max_length=10,
        choices=ImapAfter.choices,
        default=ImapAfter.FLAG,
    )
    # Only a digest: the token itself is shown once, when an admin generates it.
    inbound_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1].lower()

    def signature(self, language: str) -> str:
        if language.startswith("zh") and self.signature_zh:
            return self.signature_zh
        return self.signature_en


class Source(models.TextChoices):
    IMAP = "imap", _("IMAP")
    HTTP = "http", _("MTA endpoint")
    IMPORT = "import", _("Import")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not yet parsed")
    TICKET = "ticket", _("Opened a ticket")
    REPLY = "reply", _("Added to a ticket")
    BOUNCE = "bounce", _("Bounce")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundEmail(models.Model):
    """One received message, stored raw before anything else happens to it.

    `dedup_key` is the Message-ID (or, without one, the digest of the content), so fetching
    the same message twice finds this row. Parsing runs from this row, at most once: the row
    is locked and its status moves from received in the transaction that writes the ticket.
    """

    dedup_key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(max_length=998, blank=True)
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound",
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    raw = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField(max_length=200, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # What the identity check decided (see identity.py), shown to agents.
    sender_verified = models.BooleanField(default=False)
    auth_summary = models.CharField(max_length=300, blank=True)
    # The ticket this message claimed to belong to but was not allowed to join.
    claimed_ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    reply = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    html = models.TextField(blank=True, help_text="The HTML part after sanitising.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class ThreadMessageId(models.Model):
    """A Message-ID that belongs to a ticket's thread: every mail we sent and every one we took in.

    In-Reply-To and References of a reply are looked up here to find its ticket.
    """

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="thread_ticket_idx")
        ]

    def __str__(self) -> str:
        return self.message_id


class BouncedAddress(models.Model):
    """An address whose mail bounced permanently: outbound mail to it is not attempted."""

    address = models.EmailField(unique=True)
    status = models.CharField(max_length=20, blank=True)
    diagnostic = models.CharField(max_length=500, blank=True)
    count = models.PositiveIntegerField(default=1)
    first_bounced_at = models.DateTimeField(auto_now_add=True)
    last_bounced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-last_bounced_at", "id")
        verbose_name_plural = "bounced addresses"

    def __str__(self) -> str:
        return self.address
