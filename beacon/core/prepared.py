"""ORM queries of a fixed shape, compiled to SQL once and then run through a plain cursor.

Building and compiling a queryset costs about 0.3 ms of CPU per statement, ten times what
SQLite takes to answer a primary-key or unique-index lookup. On the hot paths (the API token's
owner, the customer of an API create, the viewer's teams) the query is always the same but for
its arguments, so `PreparedQuery` builds the queryset once per database connection with
stand-in values for the arguments, keeps the SQL, the place of each argument among the
parameters and the columns' converters, and afterwards only executes. What comes back is what
the queryset would return: model instances (`Model.from_db`, so deferred loading, `_state` and
signals behave as usual) or `values_list` tuples, converted by the same converters.

Only plain shapes are accepted (no select_related, annotations or prefetches; arguments that
the lookup passes through unchanged, such as `exact` on text or integer columns): compiling
anything else fails loudly, at the first use, rather than answering wrongly.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

# Stand-ins for the arguments while compiling: values no real argument has, told apart by type.
_STAND_IN_TEXT = "\x00prepared-argument-{}\x00"
_STAND_IN_NUMBER = -(2**62) + 7_919  # times the argument's position


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of `sql`: the name of an argument, or a constant (in `constants`).
    slots: tuple[str | None, ...]
    constants: tuple[Any, ...]
    # Column position -> (converters, expression), as SQLCompiler.get_converters returns them.
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    model: type[Model] | None  # None: rows are values_list tuples
    attnames: tuple[str, ...]


class PreparedQuery[R]:
    """A queryset built by `build(**arguments)`, compiled once per connection; see the module
    docstring. `arguments` names each argument and its type (str or int)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any, R]], **arguments: type[str] | type[int]
    ) -> None:
        for name, kind in arguments.items():
            if kind not in (str, int):
                raise TypeError(f"Argument {name!r}: only str and int arguments.")
        self._build = build
        self._arguments = arguments
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def all(self, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> list[R]:
        """Every row, as the queryset would give them (model instances or tuples)."""
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compile(connection)
        params = [
            arguments[slot] if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Sequence[Any] = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.model is None:
            return [tuple(row) for row in rows]  # type: ignore[misc]  # R is the tuple type
        model, attnames = compiled.model, compiled.attnames
        return [model.from_db(using, attnames, row) for row in rows]  # type: ignore[misc]  # R is the model

    def first(self, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> R | None:
        """The first row or None (the queryset should be sliced to one row)."""
        rows = self.all(using, **arguments)
        return rows[0] if rows else None

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        stand_ins = {
            name: _STAND_IN_TEXT.format(position)
            if kind is str
            else _STAND_IN_NUMBER * (position + 1)
            for position, (name, kind) in enumerate(self._arguments.items())
        }
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
        if iterable not in (ModelIterable, ValuesListIterable):
            raise ValueError("PreparedQuery: only model rows and values_list tuples.")
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        by_value = {(type(value), value): name for name, value in stand_ins.items()}
        slots: list[str | None] = []
        constants: list[Any] = []
        for param in params:
            name = by_value.get((type(param), param))
            slots.append(name)
            constants.append(None if name is not None else param)
        missing = set(stand_ins) - {slot for slot in slots if slot is not None}
        if missing or any(str(value) in sql for value in stand_ins.values()):
            raise ValueError(
                f"PreparedQuery: the arguments {sorted(missing) or sorted(stand_ins)} do not reach "
                "the SQL as parameters unchanged; use a plain exact lookup."
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
        if iterable is ModelIterable:
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
        )
        with self._lock:
            self._compiled[connection] = compiled
        return compiled


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
