"""Take turns on SQLite's one write lock through a file lock, instead of its busy handler.

SQLite's busy handler makes a waiting writer sleep in growing steps (up to 100 ms), so two
processes that write in turn (two web processes creating tickets, two overlapping email
imports) spend much of their time asleep while the database is free. Writers that take this
file lock first are woken by the kernel as soon as the other one is done.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection, transaction

_held = threading.local()


@contextmanager
def sqlite_writer_turn() -> Iterator[Callable[[], None] | None]:
    """Hold the cross-process writer lock while the block writes (SQLite only; re-entrant).

    Yields a function that ends the turn early (None where no turn was taken); the block's end
    ends it in any case.

    Not taken inside an open transaction: on SQLite (IMMEDIATE transactions) that transaction
    may already hold the database lock, and waiting for the file lock while holding it could
    deadlock against a writer that holds the file lock and waits for the database."""
    depth: int = getattr(_held, "depth", 0)
    if connection.vendor != "sqlite" or connection.in_atomic_block or depth:
        yield None
        return
    path = Path(settings.DATA_DIR) / "create-writer.lock"
    # The file stays open in this thread (opening it cost more than the lock): a flock belongs
    # to the open file, so each thread keeps its own and threads still exclude each other.
    handles: dict[Path, IO[str]] = _held.__dict__.setdefault("handles", {})
    handle = handles.get(path)
    if handle is None:
        handle = handles[path] = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    _held.depth = 1

    def release() -> None:
        if _held.depth:
            _held.depth = 0
            fcntl.flock(handle, fcntl.LOCK_UN)

    try:
        yield release
    finally:
        release()


@contextmanager
def writer_transaction() -> Iterator[None]:
    """`transaction.atomic()` in the writer's turn, the turn ending at COMMIT.

    The transaction's other on-commit callbacks (job enqueues on Huey's own database, channel
    sends) then run while the next writer already writes: the end of the turn is the first
    callback registered. If the block raises, nothing commits and the turn ends all the same."""
    with sqlite_writer_turn() as end_turn, transaction.atomic():
        if end_turn is not None:
            transaction.on_commit(end_turn)
        yield
