"""A bound on HTTP requests in flight per process.

Django runs each sync view of an ASGI request in a thread of its own, so without a bound one
process runs every queued request at once: they compete for the GIL and, on SQLite, for the
write lock (each waiting in SQLite's sleeping busy handler), and the slowest see seconds of
latency. With the bound, extra requests wait their turn in the event loop, as they would for a
sync worker. In the benchmark one request in flight per process cut the create p99 at 16
connections from 2.5 s to 0.54 s (docs/performance.md). WebSockets are not limited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

# Loose on purpose: Django's, Channels' and uvicorn's ASGI signatures differ in their typing.
App = Callable[..., Awaitable[None]]


def limit_http_concurrency(app: App, limit: int) -> App:
    """Wrap `app` so that at most `limit` HTTP requests run at once; 0 means no bound."""
    if limit <= 0:
        return app
    gate = asyncio.Semaphore(limit)

    async def limited(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        async with gate:
            await app(scope, receive, send)

    return limited
