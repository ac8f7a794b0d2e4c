"""In-app notices: a row on the user's bell. Idempotent per outbox row."""

from __future__ import annotations

from beacon.notifications.backends import DeliveryError, OutgoingMessage
from beacon.notifications.models import InAppNotification


class InAppBackend:
    def send(self, message: OutgoingMessage) -> None:
        if message.user_id is None:
            raise DeliveryError("in-app notice without a user")
        InAppNotification.objects.get_or_create(
            delivery_id=message.delivery_id,
            defaults={
                "user_id": message.user_id,
                "title": message.subject[:200],
                "body": message.body,
                "url": message.url[:300],
            },
        )
