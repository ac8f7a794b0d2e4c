"""Ticket text search over `Ticket.search_text` (lower-cased tokens separated by spaces).

Both vendors use a full-text index created by migration 0003_ticket_search_index:
- SQLite: the FTS5 table `tickets_ticket_fts`, kept in sync with `search_text` by triggers;
- PostgreSQL: the stored column `search_vector` (to_tsvector('simple', search_text)) with a GIN index.

Every word must match (AND); the last one also matches as a prefix, so "withdr" finds
"withdrawal" while the user is still typing. Words are passed as query parameters and quoted
inside the full-text syntax, so quotes, `*`, `OR`, `NEAR(` or `-` are plain text, never operators.
The filter narrows the queryset it is given, so the caller's access rule stays in force.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, QuerySet, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.sql.compiler import SQLCompiler

from beacon.tickets.models import Ticket

MAX_WORDS = 8
_FTS_MATCH = "SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s"


def _searchable(words: list[str]) -> list[str]:
    """Words that carry a letter or digit: both indexes drop punctuation-only words anyway."""
    return [w for w in words if any(ch.isalnum() for ch in w)][:MAX_WORDS]


def _wants_prefix(word: str) -> bool:
    # One Latin letter as a prefix would match most of the index; one Chinese character is a word.
    return len(word) >= 2 or not word.isascii()


def fts5_query(words: list[str]) -> str:
    """FTS5 MATCH text: each word a quoted phrase (quotes doubled), the last one a prefix."""
    phrases = ['"' + w.replace('"', '""') + '"' for w in words]
    if _wants_prefix(words[-1]):
        phrases[-1] += "*"
    return " ".join(phrases)


def tsquery(words: list[str]) -> str:
    """to_tsquery text: each word a quoted lexeme (quote and backslash escaped), joined by &."""
    lexemes = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words]
    if _wants_prefix(words[-1]):
        lexemes[-1] += ":*"
    return " & ".join(lexemes)


class _VectorMatch(Func):
    """`<ticket alias>.search_vector @@ to_tsquery('simple', %s)` (PostgreSQL).

    `search_vector` is a generated column unknown to the model; it is reached through the alias
    of the search_text column, so the filter stays right when the queryset is used as a subquery.
    """

    output_field = BooleanField()

    def as_sql(  # type: ignore[override]
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        column, query = self.get_source_expressions()
        if not isinstance(column, Col):
            raise TypeError(
                "_VectorMatch needs the search_text column as its first argument."
            )
        vector = f"{compiler.quote_name(column.alias)}.{connection.ops.quote_name('search_vector')}"
        query_sql, query_params = compiler.compile(query)
        return f"{vector} @@ to_tsquery('simple'::regconfig, {query_sql})", tuple(
            query_params
        )


class _Unindexed(Func):
    """`+column`: the same value, but SQLite will not use it to pick an index or drive a join."""

    template = "+%(expressions)s"


def filter_text(qs: QuerySet[Ticket], words: list[str]) -> QuerySet[Ticket]:
    """Tickets of `qs` whose text has every word (the last one also as a prefix).

    Words without a letter or digit are ignored; with none left, `qs` is returned unchanged.
    """
    words = _searchable(words)
    if not words:
        return qs
    connection = connections[qs.db]
    if connection.vendor == "postgresql":
        return qs.filter(_VectorMatch(F("search_text"), Value(tsquery(words))))
    # SQLite, the only other supported database. The membership test is on `+id`, which SQLite
    # cannot use to drive the query: it walks the list's own index (newest first) and stops after
    # a page of matches instead of fetching and sorting every match. With 50,000 tickets a common
    # word ("withdrawal", 5,500 matches) takes 0.6 ms this way against 10 ms (35,000 matches:
    # 5 ms against 47 ms); a word that matches nothing costs one index walk, 4 ms.
    # The subquery is self-contained, so it stays valid when `qs` is itself used as a subquery.
    matching = RawSQL(_FTS_MATCH, (fts5_query(words),))  # noqa: S611  (constant SQL; words are a parameter)
    return qs.alias(_search_pk=_Unindexed(F("pk"))).filter(_search_pk__in=matching)


def newest_matching_ids(alias: str, words: list[str], limit: int) -> list[int] | None:
    """The ids of the `limit` newest tickets (highest ids) whose text has every word, newest
    first, read from SQLite's full-text index alone (it keeps its rows in id order). None on
    PostgreSQL, or when no word is searchable."""
    words = _searchable(words)
    connection = connections[alias]
    if not words or connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_FTS_MATCH} ORDER BY rowid DESC LIMIT %s", (fts5_query(words), limit)
        )
        return [row[0] for row in cursor.fetchall()]


def listed_ids(ids: list[int] | str) -> RawSQL:
    """`ids` as one SQLite subquery parameter (a JSON array, or its text already): for `pk__in`
    with the hundreds of ids newest_matching_ids gives, where Django would compile and bind a
    parameter for each."""
    return RawSQL(
        "SELECT value FROM json_each(%s)",
        (ids if isinstance(ids, str) else json.dumps(ids),),
    )


def open_fts_index(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    """Open the FTS5 table when a SQLite connection opens, outside any transaction.

    FTS5 reads its configuration the first time a connection touches the table. Under heavy
    write load that first read, made inside a create's trigger, could fail ("vtable constructor
    failed": 2 of 506 creates at 64 connections in the benchmark). Here it runs before the
    connection takes part in any write, and is retried briefly.
    """
    if connection.vendor != "sqlite":
        return
    for attempt in range(5):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM tickets_ticket_fts WHERE rowid = 0")
        except DatabaseError as exc:
            if "no such table" in str(exc):
                return  # Before the migration that creates it.
            time.sleep(0.005 * (attempt + 1))
        else:
            return
