"""A real ASGI server (uvicorn, the production server) in a thread, for live and browser tests.

The server runs in this process against the test database, so tests arrange data with the
ORM and watch it through real sockets. Ports come from the chat's range (8300-8399).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from django.db import connection

PORTS = range(8300, 8400)


def free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


def require_shared_database() -> None:
    """The server thread opens its own connections: an in-memory SQLite test database would
    be a different, empty database for it."""
    if connection.vendor == "sqlite" and "memory" in str(
        connection.settings_dict["NAME"]
    ):
        name = connection.settings_dict["NAME"]
        raise RuntimeError(
            f"live chat tests need a file or PostgreSQL test database (got {name}); "
            "set SQLITE_TEST_NAME=/tmp/beacon-live.sqlite3 as `make live` does"
        )


def fresh_application() -> Any:
    """beacon.asgi's application, built anew: its HTTP bound is an asyncio.Semaphore, which
    belongs to the event loop of the first server that used it, and every test's server has a
    loop of its own."""
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from django.conf import settings

    from beacon.asgi import django_asgi_app
    from beacon.core.asgi_limit import limit_http_concurrency
    from beacon.websockets import websocket_urlpatterns

    return ProtocolTypeRouter(
        {
            "http": limit_http_concurrency(
                django_asgi_app, settings.WEB_MAX_REQUESTS_IN_FLIGHT
            ),
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )


@contextmanager
def asgi_server() -> Iterator[str]:
    """Serve beacon.asgi on a free port; yields the base URL (http://127.0.0.1:PORT)."""
    require_shared_database()
    port = free_port()
    config = uvicorn.Config(
        fresh_application(),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
