"""Outbound webhooks: one signed JSON POST per outbox row (recipe in docs/webhooks.md)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from beacon.notifications.backends.http import HttpError, post_json
from beacon.notifications.signing import signature_header


@dataclass(frozen=True)
class WebhookAttempt:
    body: str
    status: int | None
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return not self.error


def webhook_body(
    *, delivery_id: int, event: str, created_at: str, data: dict[str, Any]
) -> bytes:
    """The request body; the same bytes on every retry of one delivery."""
    payload = {
        "id": delivery_id,
        "event": event,
        "created_at": created_at,
        "data": data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def webhook_call(
    *, url: str, secret: str, delivery_id: int, event: str, body: bytes
) -> WebhookAttempt:
    """POST `body` signed with `secret`; never raises, the attempt says what happened."""
    timestamp = int(time.time())
    headers = {
        "Beacon-Signature": signature_header(secret, timestamp, body),
        "Beacon-Event": event,
        "Beacon-Delivery": str(delivery_id),
        "User-Agent": "Beacon-Webhooks/1",
    }
    started = time.monotonic()
    try:
        result = post_json(url, body, headers)
    except HttpError as exc:
        return WebhookAttempt(
            body=body.decode(),
            status=exc.status,
            duration_ms=int((time.monotonic() - started) * 1000),
            error=str(exc)[:2000],
        )
    return WebhookAttempt(
        body=body.decode(),
        status=result.status,
        duration_ms=result.duration_ms,
        error="",
    )
