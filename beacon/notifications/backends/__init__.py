"""Pluggable channel backends: each sends one rendered notice or raises DeliveryError.

A backend is a small class with `send(message)`. Which one serves a channel is chosen by
settings (SMS_BACKEND, PUSH_BACKEND); email always goes through Django's mailers, in-app
notices into the database. Webhooks are signed HTTP calls handled in `webhook.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings


class DeliveryError(Exception):
    """The channel refused or could not take the message; the outbox retries it later."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (e.g. the address bounces): the row is marked dead at once."""


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered notice, ready for a channel."""

    delivery_id: int
    dedup_key: str
    kind: str
    address: str
    subject: str
    body: str
    url: str = ""
    user_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


# Rows whose template needs more than a rendered notice (e.g. threaded email replies, with
# their own headers) are sent by the app that owns the template: template key -> sender.
RowSender = Callable[[Any], None]
_row_senders: dict[str, RowSender] = {}


def register_sender(template_key: str, sender: RowSender) -> None:
    """Let an app send the outbox rows of `template_key` itself (register in AppConfig.ready)."""
    _row_senders[template_key] = sender


def sender_for(template_key: str) -> RowSender | None:
    return _row_senders.get(template_key)


def get_backend(kind: str) -> Backend:
    """The backend that delivers `kind` (email, in_app, sms, push)."""
    from beacon.notifications.backends.console import ConsoleBackend
    from beacon.notifications.backends.email import EmailBackend
    from beacon.notifications.backends.file import FileBackend
    from beacon.notifications.backends.http import HttpGatewayBackend
    from beacon.notifications.backends.inapp import InAppBackend

    if kind == "email":
        return EmailBackend()
    if kind == "in_app":
        return InAppBackend()
    if kind in ("sms", "push"):
        name = settings.SMS_BACKEND if kind == "sms" else settings.PUSH_BACKEND
        if name == "console":
            return ConsoleBackend()
        if name == "http":
            prefix = kind.upper()
            return HttpGatewayBackend(
                url=getattr(settings, f"{prefix}_GATEWAY_URL"),
                token=getattr(settings, f"{prefix}_GATEWAY_TOKEN"),
            )
        return FileBackend(path=settings.DATA_DIR / f"outbox-{kind}.jsonl")
    raise DeliveryError(f"no backend for {kind!r}")
