"""Generic HTTP gateway for SMS and push: POST the notice as JSON with a bearer token.

The gateway receives `delivery_id` and `dedup_key` so it can drop the repeats that
at-least-once delivery allows.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from beacon.notifications.backends import DeliveryError, OutgoingMessage


class HttpError(DeliveryError):
    """An answer that is not 2xx; `status` is None when there was no answer at all."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HttpResult:
    status: int
    duration_ms: int


def post_json(url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
    """POST `body`; a 2xx answer is success, anything else (or no answer) raises DeliveryError."""
    if not url.startswith(("https://", "http://")):
        raise HttpError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(  # noqa: S310 (scheme checked above)
            request, timeout=settings.NOTIFY_HTTP_TIMEOUT
        ) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise HttpError(f"HTTP {exc.code} from {url}", status=exc.code) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise HttpError(f"no answer from {url}: {exc}") from exc
    duration_ms = int((time.monotonic() - started) * 1000)
    if not 200 <= status < 300:
        raise HttpError(f"HTTP {status} from {url}", status=status)
    return HttpResult(status=status, duration_ms=duration_ms)


class HttpGatewayBackend:
    def __init__(self, *, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def send(self, message: OutgoingMessage) -> None:
        body = json.dumps(
            {
                "delivery_id": message.delivery_id,
                "dedup_key": message.dedup_key,
                "channel": message.kind,
                "to": message.address,
                "title": message.subject,
                "text": message.body,
                "url": message.url,
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        post_json(self.url, body, headers)
