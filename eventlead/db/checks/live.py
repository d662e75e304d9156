"""Read the live database through Django's introspection; every engine difference is here.

The project's backends list tables in the six schemas as ``"schema.Table"`` and accept such
names in ``get_table_description`` and ``get_constraints``, so the checks need no SQL of their
own. What differs between engines, and is handled below:

- SQLite keeps no name for constraints written inside a column definition (PRIMARY KEY,
  REFERENCES, column UNIQUE); its introspection reports them as ``__primary__``, ``fk_0``,
  ``__unnamed_constraint_1__``.
- SQLite and PostgreSQL create foreign keys DEFERRABLE INITIALLY DEFERRED, so a bad reference
  fails only at COMMIT, which a rolled-back check never reaches; SQL Server checks at once.
- SQL Server lists the default schema's tables twice, as ``dbo.User`` and ``User``.
- The PostgreSQL backend lists every visible relation, the ``pg_catalog`` ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from ..naming import split_table
from .declared import framework_tables, is_framework_table

# The names SQLite's introspection makes up for constraints it cannot name.
SYNTHETIC_NAME = re.compile(r"^(__primary__|fk_\d+|__unnamed_constraint_\d+__)$")


@dataclass
class LiveTables:
    ours: set[str] = field(default_factory=set)  # "schema.Table" in the six schemas
    framework: set[str] = field(default_factory=set)  # Django's and installed packages'
    other: set[str] = field(default_factory=set)  # anything else outside the six schemas


def live_tables(connection: BaseDatabaseWrapper) -> LiveTables:
    """Sort the database's tables (views left out) into ours, framework and other."""
    known_framework = framework_tables()
    with connection.cursor() as cursor:
        names = {info.name for info in connection.introspection.get_table_list(cursor) if info.type == "t"}
    tables = LiveTables()
    for name in names:
        schema, table = split_table(name)
        if is_framework_table(table, known_framework):
            tables.framework.add(table)
        elif schema:
            tables.ours.add(name)
        elif not _listed_twice(connection, name, names) and not _system_catalog(connection, name):
            tables.other.add(name)
    return tables


def _listed_twice(connection: BaseDatabaseWrapper, name: str, names: set[str]) -> bool:
    return connection.vendor == "microsoft" and f"dbo.{name}" in names


def _system_catalog(connection: BaseDatabaseWrapper, name: str) -> bool:
    return connection.vendor == "postgresql" and name.startswith("pg_")


def column_names(connection: BaseDatabaseWrapper, db_table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [column.name for column in connection.introspection.get_table_description(cursor, db_table)]


def constraints(connection: BaseDatabaseWrapper, db_table: str) -> dict[str, dict[str, Any]]:
    """``get_constraints`` for one table: name -> columns, kind flags, referenced table."""
    with connection.cursor() as cursor:
        found: dict[str, dict[str, Any]] = connection.introspection.get_constraints(cursor, db_table)
        return found


UNNAMED_INLINE = "SQLite does not name inline constraints (primary keys, foreign keys, column UNIQUE)"


def names_inline_constraints(connection: BaseDatabaseWrapper) -> bool:
    """Whether the engine reports the names of column-level constraints (not SQLite)."""
    return connection.vendor != "sqlite"


def check_deferred_constraints(connection: BaseDatabaseWrapper, db_table: str) -> None:
    """Raise ``IntegrityError`` now for any foreign key ``db_table`` breaks in this transaction.

    On SQLite this runs ``PRAGMA foreign_key_check`` on the table (its deferred checks cannot
    be made immediate: ``PRAGMA defer_foreign_keys=OFF`` leaves DEFERRABLE keys deferred); on
    PostgreSQL ``SET CONSTRAINTS ALL IMMEDIATE``, which fires the pending checks. SQL Server
    has already refused the row.
    """
    if connection.features.can_defer_constraint_checks:
        connection.check_constraints(table_names=[db_table])
