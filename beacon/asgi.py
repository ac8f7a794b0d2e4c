"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

from __future__ import annotations

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from beacon.core.asgi_http import PooledASGIHandler  # noqa: E402
from beacon.core.balance import ConnectionBoard, board_path  # noqa: E402
from beacon.core.checkpoint import start_background_checkpoints  # noqa: E402
from beacon.websockets import websocket_urlpatterns  # noqa: E402

# Django's HTTP requests, on a bounded pool of long-lived threads (beacon/core/asgi_http.py).
# Reads are admitted in arrival order, WEB_READS_IN_FLIGHT at once (beacon/core/gate.py).
# Keep-alive connections are shared out evenly between this machine's web processes
# (beacon/core/balance.py).
django_asgi_app = PooledASGIHandler(
    settings.WEB_MAX_REQUESTS_IN_FLIGHT,
    reads_in_flight=settings.WEB_READS_IN_FLIGHT,
    read_stall_seconds=settings.WEB_READ_STALL_SECONDS,
    board=ConnectionBoard(board_path(settings.DATA_DIR))
    if settings.WEB_SHARE_CONNECTIONS
    else None,
)
# SQLite's WAL checkpoints in a background thread rather than in a request's COMMIT.
start_background_checkpoints()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What is loaded by now (Django, the apps, the URLconf, the templates: about 260,000 objects)
# lives as long as the process. Frozen out of the collector's sight, a full collection scans
# only what requests allocate: before, each one took about 0.1 s on the benchmark machine and
# stalled every request of the process, the p99 of a light page (docs/performance.md).
gc.collect()
gc.freeze()
