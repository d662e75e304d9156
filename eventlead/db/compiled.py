"""Fixed-shape queries compiled to SQL once per connection, then run with new parameters.

Compiling a queryset costs more than running it on a hot path: building the SELECT list of a
wide row and its joins takes several times the CPU of the round trip itself. A
``CompiledQuery`` is written as an ordinary queryset, so it reads like one and each engine's
backend writes its SQL, and it is compiled the first time it runs on a connection: its
parameters are stand-ins, found again in the compiled parameters and replaced on each run.
Rows come back as Django builds them: model instances with their ``select_related`` objects
(``instances``), or tuples from ``values_list`` (``rows``), each column through the same
converters the ORM applies.

Only the shape is fixed. The SQL is what the ORM would send for the same queryset, so query
counts, the SQL Server checks (``compiled_queries()`` lists every one for the offline pass)
and the database's plans are the same as the ORM's.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet

# Django's own builder of select_related objects; django-stubs leave it out.
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# Stand-ins for each parameter type: values no real query passes, so each is found exactly once.
_STAND_INS: dict[type, Callable[[int], object]] = {
    int: lambda position: -2_000_000_000 + 7919 * position,
    str: lambda position: f"\x00compiled-query-parameter-{position}\x00",
    datetime: lambda position: datetime(1, 1, 1, 0, 0, 0, 7919 + position, tzinfo=UTC),
}


def _driver_value(connection: BaseDatabaseWrapper, kind: type, value: object) -> object:
    """An argument as the ORM hands it to the driver: a time through the backend's adapter
    (``DateTimeField.get_db_prep_value``), which is also how it appears among the compiled parameters."""
    if kind is datetime and isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


_registry: list[CompiledQuery[Any]] = []


@dataclass(frozen=True)
class _Instances:
    """How a row becomes a model instance and its ``select_related`` objects (Django's own plan)."""

    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    related_populators: tuple[Any, ...]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each SQL parameter: the argument it takes (its name), or a constant of the query.
    parameters: tuple[tuple[bool, object], ...]
    # Only the selected columns are kept (some engines need an ORDER BY term selected too).
    width: int
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    instances: _Instances | None


class CompiledQuery(Generic[M]):
    """A queryset of fixed shape, built by ``build(**arguments)``, compiled once per connection.

    ``arguments`` names each parameter and its type (``int``, ``str`` or ``datetime``, an aware
    one, given to the driver as the ORM gives a ``DateTimeField`` value). ``build`` must use
    each one exactly once, as a plain filter value, so its place among the SQL parameters can
    be found again.
    """

    def __init__(self, build: Callable[..., QuerySet[M, Any]], **arguments: type) -> None:
        unsupported = {name: kind for name, kind in arguments.items() if kind not in _STAND_INS}
        if unsupported:
            raise ImproperlyConfigured(
                f"CompiledQuery arguments must be int or str, or an aware datetime: {unsupported}"
            )
        self.build = build
        self.arguments = arguments
        self._by_connection: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = weakref.WeakKeyDictionary()
        _registry.append(self)

    def __repr__(self) -> str:
        return f"<CompiledQuery {self.build.__qualname__}({', '.join(self.arguments)})>"

    def queryset(self, **arguments: object) -> QuerySet[M, Any]:
        """The queryset this query runs, with real arguments: what the ORM would evaluate."""
        return self.build(**arguments)

    def instances(self, **arguments: object) -> list[M]:
        """Model instances, with their ``select_related`` objects, as the queryset would give them."""
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled(connection)
        plan = compiled.instances
        if plan is None:
            raise ImproperlyConfigured(f"{self!r} selects values; use rows().")
        found: list[M] = []
        for row in self._execute(connection, compiled, arguments):
            instance: M = plan.model.from_db(connection.alias, plan.init_list, row[plan.start : plan.end])  # type: ignore[assignment]  # the model build() queries
            for populator in plan.related_populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def first(self, **arguments: object) -> M | None:
        found = self.instances(**arguments)
        return found[0] if found else None

    def rows(self, **arguments: object) -> list[list[Any]]:
        """The rows of a ``values_list`` queryset, converted as the ORM converts them."""
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled(connection)
        if compiled.instances is not None:
            raise ImproperlyConfigured(f"{self!r} selects instances; use instances().")
        return list(self._execute(connection, compiled, arguments))

    def sql(self, connection: BaseDatabaseWrapper) -> tuple[str, int]:
        """The SQL this query runs on ``connection`` and its parameter count (compiled if new)."""
        compiled = self._compiled(connection)
        return compiled.sql, len(compiled.parameters)

    def compiler(self, connection: BaseDatabaseWrapper) -> SQLCompiler:
        """The compiler of this query, with stand-in arguments, for ``connection``."""
        compiler: SQLCompiler = self.build(**self._stand_ins()).query.get_compiler(connection=connection)
        return compiler

    def _stand_ins(self) -> dict[str, object]:
        return {name: _STAND_INS[kind](position) for position, (name, kind) in enumerate(self.arguments.items())}

    def _execute(
        self, connection: BaseDatabaseWrapper, compiled: _Compiled, arguments: dict[str, object]
    ) -> Iterator[list[Any]]:
        if arguments.keys() != self.arguments.keys():
            raise TypeError(f"{self!r} takes {sorted(self.arguments)}, not {sorted(arguments)}")
        parameters = [
            _driver_value(connection, self.arguments[str(value)], arguments[str(value)]) if is_argument else value
            for is_argument, value in compiled.parameters
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, parameters)  # type: ignore[arg-type]  # the ORM's own parameters
            fetched = cursor.fetchall()
        for row in (list(row[: compiled.width]) for row in fetched):
            for position, converters, expression in compiled.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            yield row

    def _compiled(self, connection: BaseDatabaseWrapper) -> _Compiled:
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = self._compile(connection)
        return compiled

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        stand_ins = self._stand_ins()
        compiler = self.compiler(connection)
        sql, sql_parameters = compiler.as_sql()
        by_value = {_driver_value(connection, self.arguments[name], value): name for name, value in stand_ins.items()}
        parameters = tuple(
            (True, by_value[value]) if type(value) in _STAND_INS and value in by_value else (False, value)
            for value in sql_parameters
        )
        used = [value for is_argument, value in parameters if is_argument]
        if sorted(used) != sorted(self.arguments):
            raise ImproperlyConfigured(
                f"{self!r}: each argument must appear once as a plain SQL parameter; found {used}"
            )
        expressions = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(expressions).items()
        )
        return _Compiled(sql, parameters, len(expressions), converters, self._instances(compiler, connection))

    def _instances(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _Instances | None:
        """Django's plan for building instances from the rows; None for a values query."""
        if compiler.query.values_select or compiler.klass_info is None:
            return None
        if compiler.annotation_col_map:
            raise ImproperlyConfigured(f"{self!r}: annotations on model instances are not supported")
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Instances(
            klass_info["model"],
            [column[0].target.attname for column in compiler.select[start:end]],
            start,
            end,
            tuple(get_related_populators(klass_info, compiler.select, connection.alias)),
        )


def compiled_queries() -> list[CompiledQuery[Any]]:
    """Every compiled query defined so far (the SQL Server checks compile each one)."""
    return list(_registry)


def forget_compiled() -> None:
    """Drop every compiled statement, so the next run compiles from the queryset as written.

    Tests call it before each test: a change to a queryset (or a mutant of one) must show in
    the SQL run, not hide behind SQL compiled by an earlier test in the same process.
    """
    for query in _registry:
        query._by_connection.clear()
