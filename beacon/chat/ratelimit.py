"""Flood protection for chat sockets: a token bucket per connection and a window per person.

The bucket (in the consumer) smooths bursts from one socket; the per-person window lives in the
cache (Redis when configured), so opening more sockets or tabs does not buy more messages.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, BaseCache, caches


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


def _cache() -> BaseCache:
    """One cache client for the whole process. `django.core.cache.cache` is a new object in
    every async context, so under Channels each call opened (and dropped) a Redis connection;
    this one keeps its connection pool."""
    global _shared
    if _shared is None:
        _shared = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _shared


_shared: BaseCache | None = None


def person_allows(key: str) -> tuple[bool, int]:
    """(allowed, seconds until the window ends) for one more message from this person.

    Synchronous (a cache round trip): sockets call it in the thread that then stores the
    message, so it costs no extra hop off the event loop.
    """
    window = 60
    slot = int(time.time() // window)
    name = f"chat:rl:{key}:{slot}"
    cache = _cache()
    added = cache.add(name, 1, timeout=window + 5)
    count = 1 if added else cache.incr(name)
    retry = window - int(time.time()) % window
    return count <= settings.CHAT_RATE_PER_MINUTE, retry
