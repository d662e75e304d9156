"""Schema-qualified names (``[ref].[Country]``) and a flush that names every table with its schema."""

from collections.abc import Sequence

from django.core.management.color import Style
from mssql import operations

from ... import naming


class DatabaseOperations(operations.DatabaseOperations):
    compiler_module = "eventlead.db.backends.mssql.compiler"

    def quote_name(self, name: str) -> str:
        schema_name, table = naming.split_table(name or "")
        if schema_name and not name.startswith("["):
            return f"[{schema_name}].[{table}]"
        quoted: str = super().quote_name(name)
        return quoted

    def sql_flush(
        self, style: Style, tables: Sequence[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
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
                (f"[{schema_name}].[{table}]", self.quote_name(name)) for schema_name, table, name in cursor.fetchall()
            ]
            cursor.execute(
                "SELECT OBJECT_SCHEMA_NAME(parent_id), OBJECT_NAME(parent_id), "
                "CASE WHEN OBJECT_SCHEMA_NAME(parent_id) = SCHEMA_NAME() THEN 1 ELSE 0 END "
                "FROM sys.triggers WHERE parent_class = 1 AND is_disabled = 0"
            )
            triggered: set[str] = set()
            for schema_name, table, in_default_schema in cursor.fetchall():
                triggered.add(f"{schema_name}.{table}")
                if in_default_schema:
                    triggered.add(table)
        guarded = [self.quote_name(table) for table in tables if table in triggered]
        statements = [f"ALTER TABLE {table} NOCHECK CONSTRAINT {fk};" for table, fk in foreign_keys]
        statements += [f"DISABLE TRIGGER ALL ON {table};" for table in guarded]
        # S608: table names from the migrated models, quoted by the backend.
        statements += [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608
        statements += [f"ENABLE TRIGGER ALL ON {table};" for table in guarded]
        statements += [f"ALTER TABLE {table} CHECK CONSTRAINT {fk};" for table, fk in foreign_keys]
        return statements
