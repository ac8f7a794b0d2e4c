"""SQLite's WAL checkpoints off the request path: one background thread per machine.

By default SQLite checkpoints inside the COMMIT that takes the write-ahead log past 1,000 pages:
that commit, a customer's request, then copies the log's pages into the database file, and it
does so inside the writers' turn (core/writer.py), so every other writer on the machine waits
too. On the benchmark machine, API creates at 16 connections ran at 555-600 a second with
those checkpoints and 780-830 without any, and the p95 of a single create halved without them
(docs/performance.md).

Web processes therefore switch automatic checkpoints off on their own database connections and
leave the work to a thread that runs a PASSIVE checkpoint every `SQLITE_CHECKPOINT_MS`. A
passive checkpoint waits for nobody: readers and writers go on while it copies what no reader
still needs. Each web process starts such a thread, but only the one holding the machine's
`checkpoint.lock` works; the others try for that lock at each interval, so when its holder
exits another takes over. Processes that do not start one (the job worker, the command line)
keep SQLite's automatic checkpoints, so the log never grows without bound when no web process
runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import sqlite3
import threading
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.backends.signals import connection_created

from beacon.core.writer import sqlite_writer_turn

logger = logging.getLogger(__name__)

# Pages (4 KiB) the log may hold before a checkpoint makes the next write start it again.
RESTART_PAGES = 4096
# How long that checkpoint waits for readers of the old log (writers wait meanwhile).
RESTART_WAIT_SECONDS = 0.05

_DISPATCH_UID = "beacon-no-autocheckpoint"
_started = threading.Lock()
_running: tuple[Checkpointer, threading.Thread] | None = None


def database_path() -> Path | None:
    """The SQLite database file of the default database (None on PostgreSQL or in memory)."""
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        return None
    name = str(database["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def start_background_checkpoints() -> bool:
    """In this process: no automatic checkpoints on Django's connections, and the checkpoint
    thread started (once). False where there is nothing to do (PostgreSQL, an in-memory
    database, or SQLITE_BACKGROUND_CHECKPOINT off)."""
    global _running
    path = database_path()
    if path is None or not settings.SQLITE_BACKGROUND_CHECKPOINT:
        return False
    with _started:
        if _running is None:
            connection_created.connect(
                _no_automatic_checkpoints, dispatch_uid=_DISPATCH_UID
            )
            checkpointer = Checkpointer(path)
            thread = threading.Thread(
                target=checkpointer.run_forever, name="sqlite-checkpoint", daemon=True
            )
            thread.start()
            _running = (checkpointer, thread)
    return True


def stop_background_checkpoints() -> None:
    """Undo start_background_checkpoints (tests; a process that stops serving)."""
    global _running
    with _started:
        connection_created.disconnect(dispatch_uid=_DISPATCH_UID)
        if _running is not None:
            checkpointer, thread = _running
            checkpointer.stop()
            thread.join(timeout=10)
            _running = None


def _no_automatic_checkpoints(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")


class Checkpointer:
    """Checkpoints one database while it holds the machine's checkpoint lock."""

    def __init__(self, path: Path, *, interval: float | None = None) -> None:
        self.path = path
        self.lock_path = path.with_name("checkpoint.lock")
        self.interval = (
            settings.SQLITE_CHECKPOINT_SECONDS if interval is None else interval
        )
        self._lock_file: IO[str] | None = None
        self._connection: sqlite3.Connection | None = None
        self._stop = threading.Event()

    def take_turn(self) -> bool:
        """Whether this checkpointer holds the machine's lock (taking it when it is free)."""
        if self._lock_file is not None:
            return True
        handle = self.lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def checkpoint(self) -> tuple[int, int] | None:
        """Copy the log into the database: (pages in the log, pages copied), or None when
        another process holds the lock.

        The first pass is PASSIVE: it copies what no reader still needs while everyone goes
        on. SQLite starts the log again from the top only when everything in it is copied and
        no reader still reads from it, which under steady load never happens by itself: the
        log would only grow. So once it holds more than RESTART_PAGES, a second pass runs in
        the writers' turn (core/writer.py) in RESTART mode: it copies what arrived meanwhile
        and waits for the readers still on the old log, so that the next write starts it
        again. It waits RESTART_WAIT_SECONDS at most, since batch writers wait for it: a long
        report still reading the old log only puts the restart off to a later pass."""
        if not self.take_turn():
            return None
        log, copied = self._checkpoint("PASSIVE")
        if log > RESTART_PAGES:
            with sqlite_writer_turn():
                log, copied = self._checkpoint("RESTART")
        return log, copied

    def _checkpoint(self, mode: str) -> tuple[int, int]:
        if self._connection is None:
            self._connection = sqlite3.connect(
                self.path,
                timeout=RESTART_WAIT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        row = self._connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return int(row[1]), int(row[2])

    def run_forever(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.checkpoint()
            except Exception:
                # A checkpoint that fails (a full disk, say) is retried at the next interval;
                # the log keeps everything meanwhile.
                logger.warning("WAL checkpoint of %s failed", self.path, exc_info=True)
                self._close_connection()

    def stop(self) -> None:
        """Stop (run_forever returns) and let another process take the lock."""
        self._stop.set()
        self._close_connection()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _close_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None
