"""Webhook signatures: `Beacon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>`.

`verify_signature` is the reference recipe documented in docs/webhooks.md: receivers copy it.
"""

from __future__ import annotations

import hashlib
import hmac

DEFAULT_TOLERANCE = 300


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when `header` signs exactly `body` with `secret` and its time is within `tolerance`
    seconds of `now`. Receivers must also refuse a `Beacon-Delivery` id they have already seen.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _sep, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    # Constant-time comparison: no timing hint about how much of a forged signature matched.
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
