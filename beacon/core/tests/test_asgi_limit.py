"""The per-process bound on HTTP requests in flight."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import async_to_sync

from beacon.core.asgi_limit import limit_http_concurrency


def test_at_most_limit_http_requests_run_at_once_and_websockets_pass() -> None:
    running = 0
    peak = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    limited = limit_http_concurrency(app, 2)

    async def burst(kind: str) -> None:
        await asyncio.gather(*(limited({"type": kind}, None, None) for _ in range(10)))

    async_to_sync(burst)("http")
    http_peak, peak = peak, 0
    async_to_sync(burst)("websocket")

    assert http_peak == 2
    assert peak == 10


def test_zero_means_unbounded() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    assert limit_http_concurrency(app, 0) is app
