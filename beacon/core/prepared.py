"""ORM queries of a fixed shape, compiled to SQL once and then run through a plain cursor.

Building and compiling a queryset costs about 0.3 ms of CPU per statement, ten times what
SQLite takes to answer a primary-key or unique-index lookup. On the hot paths (the API token's
owner, the customer of an API create, the viewer's teams) the query is always the same but for
its arguments, so `PreparedQuery` builds the queryset once per database connection with
stand-in values for the arguments, keeps the SQL, the place of each argument among the
parameters and the columns' converters, and afterwards only executes. What comes back is what
the queryset would return: model instances (`Model.from_db`, so deferred loading, `_state` and
signals behave as usual), `values_list` tuples or `values` dictionaries, converted by the same
converters.

A datetime argument (aware) reaches the SQL as the backend stores it
(`adapt_datetimefield_value`), for lookups that pass it through unchanged (exact, lt, gte, ...).

An argument may also be a list of integers for an `__in` lookup (a page's ticket ids): the SQL
is compiled once per size class (8, 16, 32, ... values), and a shorter list is padded with its
last value, which changes nothing for `IN`. Such an argument is for filters that every row must
pass: an empty list answers no rows without running anything.

Only plain shapes are accepted (no select_related, annotations or prefetches; arguments that
the lookup passes through unchanged, such as `exact` on text or integer columns): compiling
anything else fails loudly, at the first use, rather than answering wrongly.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, ValuesListIterable

# Stand-ins for the arguments while compiling: values no real argument has, told apart by type.
_STAND_IN_TEXT = "\x00prepared-argument-{}\x00"
# Numbers: this plus the argument's position times 2**32, which keeps every stand-in within a
# 64-bit column's range (Django treats an out-of-range value as matching nothing and leaves it
# out of the SQL).
_STAND_IN_NUMBER = -(2**62) + 7_919
_STAND_IN_STEP = 2**32
# A list argument's values are the argument's stand-in number plus 1, 2, 3, ...
_SMALLEST_LIST = 8
# Datetimes: a moment of the year 1 (no ticket's), the argument's position in microseconds.
_STAND_IN_MOMENT = datetime(1, 1, 1, 0, 0, 7, 919, tzinfo=UTC)

type _Kind = type[str] | type[int] | type[list[int]] | type[datetime]
# Where a parameter comes from: (argument, index in a list argument or None), or None for a
# constant of the queryset.
type _Slot = tuple[str, int | None] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of `sql`: where its value comes from, or a constant (in `constants`).
    slots: tuple[_Slot, ...]
    constants: tuple[Any, ...]
    # Column position -> (converters, expression), as SQLCompiler.get_converters returns them.
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    # None: rows are values_list tuples or values dictionaries.
    model: type[Model] | None
    # Model rows: the columns' attribute names; values rows: the dictionaries' keys.
    attnames: tuple[str, ...]
    as_dicts: bool


class PreparedQuery[R]:
    """A queryset built by `build(**arguments)`, compiled once per connection (and list size
    class); see the module docstring. `arguments` names each argument and its type: str, int,
    or list for a list of integers."""

    def __init__(
        self, build: Callable[..., QuerySet[Any, R]], **arguments: _Kind
    ) -> None:
        for name, kind in arguments.items():
            if kind not in (str, int, list, datetime):
                raise TypeError(
                    f"Argument {name!r}: only str, int, datetime and list arguments."
                )
        self._build = build
        self._arguments = arguments
        self._lists = tuple(name for name, kind in arguments.items() if kind is list)
        self._moments = tuple(
            name for name, kind in arguments.items() if kind is datetime
        )
        self._compiled: weakref.WeakKeyDictionary[
            BaseDatabaseWrapper, dict[tuple[int, ...], _Compiled]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def all(self, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> list[R]:
        """Every row, as the queryset would give them (model instances, tuples or dicts)."""
        sizes: tuple[int, ...] = ()
        if self._lists:
            arguments = dict(arguments)
            for name in self._lists:
                values = list(dict.fromkeys(int(value) for value in arguments[name]))
                if not values:
                    return []
                size = _size_class(len(values))
                arguments[name] = values + values[-1:] * (size - len(values))
                sizes += (size,)
        connection = connections[using]
        if self._moments:
            arguments = dict(arguments)
            for name in self._moments:
                moment = arguments[name]
                if moment.tzinfo is None:
                    raise ValueError(
                        f"PreparedQuery: {name!r} must be an aware datetime."
                    )
                arguments[name] = connection.ops.adapt_datetimefield_value(moment)
        compiled = self._compiled.get(connection, {}).get(sizes)
        if compiled is None:
            compiled = self._compile(connection, sizes)
        params = [
            constant
            if slot is None
            else arguments[slot[0]]
            if slot[1] is None
            else arguments[slot[0]][slot[1]]
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Sequence[Any] = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.as_dicts:
            keys = compiled.attnames
            return [dict(zip(keys, row, strict=True)) for row in rows]  # type: ignore[misc]  # R is the dict type
        if compiled.model is None:
            return [tuple(row) for row in rows]  # type: ignore[misc]  # R is the tuple type
        model, attnames = compiled.model, compiled.attnames
        return [model.from_db(using, attnames, row) for row in rows]  # type: ignore[misc]  # R is the model

    def first(self, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> R | None:
        """The first row or None (the queryset should be sliced to one row)."""
        rows = self.all(using, **arguments)
        return rows[0] if rows else None

    def _compile(
        self, connection: BaseDatabaseWrapper, sizes: tuple[int, ...]
    ) -> _Compiled:
        size_of = dict(zip(self._lists, sizes, strict=True))
        stand_ins: dict[str, Any] = {}
        by_value: dict[tuple[type, Any], tuple[str, int | None]] = {}
        for position, (name, kind) in enumerate(self._arguments.items()):
            if kind is list:
                base = _STAND_IN_NUMBER + position * _STAND_IN_STEP
                stand_ins[name] = [base + 1 + index for index in range(size_of[name])]
                for index, value in enumerate(stand_ins[name]):
                    by_value[(int, value)] = (name, index)
            elif kind is datetime:
                moment = _STAND_IN_MOMENT + timedelta(microseconds=position)
                stand_ins[name] = moment
                # What the SQL's parameter will be: the backend's stored form.
                adapted = connection.ops.adapt_datetimefield_value(moment)
                by_value[(type(adapted), adapted)] = (name, None)
            else:
                value = (
                    _STAND_IN_TEXT.format(position)
                    if kind is str
                    else _STAND_IN_NUMBER + position * _STAND_IN_STEP
                )
                stand_ins[name] = value
                by_value[(type(value), value)] = (name, None)
        queryset = self._build(**stand_ins)
        query = queryset.query
        # Private QuerySet attributes (no public accessors): how rows are built, prefetches.
        iterable = getattr(queryset, "_iterable_class", None)
        if (
            query.select_related
            or query.annotation_select
            or getattr(queryset, "_prefetch_related_lookups", None)
        ):
            raise ValueError(
                "PreparedQuery: select_related, annotations and prefetches are not supported."
            )
        if iterable not in (ModelIterable, ValuesListIterable, ValuesIterable):
            raise ValueError(
                "PreparedQuery: only model rows, values_list tuples and values dictionaries."
            )
        if iterable is ValuesIterable and (
            query.extra_select or not query.values_select
        ):
            raise ValueError("PreparedQuery: values() must name its fields.")
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots: list[_Slot] = []
        constants: list[Any] = []
        for param in params:
            slot = by_value.get((type(param), param))
            slots.append(slot)
            constants.append(None if slot is not None else param)
        missing = set(by_value.values()) - set(slots)
        if missing or any(str(value) in sql for _kind, value in by_value):
            names = sorted({name for name, _index in missing} or stand_ins)
            raise ValueError(
                f"PreparedQuery: the arguments {names} do not reach the SQL as parameters "
                "unchanged; use a plain exact or in lookup."
            )
        columns = [expression for expression, _sql, _alias in compiler.select]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(
                columns
            ).items()
        )
        model: type[Model] | None = None
        attnames: tuple[str, ...] = ()
        if iterable is ValuesIterable:
            attnames = tuple(query.values_select)
        elif iterable is ModelIterable:
            model = queryset.model
            info = compiler.klass_info
            assert info is not None  # a model query always has it
            fields = info["select_fields"]
            if list(fields) != list(range(len(columns))):
                raise ValueError(
                    "PreparedQuery: model rows must select only the model's columns."
                )
            attnames = tuple(column.target.attname for column in columns)
        compiled = _Compiled(
            sql=sql,
            slots=tuple(slots),
            constants=tuple(constants),
            converters=converters,
            model=model,
            attnames=attnames,
            as_dicts=iterable is ValuesIterable,
        )
        with self._lock:
            self._compiled.setdefault(connection, {})[sizes] = compiled
        return compiled


def _size_class(length: int) -> int:
    """The number of values a list argument's SQL is compiled for: a power of two, at least 8."""
    size = _SMALLEST_LIST
    while size < length:
        size *= 2
    return size


def _convert(
    row: Sequence[Any],
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    values = list(row)
    for position, functions, expression in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values
