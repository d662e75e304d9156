"""SQL Server (mssql-django) with the six schemas: each table in its real schema.

mssql-django quotes ``"ref.Country"`` as the single identifier ``[ref.Country]`` and only
introspects the login's default schema (mssql-django issues #56 and #183, pull request #281).
This wrapper quotes schema-qualified names as ``[ref].[Country]``, lists and inspects tables
in all six schemas, flushes them with schema-qualified statements, names column DEFAULT
constraints like the others (``DF_User_TimezoneIdentifier``), and keeps the statements a
migration defers in a stable order. ``eventlead.db.sqlserver`` renders every migration with it,
without a server, into ``docs/database/sqlserver-schema.sql``.
"""

from contextlib import contextmanager

from django.conf import settings
from mssql import base, introspection, operations, schema

from ... import naming
from ...schema import NamedConstraintsMixin, has_composite_pk


class DatabaseOperations(operations.DatabaseOperations):
    def quote_name(self, name):
        schema_name, table = naming.split_table(name or "")
        if schema_name and not name.startswith("["):
            return f"[{schema_name}].[{table}]"
        return super().quote_name(name)

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """Empty ``tables`` with foreign keys and triggers switched off, naming every table with
        its schema.

        The audit tables' append-only triggers (``eventlead.db.append_only``) refuse DELETE, so
        the tables that have enabled triggers get them disabled for the flush. Identity
        counters are left as they are: tests here do not ask for ``reset_sequences``.
        """
        if not tables:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME "
                "FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE CONSTRAINT_TYPE = 'FOREIGN KEY'"
            )
            foreign_keys = [
                (f"[{schema_name}].[{table}]", self.quote_name(name))
                for schema_name, table, name in cursor.fetchall()
            ]
            cursor.execute(
                "SELECT OBJECT_SCHEMA_NAME(parent_id), OBJECT_NAME(parent_id), "
                "CASE WHEN OBJECT_SCHEMA_NAME(parent_id) = SCHEMA_NAME() THEN 1 ELSE 0 END "
                "FROM sys.triggers WHERE parent_class = 1 AND is_disabled = 0"
            )
            triggered = set()
            for schema_name, table, in_default_schema in cursor.fetchall():
                triggered.add(f"{schema_name}.{table}")
                if in_default_schema:
                    triggered.add(table)
        guarded = [self.quote_name(table) for table in tables if table in triggered]
        statements = [f"ALTER TABLE {table} NOCHECK CONSTRAINT {fk};" for table, fk in foreign_keys]
        statements += [f"DISABLE TRIGGER ALL ON {table};" for table in guarded]
        statements += [f"DELETE FROM {self.quote_name(table)};" for table in tables]
        statements += [f"ENABLE TRIGGER ALL ON {table};" for table in guarded]
        statements += [f"ALTER TABLE {table} CHECK CONSTRAINT {fk};" for table, fk in foreign_keys]
        return statements


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    # CREATE SCHEMA must be alone in its batch, hence EXEC.
    sql_create_schema = "IF SCHEMA_ID(N'%(name)s') IS NULL EXEC(N'CREATE SCHEMA [%(name)s]')"

    def create_model(self, model):
        # mssql-django de-duplicates the deferred statements (foreign keys, indexes) with
        # list(set(...)), so their order follows string hashes and changes from process to
        # process. Keep the earlier statements in place and sort the new ones by their SQL:
        # the same migrations then always run, and render, in the same order.
        earlier = list(self.deferred_sql)  # holds the objects, so their ids stay theirs
        position = {id(statement): index for index, statement in enumerate(earlier)}
        super().create_model(model)
        self.deferred_sql.sort(key=lambda statement: (position.get(id(statement), len(earlier)), str(statement)))

    def _iter_column_sql(self, column_db_type, params, model, field, field_db_params, include_default):
        # SQL Server keeps every column DEFAULT as a constraint and, left unnamed, names it
        # itself (DF__User__Timezon__1A2B3C4D). Name it the way the standard names the others.
        for part in super()._iter_column_sql(column_db_type, params, model, field, field_db_params, include_default):
            if part.startswith("DEFAULT "):
                part = f"CONSTRAINT {self.quote_name(default_name(model, field))} {part}"
            yield part

    def _alter_column_default_sql(self, model, old_field, new_field, drop=False):
        build = super()._alter_column_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _alter_column_database_default_sql(self, model, old_field, new_field, drop=False):
        build = super()._alter_column_database_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _named_default_sql(self, build, model, old_field, new_field, drop):
        """Add a column's DEFAULT under its DF_ name, or drop the one the table has.

        To drop, mssql-django looks the name up in sys.default_constraints with
        ``t.name = 'dbo.User'``, which no schema-qualified table matches, through a query that
        returns nothing while SQL is only being collected. Introspection (schema-aware here,
        and the script's own catalogue when rendering offline) names it instead.
        """
        if not drop:
            sql, params = build(model, old_field, new_field)
            name = self.quote_name(default_name(model, new_field))
            return sql.replace("ADD DEFAULT ", f"ADD CONSTRAINT {name} DEFAULT ", 1), params
        with self.connection.cursor() as cursor:
            constraints = self.connection.introspection.get_constraints(cursor, model._meta.db_table)
        names = [
            name
            for name, constraint in constraints.items()
            if constraint["default"] and constraint["columns"] == [new_field.column]
        ]
        if len(names) != 1:
            raise ValueError(f"Found {len(names)} DEFAULT constraints on {model._meta.db_table}.{new_field.column}.")
        return self.sql_alter_column_no_default % {"column": self.quote_name(names[0])}, []

    def execute(self, sql, params=(), has_result=False):
        # mssql-django writes a composite primary key inline as "PRIMARY KEY (...)" in
        # create_model() instead of calling _pk_constraint_sql(); name it here.
        model = getattr(self, "_model_being_created", None)
        if model is not None and has_composite_pk(model) and str(sql).startswith("CREATE TABLE"):
            name = self.quote_name(naming.primary_key_name(model._meta.db_table))
            sql = str(sql).replace(", PRIMARY KEY (", f", CONSTRAINT {name} PRIMARY KEY (", 1)
        return super().execute(sql, params, has_result)


def default_name(model, field) -> str:
    """``DF_User_TimezoneIdentifier``: the DEFAULT constraint of a column, as SQL Server needs one."""
    return f"DF_{naming.constraint_stem(model._meta.db_table)}_{field.column}"


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


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
