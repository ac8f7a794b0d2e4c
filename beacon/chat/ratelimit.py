"""Flood protection for chat sockets: a token bucket per connection and a window per person.

The bucket (in the consumer) smooths bursts from one socket; the per-person window lives in the
cache (Redis when configured), so opening more sockets or tabs does not buy more messages.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


class TokenBucket:
    """`rate` tokens per second up to `burst`; `take` says whether one was available."""

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def retry_after(self) -> int:
        return max(1, int((1 - self.tokens) / self.rate) + 1)


def connection_bucket() -> TokenBucket:
    return TokenBucket(
        rate=settings.CHAT_RATE_PER_SECOND, burst=settings.CHAT_RATE_BURST
    )


async def person_allows(key: str) -> tuple[bool, int]:
    """(allowed, seconds until the window ends) for one more message from this person."""
    window = 60
    slot = int(time.time() // window)
    name = f"chat:rl:{key}:{slot}"
    added = await cache.aadd(name, 1, timeout=window + 5)
    count = 1 if added else await cache.aincr(name)
    retry = window - int(time.time()) % window
    return count <= settings.CHAT_RATE_PER_MINUTE, retry
