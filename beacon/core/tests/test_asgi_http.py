"""The pooled ASGI handler: one hop per request onto a bounded pool of long-lived threads."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator as _ApplicationCommunicator
from django.db import connection
from django.test import override_settings

from beacon.core.asgi_http import CHUNK, PooledASGIHandler
from beacon.core.tests.asgi_urls import BIG

# asgiref is untyped.
ApplicationCommunicator: Any = _ApplicationCommunicator

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("test_urls"),
]


@pytest.fixture
def test_urls() -> Any:
    with override_settings(
        ROOT_URLCONF="beacon.core.tests.asgi_urls", ALLOWED_HOSTS=["*"]
    ):
        yield


def _scope(path: str, method: str = "GET", query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1"), (b"accept-language", b"en")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


async def _call(
    app: PooledASGIHandler,
    path: str,
    *,
    method: str = "GET",
    query: bytes = b"",
    body: list[bytes] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    communicator = ApplicationCommunicator(app, _scope(path, method, query))
    parts = body or [b""]
    for index, part in enumerate(parts):
        await communicator.send_input(
            {
                "type": "http.request",
                "body": part,
                "more_body": index < len(parts) - 1,
            }
        )
    start = await communicator.receive_output(timeout=10)
    messages = []
    while True:
        message = await communicator.receive_output(timeout=10)
        messages.append(message)
        if not message.get("more_body", False):
            break
    await communicator.wait(timeout=10)
    return start, messages


def _json(messages: list[dict[str, Any]]) -> Any:
    return json.loads(b"".join(m["body"] for m in messages))


def test_requests_reuse_the_pool_threads_and_their_database_connection() -> None:
    app = PooledASGIHandler(1)

    async def three() -> list[Any]:
        return [_json((await _call(app, "/thread"))[1]) for _ in range(3)]

    seen = async_to_sync(three)()

    assert len({s["thread"] for s in seen}) == 1
    if connection.vendor == "sqlite":
        # A persistent connection per thread (PostgreSQL hands each request one from its pool).
        assert len({s["db"] for s in seen}) == 1


def test_no_more_than_the_bound_run_at_once() -> None:
    app = PooledASGIHandler(2)

    async def burst() -> list[Any]:
        results = await asyncio.gather(
            *(_call(app, "/thread", query=b"sleep=0.05") for _ in range(8))
        )
        return [_json(messages) for _start, messages in results]

    seen = async_to_sync(burst)()

    assert len(seen) == 8
    assert len({s["thread"] for s in seen}) == 2


def test_a_language_activated_in_one_request_does_not_reach_the_next() -> None:
    app = PooledASGIHandler(1)

    async def two() -> tuple[Any, Any]:
        first = _json((await _call(app, "/activate"))[1])
        second = _json((await _call(app, "/thread"))[1])
        return first, second

    first, second = async_to_sync(two)()

    assert first["language"] == "zh-hans"
    assert second["language"] == "en"


def test_a_large_body_goes_out_in_chunks_and_arrives_whole() -> None:
    app = PooledASGIHandler(1)

    start, messages = async_to_sync(_call)(app, "/big")

    assert start["status"] == 200
    assert len(messages) == 4
    assert all(len(m["body"]) <= CHUNK for m in messages)
    assert b"".join(m["body"] for m in messages) == BIG


def test_a_streaming_response_is_sent_as_it_is_produced() -> None:
    app = PooledASGIHandler(1)

    start, messages = async_to_sync(_call)(app, "/stream")

    assert start["status"] == 200
    assert [m["body"] for m in messages] == [
        b"part0;",
        b"part1;",
        b"part2;",
        b"part3;",
        b"part4;",
        b"",
    ]


def test_a_body_in_several_messages_reaches_the_view() -> None:
    app = PooledASGIHandler(1)

    start, messages = async_to_sync(_call)(
        app, "/echo", method="POST", body=[b"abc", b"def", b"ghi"]
    )

    assert start["status"] == 200
    assert b"".join(m["body"] for m in messages) == b"abcdefghi"


def test_a_client_that_leaves_before_its_body_gets_nothing() -> None:
    app = PooledASGIHandler(1)

    async def leave() -> bool:
        communicator = ApplicationCommunicator(app, _scope("/echo", "POST"))
        await communicator.send_input(
            {"type": "http.request", "body": b"abc", "more_body": True}
        )
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=10)
        return bool(await communicator.receive_nothing(timeout=0.1))

    assert async_to_sync(leave)()


def test_a_missing_page_is_a_404_not_an_error() -> None:
    app = PooledASGIHandler(1)

    start, _messages = async_to_sync(_call)(app, "/nowhere")

    assert start["status"] == 404


def test_websockets_are_not_served_here() -> None:
    app = PooledASGIHandler(1)

    async def ws() -> None:
        await app({"type": "websocket"}, None, None)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="HTTP only"):
        async_to_sync(ws)()


_FIRST_REQUEST = """
import sys

