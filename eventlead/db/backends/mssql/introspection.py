"""Introspection of tables in the six schemas."""

from contextlib import contextmanager

from django.conf import settings
from mssql import introspection

from ... import naming


@contextmanager
def _inspecting(schema_name):
    """Point mssql-django's introspection (``SCHEMA_TO_INSPECT``) at one schema."""
    missing = object()
    previous = getattr(settings, "SCHEMA_TO_INSPECT", missing)
    settings.SCHEMA_TO_INSPECT = f"'{schema_name}'"
    try:
        yield
    finally:
        if previous is missing:
            del settings.SCHEMA_TO_INSPECT
        else:
            settings.SCHEMA_TO_INSPECT = previous


class DatabaseIntrospection(introspection.DatabaseIntrospection):
    def get_table_list(self, cursor):
        """List tables in the six schemas as ``schema.Table``; the default schema's also bare."""
        cursor.execute(
            "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, "
            "CASE WHEN TABLE_SCHEMA = SCHEMA_NAME() THEN 1 ELSE 0 END "
            "FROM INFORMATION_SCHEMA.TABLES"
        )
        kinds = {"BASE TABLE": "t", "VIEW": "v"}
        tables = []
        for schema_name, name, kind, is_default in cursor.fetchall():
            if name in self.ignored_tables:
                continue
            if schema_name in naming.SCHEMAS:
                tables.append(introspection.TableInfo(f"{schema_name}.{name}", kinds.get(kind), None))
            if is_default:
                tables.append(introspection.TableInfo(name, kinds.get(kind), None))
        return tables

    def _in_schema(method):  # noqa: N805 - a decorator used in the class body
        def wrapper(self, cursor, table_name, *args, **kwargs):
            schema_name, table = naming.split_table(table_name)
            if schema_name is None:
                return method(self, cursor, table_name, *args, **kwargs)
            with _inspecting(schema_name):
                return method(self, cursor, table, *args, **kwargs)

        wrapper.__name__ = method.__name__
        return wrapper

    get_table_description = _in_schema(introspection.DatabaseIntrospection.get_table_description)
    get_sequences = _in_schema(introspection.DatabaseIntrospection.get_sequences)
    get_relations = _in_schema(introspection.DatabaseIntrospection.get_relations)
    get_key_columns = _in_schema(introspection.DatabaseIntrospection.get_key_columns)
    get_constraints = _in_schema(introspection.DatabaseIntrospection.get_constraints)
    get_primary_key_column = _in_schema(introspection.DatabaseIntrospection.get_primary_key_column)
    del _in_schema
