"""Huey's SQLite queue with the same durability setting as Beacon's own database.

Huey's SqliteStorage leaves SQLite's `synchronous` at FULL in WAL mode, so every enqueue waits
for an fsync of the queue file (about 0.5 ms here, far more on slow disks) while the request
that enqueues holds its thread. Beacon's database runs WAL with synchronous=NORMAL: committed
work survives a crash of the application, and a power cut can lose only the last transactions,
never corrupt the file (https://www.sqlite.org/pragma.html#pragma_synchronous). The queue gets
the same setting, so a job is exactly as durable as the row that caused it.
"""

from __future__ import annotations

import sqlite3

from huey import SqliteHuey
from huey.storage import SqliteStorage


class NormalSyncSqliteStorage(SqliteStorage):  # type: ignore[misc]  # huey is untyped
    def _create_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class BeaconSqliteHuey(SqliteHuey):  # type: ignore[misc]  # huey is untyped
    storage_class = NormalSyncSqliteStorage
