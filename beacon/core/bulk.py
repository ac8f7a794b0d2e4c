"""Inserting many rows fast, for bulk intake.

`insert_rows` writes what `bulk_create` writes (defaults, auto_now_add, JSON, foreign keys, each
value prepared by its field) as one prepared INSERT run over all rows (`executemany`). Django's
bulk_create compiles a multi-row statement value by value, which at thousands of rows costs more
than everything else an import does. Use it only where the primary keys are not needed.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.constants import OnConflict


def insert_rows(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """Insert `objs` (all of one model); with `ignore_conflicts`, rows that hit a unique
    constraint are skipped (as bulk_create(ignore_conflicts=True))."""
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [
        field for field in meta.local_concrete_fields if field is not meta.auto_field
    ]
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    # Only quoted model column names go into the text; every value is a parameter.
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{quote(meta.db_table)} ({columns}) VALUES ({placeholders}) {suffix}"
    )
    params = [
        [
            field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            for field in fields
        ]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
