"""Inserting many rows fast, for bulk intake.

`insert_rows` writes what `bulk_create` writes (defaults, auto_now_add, JSON, foreign keys, each
value prepared by its field) as one prepared INSERT run over all rows (`executemany`). Django's
bulk_create compiles a multi-row statement value by value, which at thousands of rows costs more
than everything else an import does. Use it only where the primary keys are not needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field, Model
from django.db.models import fields as model_fields
from django.db.models.constants import OnConflict
from django.db.models.fields.related import ForeignKey

# Field classes whose preparation returns a value of these exact types unchanged (Django's own
# classes only: a subclass may prepare differently). For them `_prepared` skips the chain of
# get_db_prep_save -> get_db_prep_value -> get_prep_value -> to_python, which costs more than
# the INSERT itself when a create writes five rows of twenty columns.
_TEXT_FIELDS = (
    model_fields.CharField,
    model_fields.TextField,
    model_fields.EmailField,
    model_fields.SlugField,
    model_fields.URLField,
)
_INTEGER_FIELDS = (
    model_fields.IntegerField,
    model_fields.SmallIntegerField,
    model_fields.BigIntegerField,
    model_fields.PositiveIntegerField,
    model_fields.PositiveSmallIntegerField,
    model_fields.PositiveBigIntegerField,
    model_fields.AutoField,
    model_fields.BigAutoField,
    model_fields.SmallAutoField,
)


def _unchanged_types(
    field: Field[Any, Any], connection: BaseDatabaseWrapper
) -> tuple[type, ...]:
    """The value types `field` stores exactly as given on `connection` (none if unsure)."""
    if type(field) is ForeignKey:
        target = field.target_field
        return _unchanged_types(target, connection) if target is not field else ()
    if type(field) in _TEXT_FIELDS:
        return (str, type(None))
    if type(field) is model_fields.BooleanField:
        return (bool,)
    # PostgreSQL wraps integers in typed adapters; the base operations leave them as they are.
    integers_unchanged = (
        type(connection.ops).adapt_integerfield_value
        is BaseDatabaseOperations.adapt_integerfield_value
    )
    if type(field) in _INTEGER_FIELDS and integers_unchanged:
        return (int, type(None))
    return ()


def _preparers(
    field_list: Sequence[Field[Any, Any]], connection: BaseDatabaseWrapper
) -> list[tuple[Field[Any, Any], tuple[type, ...]]]:
    return [(field, _unchanged_types(field, connection)) for field in field_list]


def _prepared(
    obj: Model,
    preparers: list[tuple[Field[Any, Any], tuple[type, ...]]],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    row = []
    for field, unchanged in preparers:
        value = field.pre_save(obj, add=True)
        if type(value) not in unchanged:
            value = field.get_db_prep_save(value, connection)
        row.append(value)
    return row


def insert_rows(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """Insert `objs` (all of one model); with `ignore_conflicts`, rows that hit a unique
    constraint are skipped (as bulk_create(ignore_conflicts=True))."""
    if not objs:
        return
    # The connection itself, not django.db.connection: every value's preparation reads it
    # (connection.ops ...), and through the thread-local proxy each read costs a lookup.
    connection = connections[DEFAULT_DB_ALIAS]
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
    preparers = _preparers(fields, connection)
    params = [_prepared(obj, preparers, connection) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_returning(objs: Sequence[Model]) -> None:
    """`insert_rows` for rows whose primary keys are needed: one multi-row INSERT ... RETURNING
    per chunk, setting each object's key as bulk_create does (in `objs`' order). Falls back to
    bulk_create on a database that cannot return rows from a bulk insert."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]
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
    preparers = _preparers(fields, connection)
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        # Only quoted model column names go into the text; every value is a parameter.
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(chunk))} RETURNING {quote(str(pk.column))}"
        )
        params = [
            value for obj in chunk for value in _prepared(obj, preparers, connection)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            keys = [key for (key,) in cursor.fetchall()]
        for obj, key in zip(chunk, keys, strict=True):
            setattr(obj, pk.attname, key)
            obj._state.adding = False
            obj._state.db = connection.alias
