"""Housekeeping jobs for the database."""

from __future__ import annotations

from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


def db_optimize() -> None:
    """Refresh SQLite's planner statistics where they are stale, so list queries keep choosing
    the right index as tables grow (PostgreSQL's autovacuum does this on its own)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize=0x10002")


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator,misc,unused-ignore]
def db_optimize_task() -> None:
    db_optimize()
