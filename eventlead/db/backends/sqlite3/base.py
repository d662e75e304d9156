"""SQLite: no schemas, so ``"ref.Country"`` is one identifier; names as on the other engines."""

from django.db.backends.sqlite3 import base, schema

from ...schema import NamedConstraintsMixin


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    pass


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
