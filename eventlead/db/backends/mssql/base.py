"""SQL Server (mssql-django) with the six schemas: each table in its real schema.

mssql-django quotes ``"ref.Country"`` as the single identifier ``[ref.Country]`` and only
introspects the login's default schema (mssql-django issues #56 and #183, pull request #281).
This wrapper quotes schema-qualified names as ``[ref].[Country]``, lists and inspects tables
in all six schemas, flushes them with schema-qualified statements, names column DEFAULT
constraints like the others (``DF_User_TimezoneIdentifier``), and keeps the statements a
migration defers in a stable order. ``eventlead.db.sqlserver`` renders every migration with it,
without a server, into ``docs/database/sqlserver-schema.sql``.
"""

from mssql import base

from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor, default_name

__all__ = ["DatabaseWrapper", "DatabaseIntrospection", "DatabaseOperations", "DatabaseSchemaEditor", "default_name"]


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
