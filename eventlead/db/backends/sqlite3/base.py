"""SQLite: no schemas, so ``"ref.Country"`` is one identifier; names as on the other engines."""

from collections.abc import Sequence

from django.core.management.color import Style
from django.db.backends.sqlite3 import base, operations, schema

from ...schema import NamedConstraintsMixin


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Style, tables: Sequence[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        """Empty ``tables`` (tests only), lifting their append-only triggers meanwhile.

        SQLite empties tables with DELETE, which the audit tables' triggers refuse; the
        triggers are dropped first and recreated from their stored definition afterwards.
        (PostgreSQL's TRUNCATE fires no row triggers, so it needs nothing of the kind.)
        """
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if not tables:
            return statements
        with self.connection.cursor() as cursor:
            marks = ", ".join("%s" for _ in tables)
            # S608: only placeholders are formatted in; the table names are parameters.
            query = f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})"  # noqa: S608
            cursor.execute(query, list(tables))
            triggers = cursor.fetchall()
        drops = [f'DROP TRIGGER "{name}";' for name, _ in triggers]
        restores = [f"{sql};" for _, sql in triggers]
        return [*drops, *statements, *restores]


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    ops_class = DatabaseOperations
