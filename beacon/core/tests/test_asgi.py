"""The ASGI entry point that uvicorn loads imports and answers HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

SCOPE = {
    "type": "http",
    "method": "GET",
    "path": "/healthz",
    "raw_path": b"/healthz",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1")],
    "http_version": "1.1",
    "scheme": "http",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
}


async def _get_health() -> tuple[dict[str, Any], dict[str, Any]]:
    from beacon.asgi import application

    communicator = ApplicationCommunicator(application, SCOPE)
    await communicator.send_input(
        {"type": "http.request", "body": b"", "more_body": False}
    )
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    return start, body


@pytest.mark.django_db(transaction=True)
def test_asgi_application_serves_the_health_check() -> None:
    start, body = async_to_sync(_get_health)()

    assert start["status"] == 200
    assert b'"ok"' in body["body"]
