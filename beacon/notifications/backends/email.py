"""Email through Django's mailers (SMTP, or files in DATA_DIR/outbox-mail without SMTP)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from beacon.notifications.backends import DeliveryError, OutgoingMessage


class EmailBackend:
    def send(self, message: OutgoingMessage) -> None:
        if not message.address:
            raise DeliveryError("no email address")
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            # Lets a mail client or relay recognise a repeat of the same notice.
            headers={"X-Beacon-Notice": message.dedup_key},
        )
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail not accepted: {exc}") from exc
