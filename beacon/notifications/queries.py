"""Reads on a user's behalf: their own in-app notices and preferences; failed work for admins."""

from __future__ import annotations

from django.db.models import QuerySet

from beacon.accounts.models import User
from beacon.core.errors import NotFound
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    InAppNotification,
    NotificationPreference,
)


def inapp_list_for_user(user: User) -> QuerySet[InAppNotification]:
    return InAppNotification.objects.filter(user=user).order_by("-created_at", "-id")


def inapp_get_for_user(*, user: User, notification_id: int) -> InAppNotification:
    """One of the user's own notices; someone else's is NotFound, exactly like a missing one."""
    notification = InAppNotification.objects.filter(
        pk=notification_id, user=user
    ).first()
    if notification is None:
        raise NotFound
    return notification


def inapp_unread_count(user: User) -> int:
    return InAppNotification.objects.filter(user=user, read_at__isnull=True).count()


def preference_for(user: User) -> NotificationPreference:
    """The user's channel choices; an unsaved row with the defaults when they never chose."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user)


def deliveries_failed() -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        status__in=(DeliveryStatus.FAILED, DeliveryStatus.DEAD)
    ).order_by("-updated_at", "-id")
