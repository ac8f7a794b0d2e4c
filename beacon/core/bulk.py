"""Inserting many rows fast, for bulk intake.

`insert_rows` writes what `bulk_create` writes (defaults, auto_now_add, JSON, foreign keys, each
value prepared by its field) as one prepared INSERT run over all rows (`executemany`). Django's
bulk_create compiles a multi-row statement value by value, which at thousands of rows costs more
than everything else an import does. Use it only where the primary keys are not needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.constants import OnConflict

# Field classes whose pre_save is the attribute itself and whose value of this Python type goes
# to the database unchanged (get_db_prep_save only checks it). Exact classes: a subclass may
# convert. Integers only on SQLite: PostgreSQL (psycopg 3) may wrap them in sized types.
_UNCHANGED: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
    models.BooleanField: (bool,),
}
_INTEGERS: tuple[type[models.Field[Any, Any]], ...] = (
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def _preparer(
    field: models.Field[Any, Any], db: BaseDatabaseWrapper
) -> Callable[[Model], Any]:
    """`field.get_db_prep_save(field.pre_save(obj, add=True), db)` as a function of `obj`, with
    the common values (a str in a text field, a bool in a boolean field, an int in an integer
    field or a foreign key to an integer key, None) taken as they are. At thousands of rows the
    chain of prep calls per value costs more than the INSERT itself."""
    plain: tuple[type, ...] = _UNCHANGED.get(type(field), ())
    if db.vendor == "sqlite":
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        if type(target) in _INTEGERS:
            plain = (int,)

    def slow(obj: Model) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, add=True), db)

    if (
        db.vendor == "sqlite"
        and settings.USE_TZ
        and type(field) is models.DateTimeField
        and not (field.auto_now or field.auto_now_add)
    ):
        # What SQLite's adapt_datetimefield_value makes of an aware datetime: the naive time in
        # the connection's zone as text. A notice's send time, an SLA due time: a row or more
        # per ticket of a batch of creates.
        time_attname, zone = field.attname, db.timezone

        def fast_time(obj: Model) -> Any:
            value = getattr(obj, time_attname)
            if type(value) is datetime and value.utcoffset() is not None:
                return str(value.astimezone(zone).replace(tzinfo=None))
            return slow(obj)

        return fast_time
    if not plain:
        return slow
    attname = field.attname

    def fast(obj: Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) in plain:
            return value
        return slow(obj)

    return fast


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
    # The connection itself, not the per-context proxy, which every value would go through.
    db = connections[connection.alias]
    prepare = [_preparer(field, db) for field in fields]
    # Only quoted model column names go into the text; every value is a parameter.
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{quote(meta.db_table)} ({columns}) VALUES ({placeholders}) {suffix}"
    )
    params = [[value(obj) for value in prepare] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_returning(objs: Sequence[Model]) -> None:
    """`insert_rows` for rows whose primary keys are needed: one multi-row INSERT ... RETURNING
    per chunk, setting each object's key as bulk_create does (in `objs`' order). Falls back to
    bulk_create on a database that cannot return rows from a bulk insert."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objs)
        return
    fields = [
        field for field in meta.local_concrete_fields if field is not meta.auto_field
    ]
    pk = meta.pk
    assert pk is not None  # every concrete model has one
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    db = connections[connection.alias]
    prepare = [_preparer(field, db) for field in fields]
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        # Only quoted model column names go into the text; every value is a parameter.
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(chunk))} RETURNING {quote(str(pk.column))}"
        )
        params = [value(obj) for obj in chunk for value in prepare]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            keys = [key for (key,) in cursor.fetchall()]
        for obj, key in zip(chunk, keys, strict=True):
            setattr(obj, pk.attname, key)
            obj._state.adding = False
            obj._state.db = connection.alias
