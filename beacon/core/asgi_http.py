"""Django over ASGI with the synchronous request stack run in one hop, on a bounded pool of
long-lived threads.

Django's own ASGIHandler runs a synchronous view through the async machinery: a new thread per
request (so a new database connection per request), and a thread hop for every sync/async
boundary on the way in and out (signals, each async-capable middleware's process_request and
process_response, the view, the response's close). Measured on the 2-core benchmark machine, a
`/healthz` that costs 0.5 ms of CPU through the test client cost 7 ms through uvicorn.

This handler reads the body and sends the response in the event loop, as Django's does, but
runs everything between (request_started, the whole middleware chain in its synchronous mode,
the view, rendering, and the response's close and request_finished) as ONE call on a
ThreadPoolExecutor of `max_in_flight` threads. The threads live as long as the process, so each
keeps its database connection between requests (CONN_MAX_AGE, health-checked by Django's
close_old_connections on every request), and the pool size is the bound on HTTP requests in
flight per process (docs/decisions/0001): extra requests wait in the queue, not in SQLite's
busy handler. Each request runs in a fresh `contextvars.Context`, so context-local state
(the active language, the script prefix) never carries from one request to the next.

Streaming responses (file downloads, WhiteNoise's static files) are iterated on the pool too,
a chunk per call, so a large file is never read into memory at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import django.forms
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted, RequestDataTooBig
from django.core.handlers import base
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.forms.renderers import EngineMixin, get_default_renderer
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.template import TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.urls import (
    NoReverseMatch,
    URLResolver,
    get_resolver,
    reverse,
    set_script_prefix,
)
from django.utils import translation

from beacon.core.balance import ConnectionBoard
from beacon.core.gate import Gate

logger = logging.getLogger("django.request")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]

# At most this many bytes of a response body per ASGI message.
CHUNK = 2**16
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PooledASGIHandler(base.BaseHandler):
    """An ASGI application for Django's HTTP requests; see the module docstring."""

    request_class = ASGIRequest

    def __init__(
        self,
        max_in_flight: int,
        *,
        reads_in_flight: int = 0,
        read_stall_seconds: float = 0.1,
        board: ConnectionBoard | None = None,
    ) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        warm_up()
        self.max_in_flight = max_in_flight if max_in_flight > 0 else 32
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_in_flight, thread_name_prefix="http"
        )
        # Reads (GET, HEAD, OPTIONS) admitted in arrival order, `reads_in_flight` at once
        # (beacon/core/gate.py); 0 leaves them to the pool's bound alone. Writes are never
        # gated: API creates that run together share one transaction (tickets/batching.py).
        self._read_gate = (
            Gate(
                slots=reads_in_flight,
                limit=self.max_in_flight,
                stall_after=read_stall_seconds,
            )
            if reads_in_flight > 0
            else None
        )
        # Keep-alive connections shared out between the machine's web processes
        # (beacon/core/balance.py); None: every connection is kept open.
        self._board = board

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP only, not {scope['type']}.")
        try:
            body_file = await self._read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        context = contextvars.Context()
        gate = self._read_gate if scope["method"] in SAFE_METHODS else None
        try:
            admitted = await gate.enter() if gate is not None else None
            try:
                response = await loop.run_in_executor(
                    self._pool, context.run, self._respond, scope, body_file
                )
            finally:
                if gate is not None and admitted is not None:
                    gate.leave(admitted)
        finally:
            body_file.close()
        headers = _headers(response)
        client = scope.get("client")
        if self._board is not None and not self._board.keep_open(
            (client[0], client[1]) if client else None
        ):
            # The client opens a new connection for its next request, which may land on a
            # process holding fewer.
            headers.append((b"connection", b"close"))
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": headers,
            }
        )
        if not response.streaming:
            # _respond has rendered and closed it already.
            body = response.content  # type: ignore[attr-defined]
            for start in range(0, max(len(body), 1), CHUNK):
                end = start + CHUNK
                await send(
                    {
                        "type": "http.response.body",
                        "body": body[start:end],
                        "more_body": end < len(body),
                    }
                )
            return
        try:
            chunks = iter(response.streaming_content)  # type: ignore[attr-defined]
            while True:
                chunk = await loop.run_in_executor(
                    self._pool, context.run, _next_chunk, chunks
                )
                if chunk is None:
                    break
                await send(
                    {"type": "http.response.body", "body": chunk, "more_body": True}
                )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await loop.run_in_executor(self._pool, context.run, response.close)

    def _respond(self, scope: Scope, body_file: Any) -> HttpResponseBase:
        """Everything synchronous about one request, in a pool thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request = self.request_class(scope, body_file)
        except UnicodeDecodeError:
            logger.warning(
                "Bad Request (UnicodeDecodeError)",
                exc_info=sys.exc_info(),
                extra={"status_code": 400},
            )
            return HttpResponseBadRequest()
        except RequestDataTooBig:
            return HttpResponse("413 Payload too large", status=413)
        response = self.get_response(request)
        if isinstance(response, FileResponse):
            response.block_size = CHUNK
        if not response.streaming:
            # The body is bytes from here on, so the request can end now, in this thread (its
            # resources closed, request_finished sent): the event loop only sends the bytes.
            response.content  # type: ignore[attr-defined]  # noqa: B018
            response.close()
        return response

    async def _read_body(self, receive: Receive) -> Any:
        body_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by the caller)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b"
        )
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted
            if "body" in message:
                body_file.write(message["body"])
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file


def warm_up() -> None:
    """Do now, as the worker starts, what its first requests would otherwise pay for, with every
    request queued behind them: import the URLconf (every app's views and the API's routes),
    fill the URL resolver's reverse tables and load the translations for each language, and
    compile the templates. On the benchmark machine the first request of a fresh worker took
    0.1 s more for the URLconf and the first console page 50 ms more, which became the p99 of
    a whole measurement."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _fill_reverse_tables(resolver)
    for backend in engines.all():
        if isinstance(backend, DjangoTemplates):
            _compile_templates(backend.get_template, map(Path, backend.template_dirs))
    # Form widgets are rendered through the form renderer's own template engine.
    renderer = get_default_renderer()
    if isinstance(renderer, EngineMixin):
        _compile_templates(
            renderer.get_template, [Path(django.forms.__file__).parent / "templates"]
        )


def _compile_templates(
    get_template: Callable[[str], object], folders: Iterable[Path]
) -> None:
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            name = path.relative_to(folder).as_posix()
            try:
                get_template(name)
            except TemplateSyntaxError:
                # Reported where the template is used; a worker still starts.
                logger.warning("template %s does not compile", name, exc_info=True)


def _fill_reverse_tables(resolver: URLResolver, namespace: str = "") -> None:
    """The resolver's tables for the active language, and those that `reverse` builds for each
    namespace (a resolver of its own per namespace path, filled on first use)."""
    resolver.reverse_dict  # noqa: B018
    resolver.app_dict  # noqa: B018
    for name, (_prefix, included) in resolver.namespace_dict.items():
        path = f"{namespace}{name}:"
        with contextlib.suppress(NoReverseMatch):
            # No view has this name: the namespace's tables are filled before that is found.
            reverse(f"{path}-warm-up-")
        _fill_reverse_tables(included, path)


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    headers = [
        (name.encode("ascii"), value.encode("latin1"))
        for name, value in response.items()
    ]
    headers.extend(
        (b"Set-Cookie", cookie.OutputString().encode("ascii"))
        for cookie in response.cookies.values()
    )
    return headers
