"""Factories for outbox rows and webhook endpoints."""

from __future__ import annotations

import factory
from django.utils import timezone

from beacon.notifications.models import (
    Delivery,
    InAppNotification,
    Kind,
    WebhookEndpoint,
)


class WebhookEndpointFactory(factory.django.DjangoModelFactory[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"integration {n}")
    url = "http://127.0.0.1:9/hook"
    secret = "whsec-test-secret"
    events = factory.LazyFunction(lambda: ["*"])


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    kind = Kind.SMS
    template_key = "customer_received"
    address = "+85290000000"
    context = factory.LazyFunction(
        lambda: {"reference": "BCN-TEST", "url": "http://testserver/x"}
    )
    next_attempt_at = factory.LazyFunction(timezone.now)


class InAppNotificationFactory(factory.django.DjangoModelFactory[InAppNotification]):
    class Meta:
        model = InAppNotification

    title = factory.Sequence(lambda n: f"Notice {n}")
    body = "Something happened."
    url = "/tickets/"
