from __future__ import annotations

import pytest
from django.db import connection

from beacon.core.tasks import db_optimize
from beacon.tickets.tests.factories import make_ticket


@pytest.mark.django_db
def test_db_optimize_gathers_sqlite_statistics() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's autovacuum analyses tables itself")
    for _ in range(3):
        make_ticket()

    db_optimize()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'tickets_ticket'")
        assert cursor.fetchone()[0] > 0
