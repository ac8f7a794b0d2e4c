"""Full-text index over Ticket.search_text (see beacon/tickets/search.py).

SQLite: an FTS5 table with external content (the ticket table itself), kept in sync by triggers.
The tokenizer is unicode61 without diacritic folding, so that words split the way PostgreSQL's
'simple' parser splits them ("usdt-trc20" is found by "trc20" on both).

PostgreSQL: a stored generated column `search_vector` = to_tsvector('simple', search_text) with a
GIN index. The database computes it on every write, so it needs no triggers; it is not a model
field (SQLite has no tsvector), search.py names it directly. Stored rather than an expression
index because the list query often walks tickets newest first and tests each row: recomputing
to_tsvector per row cost 10-30 ms per search with 50,000 tickets, reading the stored vector <1 ms.

Beware on SQLite: a later migration that makes Django rebuild tickets_ticket (most AlterField
operations) drops these triggers with the old table. test_search.py checks that they exist after
all migrations, so such a migration fails the suite until it runs SQLITE_TRIGGERS again.
"""

from typing import Any

from django.db import migrations

SQLITE_TABLE = """
CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5(
    search_text,
    content='tickets_ticket',
    content_rowid='id',
    tokenize='unicode61 remove_diacritics 0',
    prefix='2 3'
)
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER tickets_ticket_fts_insert AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
    """
    CREATE TRIGGER tickets_ticket_fts_delete AFTER DELETE ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END
    """,
    # Django's save() writes every column: only a real change of the text touches the index.
    """
    CREATE TRIGGER tickets_ticket_fts_update AFTER UPDATE OF search_text ON tickets_ticket
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO tickets_ticket_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END
    """,
]

SQLITE_FORWARD = [
    SQLITE_TABLE,
    *SQLITE_TRIGGERS,
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_update",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_insert",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
]

POSTGRES_FORWARD = [
    "ALTER TABLE tickets_ticket ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX tickets_ticket_search_gin ON tickets_ticket USING gin (search_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS tickets_ticket_search_gin",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_vector",
]


class RunSQLOn(migrations.RunSQL):
    """RunSQL that runs only on one database vendor (the other vendor's operation does its part)."""

    def __init__(self, vendor: str, sql: list[str], reverse_sql: list[str]) -> None:
        self.vendor = vendor
        super().__init__(sql, reverse_sql)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        name, _args, kwargs = super().deconstruct()
        return name, [], {"vendor": self.vendor, **kwargs}

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_seed_teams_categories"),
    ]

    operations = [
        RunSQLOn("sqlite", SQLITE_FORWARD, SQLITE_REVERSE),
        RunSQLOn("postgresql", POSTGRES_FORWARD, POSTGRES_REVERSE),
    ]