import beacon.asgi
from django.forms.renderers import get_default_renderer
from django.template.loader import get_template
from django.template.loaders.filesystem import Loader
from django.urls import reverse
from django.urls.resolvers import URLResolver
from django.utils import translation

assert all(m in sys.modules for m in ("beacon.urls", "beacon.api")), "URLconf not imported"


def refuse(*args, **kwargs):
    raise AssertionError("left to the first request")


# From here on, filling a resolver table or reading a template file would be a request's work.
URLResolver._populate = refuse
Loader.get_contents = refuse
for code in ("en", "zh-hans"):
    with translation.override(code):
        reverse("console:index")
        reverse("healthz")
get_template("tickets/console/index.html")
get_template("tickets/portal/layout.html")
get_default_renderer().get_template("django/forms/widgets/input.html")
import gc

# What the start-up loaded stays out of full collections (they stalled every request).
assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
print("warm")
"""


def test_a_new_worker_is_warm_before_its_first_request() -> None:
    """Importing the ASGI app (what a new worker process does) loads the URLconf, the
    resolver's tables in every language and the templates, so no request pays for them."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "beacon.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_REQUEST],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "warm"


def _spans(
    app: PooledASGIHandler, calls: list[tuple[str, str, float]], *, gap: float = 0.005
) -> dict[str, Any]:
    """Send (name, method, sleep) requests together, `gap` seconds apart in that order; return
    each one's span as the view saw it."""

    async def one(index: int, name: str, method: str, sleep: float) -> Any:
        await asyncio.sleep(index * gap)
        query = f"name={name}&sleep={sleep}".encode()
        return _json((await _call(app, "/span", method=method, query=query))[1])

    async def run() -> list[Any]:
        return await asyncio.gather(
            *(one(index, *call) for index, call in enumerate(calls))
        )

    return {span["name"]: span for span in async_to_sync(run)()}


def test_reads_run_one_at_a_time_in_the_order_they_came() -> None:
    app = PooledASGIHandler(8, reads_in_flight=1, read_stall_seconds=5)

    spans = _spans(app, [(name, "GET", 0.03) for name in "abcd"])

    ordered = [spans[name] for name in "abcd"]
    for earlier, later in itertools.pairwise(ordered):
        assert later["start"] >= earlier["end"]


def test_without_a_read_bound_reads_run_together() -> None:
    app = PooledASGIHandler(8)

    spans = _spans(app, [(name, "GET", 0.1) for name in "abcd"])

    assert spans["d"]["start"] < spans["a"]["end"]


def test_writes_do_not_wait_for_reads() -> None:
    app = PooledASGIHandler(8, reads_in_flight=1, read_stall_seconds=5)

    spans = _spans(
        app, [("read", "GET", 0.2), ("write1", "POST", 0), ("write2", "POST", 0)]
    )

    assert spans["write1"]["end"] < spans["read"]["end"]
    assert spans["write2"]["end"] < spans["read"]["end"]


def test_a_slow_read_lets_the_next_start_beside_it() -> None:
    app = PooledASGIHandler(8, reads_in_flight=1, read_stall_seconds=0.05)

    spans = _spans(app, [("slow", "GET", 0.5), ("quick", "GET", 0)])

    assert spans["quick"]["end"] < spans["slow"]["end"]
    assert spans["quick"]["start"] - spans["slow"]["start"] >= 0.04


def test_a_process_over_its_share_of_connections_asks_the_client_to_reconnect(
    tmp_path: Any,
) -> None:
    from beacon.core.balance import ConnectionBoard

    board_file = tmp_path / "board"

    def running(pid: int) -> int:
        return 1  # both pids stand for running web processes

    app = PooledASGIHandler(
        2, board=ConnectionBoard(board_file, pid=101, started=running)
    )
    # Another web process, holding no connection yet.
    other = ConnectionBoard(board_file, pid=102, started=running)

    async def request_from(port: int) -> list[tuple[bytes, bytes]]:
        scope = {**_scope("/thread"), "client": ("127.0.0.1", port)}
        communicator = ApplicationCommunicator(app, scope)
        await communicator.send_input(
            {"type": "http.request", "body": b"", "more_body": False}
        )
        start = await communicator.receive_output(timeout=10)
        await communicator.receive_output(timeout=10)
        await communicator.wait(timeout=10)
        return [(name.lower(), value) for name, value in start["headers"]]

    first = async_to_sync(request_from)(40001)
    second = async_to_sync(request_from)(40002)  # 2 of 2 here, 0 there: over its share
    other.keep_open(("127.0.0.1", 50001))
    third = async_to_sync(request_from)(40001)  # 1 here, 1 there: even

    assert (b"connection", b"close") not in first
    assert (b"connection", b"close") in second
    assert (b"connection", b"close") not in third
