"""The ticket table's indexes: each one is paid on every write, so none is there twice."""

from __future__ import annotations

import pytest
from django.db import connection

from beacon.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tickets_ticket")
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"] and not info["unique"]
    }


def test_no_index_is_a_prefix_of_another() -> None:
    """A single-column index on a column that leads a composite index only costs writes."""
    indexes = _indexes()

    redundant = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if other != name
        and len(longer) > len(columns)
        and longer[: len(columns)] == columns
        and name not in ("ticket_follow_up_of_idx", "ticket_merged_into_idx")
    ]

    assert redundant == []


def test_links_to_other_tickets_have_partial_indexes_and_lookups_use_them() -> None:
    indexes = _indexes()
    assert indexes["ticket_follow_up_of_idx"] == ["follow_up_of_id"]
    assert indexes["ticket_merged_into_idx"] == ["merged_into_id"]

    plan = Ticket.objects.filter(merged_into_id=1).explain()

    if connection.vendor == "sqlite":
        # PostgreSQL's planner may scan a small table instead; SQLite's choice is fixed.
        assert "ticket_merged_into_idx" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_the_full_text_triggers_survive_the_index_migration() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'tickets_ticket' ORDER BY name"
        )
        triggers = [row[0] for row in cursor.fetchall()]

    assert triggers == [
        "tickets_ticket_fts_delete",
        "tickets_ticket_fts_insert",
        "tickets_ticket_fts_update",
    ]
