"""PostgreSQL with the six schemas: each table in its real schema."""

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db.backends.ddl_references import Statement
from django.db.backends.postgresql import base, introspection, operations, schema

# PostgreSQL's TableInfo (with the table's comment): django-stubs leaves it out.
from django.db.backends.postgresql.introspection import TableInfo  # type: ignore[attr-defined]
from django.db.backends.utils import CursorWrapper
from django.db.models import Model

from ... import naming
from ...schema import NamedConstraintsMixin

_R = TypeVar("_R")


class DatabaseOperations(operations.DatabaseOperations):
    def quote_name(self, name: str) -> str:
        schema_name, table = naming.split_table(name)
        if schema_name and not name.startswith('"'):
            return f'"{schema_name}"."{table}"'
        return super().quote_name(name)


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    sql_create_schema = 'CREATE SCHEMA IF NOT EXISTS "%(name)s"'

    def _delete_index_sql(
        self, model: type[Model], name: str, sql: str | None = None, concurrently: bool = False
    ) -> Statement:
        # DROP INDEX names no table, so an index in a schema off the search path ("dbo")
        # must be named with its schema, or IF EXISTS silently drops nothing.
        # _delete_index_sql() is private to Django: django-stubs leaves it out.
        statement: Statement = super()._delete_index_sql(model, name, sql, concurrently=concurrently)  # type: ignore[misc]
        schema_name, _ = naming.split_table(model._meta.db_table)
        if schema_name:
            # django-stubs types the parts as Table references; Django renders any part with str().
            statement.parts["name"] = f'"{schema_name}".{self.quote_name(name)}'  # type: ignore[assignment]
        return statement


@contextmanager
def _visible_schema(cursor: CursorWrapper, schema_name: str) -> Iterator[None]:
    """Put ``schema_name`` first on the search path, so Django's name-based queries find it."""
    cursor.execute("SELECT current_setting('search_path')")
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('search_path', %s, false)", [f'"{schema_name}", {previous}'])
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('search_path', %s, false)", [previous])


def _in_schema(method: Callable[..., _R]) -> Callable[..., _R]:
    """An introspection ``method`` for a table named with its schema (``ref.Country``): it
    runs with that schema first on the search path, on the bare table name."""

    def wrapper(
        self: introspection.DatabaseIntrospection, cursor: CursorWrapper, table_name: str, *args: Any, **kwargs: Any
    ) -> _R:
        schema_name, table = naming.split_table(table_name)
        if schema_name is None:
            return method(self, cursor, table_name, *args, **kwargs)
        with _visible_schema(cursor, schema_name):
            return method(self, cursor, table, *args, **kwargs)

    wrapper.__name__ = method.__name__
    return wrapper


class DatabaseIntrospection(introspection.DatabaseIntrospection):
    # django-stubs lets the cursor be None; Django always passes one (table_names() opens it).
    def get_table_list(self, cursor: CursorWrapper) -> list[TableInfo]:  # type: ignore[override]
        """List tables in the six schemas as ``schema.Table``, and the visible ones bare."""
        cursor.execute(
            """
            SELECT n.nspname, c.relname,
                   CASE WHEN c.relkind IN ('m', 'v') THEN 'v' ELSE 't' END,
                   obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v')
              AND (n.nspname = ANY(%s) OR (pg_catalog.pg_table_is_visible(c.oid)
                   AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')))
            """,
            [list(naming.SCHEMAS)],
        )
        return [
            TableInfo(f"{nsp}.{name}" if nsp in naming.SCHEMAS else name, kind, comment)
            for nsp, name, kind, comment in cursor.fetchall()
            if name not in self.ignored_tables
        ]

    get_table_description = _in_schema(introspection.DatabaseIntrospection.get_table_description)
    get_sequences = _in_schema(introspection.DatabaseIntrospection.get_sequences)
    get_relations = _in_schema(introspection.DatabaseIntrospection.get_relations)
    get_constraints = _in_schema(introspection.DatabaseIntrospection.get_constraints)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        """Whether the persistent connection still works, told without a round trip.

        With CONN_HEALTH_CHECKS, Django asks this before the first query of every request, and
        its own answer sends ``SELECT 1``: one round trip more on each request. A connection the
        server has ended (a restart, a failover, ``pg_terminate_backend``, an idle timeout) has
        input waiting, the server's FATAL message and then end of file, where a healthy idle
        connection has none (it listens to no notifications). So nothing to read means usable;
        anything to read, or a socket that cannot be polled, means Django drops the connection
        and the next query opens a new one. A peer that vanished without closing (a cut link)
        is caught by neither check in time; TCP keepalives are for that.
        """
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
