"""WAL checkpoints in a background thread, one per machine, instead of in a request's COMMIT."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import override_settings

from beacon.core import checkpoint
from beacon.core.checkpoint import Checkpointer
from beacon.core.tests.locks import writer_turn_is_free

# What 2,000 rows of 200 bytes add to the database file once they are copied out of the log.
GROWTH = 100 * 1024


def _wal_database(path: Path, rows: int = 2_000) -> sqlite3.Connection:
    """A WAL database whose log holds pages no checkpoint has copied yet. The connection is
    returned open: closing the last one would checkpoint by itself."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany(
        "INSERT INTO t (body) VALUES (?)", [("x" * 200,) for _ in range(rows)]
    )
    return db


def test_a_checkpoint_copies_the_log_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path)
    before = path.stat().st_size
    worker = Checkpointer(path, interval=1)

    result = worker.checkpoint()

    assert result is not None
    log, copied = result
    assert log > 10
    assert copied == log
    # The pages now live in the database file itself.
    assert path.stat().st_size > before + GROWTH
    worker.stop()
    keeper.close()


def test_one_checkpointer_per_machine_works_and_another_takes_over(
    tmp_path: Path,
) -> None:
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path, rows=10)
    first = Checkpointer(path, interval=1)
    second = Checkpointer(path, interval=1)

    assert first.checkpoint() is not None
    assert second.checkpoint() is None

    first.stop()

    assert second.checkpoint() is not None
    second.stop()
    keeper.close()


def test_the_thread_checkpoints_at_each_interval_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path)
    before = path.stat().st_size
    worker = Checkpointer(path, interval=0.01)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()

    deadline = time.monotonic() + 10
    while path.stat().st_size <= before + GROWTH and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop()
    thread.join(timeout=5)

    assert path.stat().st_size > before + GROWTH
    assert not thread.is_alive()
    keeper.close()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_a_web_process_connections_leave_checkpoints_to_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path, rows=10)
    monkeypatch.setattr(checkpoint, "database_path", lambda: path)
    seen: list[int] = []

    def new_connection() -> None:
        # A thread's first query opens its own connection, as a request thread's does.
        with connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            seen.append(cursor.fetchone()[0])
        connections.close_all()

    with override_settings(SQLITE_BACKGROUND_CHECKPOINT=True):
        try:
            assert checkpoint.start_background_checkpoints()
            opened = threading.Thread(target=new_connection)
            opened.start()
            opened.join()
        finally:
            checkpoint.stop_background_checkpoints()
    after = threading.Thread(target=new_connection)
    after.start()
    after.join()

    # Switched off while the checkpointer runs; SQLite's default (1,000 pages) otherwise.
    assert seen == [0, 1000]
    keeper.close()


def test_nothing_starts_when_switched_off_or_without_a_database_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(checkpoint, "database_path", lambda: None)
    assert not checkpoint.start_background_checkpoints()

    monkeypatch.setattr(checkpoint, "database_path", lambda: tmp_path / "db.sqlite3")
    with override_settings(SQLITE_BACKGROUND_CHECKPOINT=False):
        assert not checkpoint.start_background_checkpoints()


def _log_pages_after_a_write(db: sqlite3.Connection) -> int:
    db.execute("INSERT INTO t (body) VALUES ('one more')")
    _busy, log, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(log)


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writers' turn exists on SQLite only"
)
def test_a_long_log_gets_a_restart_pass_in_the_writers_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under steady load readers always sit on the log after a passive pass, so it is never
    started again by itself; past RESTART_PAGES a RESTART pass runs while batch writers wait."""
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path)
    worker = Checkpointer(path, interval=1)
    passes: list[tuple[str, bool]] = []
    run = worker._checkpoint

    def recorded(mode: str) -> tuple[int, int]:
        passes.append((mode, not writer_turn_is_free()))
        return run(mode)

    monkeypatch.setattr(worker, "_checkpoint", recorded)

    monkeypatch.setattr(checkpoint, "RESTART_PAGES", 10**9)
    worker.checkpoint()
    monkeypatch.setattr(checkpoint, "RESTART_PAGES", 10)
    keeper.executemany(
        "INSERT INTO t (body) VALUES (?)", [("y" * 200,) for _ in range(1_000)]
    )
    worker.checkpoint()

    assert passes == [("PASSIVE", False), ("PASSIVE", False), ("RESTART", True)]
    worker.stop()
    keeper.close()


def test_a_reader_on_the_old_log_puts_the_restart_off_without_holding_writers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "beacon.sqlite3"
    keeper = _wal_database(path)
    monkeypatch.setattr(checkpoint, "RESTART_PAGES", 10)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    worker = Checkpointer(path, interval=1)

    started = time.monotonic()
    worker.checkpoint()
    waited = time.monotonic() - started

    assert waited < 1
    assert _log_pages_after_a_write(keeper) > 10
    reader.execute("COMMIT")
    worker.checkpoint()
    assert _log_pages_after_a_write(keeper) <= 3
    worker.stop()
    reader.close()
    keeper.close()
