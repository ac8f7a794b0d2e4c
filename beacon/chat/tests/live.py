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

from beacon.core.tests.workers import xdist_worker_number

PORTS = range(8300, 8400)


def free_port() -> int:
    """The first free port of PORTS, looking from a place of its own for each pytest-xdist
    worker (two workers probing the same port at once could both find it free)."""
    start = 50 * xdist_worker_number() % len(PORTS)
    ordered: list[int] = [*PORTS[start:], *PORTS[:start]]
    for port in ordered:
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
    """beacon.asgi's application: HTTP through the pooled handler (no state bound to an event
    loop, so every test's server, each with a loop of its own, can share it), WebSockets
    through Channels."""
    from beacon.asgi import application

    return application


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
