"""Experiment, not the product: Beacon's ASGI app with a bound on HTTP requests in flight per process.

Django runs each sync view of an ASGI request in a thread of its own, so one uvicorn worker
serves any number of requests at once: under load they compete for the GIL and, on SQLite,
for the write lock (each waiting in SQLite's sleeping busy handler). This wrapper lets at most
BEACON_GATE (default 1) HTTP requests per process run; the rest wait their turn in the event
loop, as requests queue for a sync worker of the peer. WebSockets pass straight through.

    uvicorn bench.asgi_gated:application --workers 2 ...     (bench/run.sh target beacon-sqlite-gated)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from beacon.asgi import application as beacon_application

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_gate = asyncio.Semaphore(int(os.environ.get("BEACON_GATE", "1")))


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        await beacon_application(scope, receive, send)
        return
    async with _gate:
        await beacon_application(scope, receive, send)
