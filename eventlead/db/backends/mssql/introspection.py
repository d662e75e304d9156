"""Introspection of tables in the six schemas, exact to the schema.

mssql-django describes a table through ODBC ``SQLColumns`` with no schema, finds identities
with ``OBJECT_ID('[Country]')`` and DEFAULT constraints by object name alone, so ``audit.User``
would be described with ``dbo.User``'s columns and DEFAULT constraints. Here every query is a
``sys.*`` catalog query keyed on the object id of ``[schema].[table]``; a bare name is looked
up in the default schema (``SCHEMA_NAME()``).

Fetching rows (``_catalog_rows``, ``_table_rows``) is kept apart from turning them into Django's
structures (``field_info``, ``constraints_from_rows``, ...), so the offline database of
``eventlead.db.sqlserver`` answers the same rows from the rendered script and the shaping code
a server's answers go through is the code its tests run.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper
from django.db.models import Field
from django.db.models.indexes import Index
from mssql import introspection
from mssql.introspection import Database

from ... import naming

TableRow = namedtuple("TableRow", "schema name type in_default_schema")
ColumnRow = namedtuple(
    "ColumnRow", "name type_name max_length precision scale is_nullable is_identity collation_name default comment"
)
KeyConstraintRow = namedtuple("KeyConstraintRow", "name type column")
ForeignKeyRow = namedtuple("ForeignKeyRow", "name column referenced_schema referenced_table referenced_column")
CheckRow = namedtuple("CheckRow", "name column")
DefaultRow = namedtuple("DefaultRow", "name column")
IndexRow = namedtuple(
    "IndexRow", "name is_unique is_unique_constraint is_primary_key type type_desc is_descending_key column"
)


@dataclass(frozen=True)
class CatalogQuery:
    """One catalog query about one table (``{object_id}`` in ``sql``), and the rows it answers."""

    sql: str
    row: type


TABLES_SQL = (
    "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, "
    "CASE WHEN TABLE_SCHEMA = SCHEMA_NAME() THEN 1 ELSE 0 END "
    "FROM INFORMATION_SCHEMA.TABLES"
)

# The type a column is stored as: sys.types is joined on the system type, so an alias type
# (sysname) reads as its base type (nvarchar), the way SQLColumns reports it.
COLUMNS = CatalogQuery(
    """SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity,
    c.collation_name, dc.definition, CAST(ep.value AS nvarchar(4000))
FROM sys.columns AS c
LEFT JOIN sys.types AS t ON t.user_type_id = c.system_type_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
LEFT JOIN sys.extended_properties AS ep
    ON ep.class = 1 AND ep.major_id = c.object_id AND ep.minor_id = c.column_id AND ep.name = N'MS_Description'
WHERE c.object_id = {object_id}
ORDER BY c.column_id""",
    ColumnRow,
)
KEY_CONSTRAINTS = CatalogQuery(
    """SELECT kc.name, kc.type, c.name
FROM sys.key_constraints AS kc
INNER JOIN sys.index_columns AS ic ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
INNER JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE kc.parent_object_id = {object_id}
ORDER BY kc.name, ic.key_ordinal""",
    KeyConstraintRow,
)
FOREIGN_KEYS = CatalogQuery(
    """SELECT fk.name, c.name, OBJECT_SCHEMA_NAME(fkc.referenced_object_id), OBJECT_NAME(fkc.referenced_object_id),
    rc.name
FROM sys.foreign_keys AS fk
INNER JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
INNER JOIN sys.columns AS c ON c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id
INNER JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE fk.parent_object_id = {object_id}
ORDER BY fk.name, fkc.constraint_column_id""",
    ForeignKeyRow,
)
# The columns a CHECK reads are its dependencies on its own table (a check constraint's
# references are schema-bound, so SQL Server records them column by column).
CHECK_CONSTRAINTS = CatalogQuery(
    """SELECT cc.name, c.name
FROM sys.check_constraints AS cc
LEFT JOIN sys.sql_expression_dependencies AS d
    ON d.referencing_id = cc.object_id AND d.referenced_id = cc.parent_object_id
LEFT JOIN sys.columns AS c ON c.object_id = d.referenced_id AND c.column_id = d.referenced_minor_id
WHERE cc.parent_object_id = {object_id}
ORDER BY cc.name, c.column_id""",
    CheckRow,
)
DEFAULT_CONSTRAINTS = CatalogQuery(
    """SELECT dc.name, c.name
FROM sys.default_constraints AS dc
INNER JOIN sys.columns AS c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id
WHERE dc.parent_object_id = {object_id}
ORDER BY dc.name""",
    DefaultRow,
)
# A heap (an index row with no columns) drops out of the join; INCLUDE columns are listed
# after the key columns, as mssql-django lists them.
INDEXES = CatalogQuery(
    """SELECT i.name, i.is_unique, i.is_unique_constraint, i.is_primary_key, i.type, i.type_desc,
    ic.is_descending_key, c.name
FROM sys.indexes AS i
INNER JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
INNER JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE i.object_id = {object_id}
ORDER BY i.index_id, ic.index_column_id""",
    IndexRow,
)
CONSTRAINT_QUERIES = (KEY_CONSTRAINTS, FOREIGN_KEYS, CHECK_CONSTRAINTS, DEFAULT_CONSTRAINTS, INDEXES)


def object_id_sql(table_name: str) -> str:
    """``OBJECT_ID(N'[audit].[User]')``: the object id of a table, in its own schema.

    A bare name is qualified with the default schema rather than left to OBJECT_ID, whose
    name resolution would fall back to ``dbo`` for a login whose default schema lacks it.
    """
    schema_name, table = naming.split_table(table_name)
    if schema_name is None:
        return f"OBJECT_ID(QUOTENAME(SCHEMA_NAME()) + N'.{_literal(_bracketed(table))}')"
    return f"OBJECT_ID(N'{_literal(f'{_bracketed(schema_name)}.{_bracketed(table)}')}')"


def _bracketed(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def _literal(text: str) -> str:
    return text.replace("'", "''")


def qualified(schema_name: str, table: str) -> str:
    """``ref.Country``: a table named the way ``get_table_list`` and the models name it."""
    return f"{schema_name}.{table}"


# The ODBC type SQLColumns reports for each stored type: mssql-django's data_types_reverse,
# and so inspectdb, are keyed on it.
ODBC_TYPES = {
    "bigint": Database.SQL_BIGINT,
    "int": Database.SQL_INTEGER,
    "smallint": Database.SQL_SMALLINT,
    "tinyint": Database.SQL_TINYINT,
    "bit": Database.SQL_BIT,
    "decimal": Database.SQL_DECIMAL,
    "numeric": Database.SQL_NUMERIC,
    "money": Database.SQL_DECIMAL,
    "smallmoney": Database.SQL_DECIMAL,
    "float": Database.SQL_FLOAT,
    "real": Database.SQL_REAL,
    "date": Database.SQL_TYPE_DATE,
    "time": Database.SQL_SS_TIME2,
    "datetime": Database.SQL_TYPE_TIMESTAMP,
    "datetime2": Database.SQL_TYPE_TIMESTAMP,
    "smalldatetime": Database.SQL_TYPE_TIMESTAMP,
    "datetimeoffset": introspection.SQL_TIMESTAMP_WITH_TIMEZONE,
    "char": Database.SQL_CHAR,
    "varchar": Database.SQL_VARCHAR,
    "text": Database.SQL_LONGVARCHAR,
    "nchar": Database.SQL_WCHAR,
    "nvarchar": Database.SQL_WVARCHAR,
    "ntext": Database.SQL_WLONGVARCHAR,
    "binary": Database.SQL_BINARY,
    "varbinary": Database.SQL_VARBINARY,
    "image": Database.SQL_LONGVARBINARY,
    "uniqueidentifier": Database.SQL_GUID,
}
# Types whose size SQLColumns gives in characters or bytes (from max_length; 0 for "max"),
# the others by their precision.
SIZED_BY_LENGTH = {"char": 1, "varchar": 1, "binary": 1, "varbinary": 1, "nchar": 2, "nvarchar": 2}
FIXED_SIZES = {"text": 2**31 - 1, "image": 2**31 - 1, "ntext": 2**30 - 1, "uniqueidentifier": 36}
# Types SQLColumns gives decimal digits for (the scale); NULL for the rest.
SCALED = {
    "bigint",
    "int",
    "smallint",
    "tinyint",
    "bit",
    "decimal",
    "numeric",
    "money",
    "smallmoney",
    "time",
    "datetime",
    "datetime2",
    "smalldatetime",
    "datetimeoffset",
}
AUTO_FIELD_TYPES = {
    Database.SQL_BIGINT: introspection.SQL_BIGAUTOFIELD,
    Database.SQL_SMALLINT: introspection.SQL_SMALLAUTOFIELD,
}


def field_info(row: ColumnRow, *, sql_server_version: int, identity_check: bool = True) -> introspection.FieldInfo:
    """One column as mssql-django describes it: SQLColumns' type, size, digits, nullability
    and default, then the collation, comment and identity it adds.

    A type SQLColumns has no code for here (xml; a CLR type, which has no system type name)
    keeps its name as the type code: inspectdb then guesses a field, as it does for the ODBC
    codes mssql-django does not map.
    """
    size = _column_size(row)
    type_code = ODBC_TYPES.get(row.type_name, row.type_name)
    if identity_check and row.is_identity:
        type_code = AUTO_FIELD_TYPES.get(type_code, introspection.SQL_AUTOFIELD)
    if type_code == Database.SQL_WVARCHAR and size < 4000:
        type_code = Database.SQL_WCHAR
    return introspection.FieldInfo(
        row.name,
        type_code,
        size,
        size,
        size,
        row.scale if row.type_name in SCALED else None,
        int(row.is_nullable),
        _unwrapped_default(row.default),
        # mssql-django reads collations from SQL Server 2019 on.
        row.collation_name if sql_server_version >= 2019 else "",
        row.comment or "",
    )


def _column_size(row: ColumnRow) -> int:
    if row.type_name in SIZED_BY_LENGTH:
        return 0 if row.max_length == -1 else row.max_length // SIZED_BY_LENGTH[row.type_name]
    size: int = FIXED_SIZES.get(row.type_name, row.precision)
    return size


def _unwrapped_default(definition: str | None) -> str | None:
    """``('Australia/Sydney')`` and ``((1))`` as mssql-django gives them: up to two pairs of
    parentheses removed."""
    if not definition:
        return definition
    for _ in range(2):
        if definition.startswith("(") and definition.endswith(")"):
            definition = definition[1:-1]
    return definition


def constraints_from_rows(
    keys: Iterable[KeyConstraintRow],
    foreign_keys: Iterable[ForeignKeyRow],
    checks: Iterable[CheckRow],
    defaults: Iterable[DefaultRow],
    indexes: Iterable[IndexRow],
) -> dict[str, dict[str, Any]]:
    """``get_constraints`` in mssql-django's shape, from the rows of the five catalog queries.

    The index enforcing a PRIMARY KEY or UNIQUE constraint has the constraint's name and is
    reported as the constraint. A foreign key's target is ``(table, column)`` with the bare
    table name, as mssql-django reports it.
    """
    constraints: dict[str, dict[str, Any]] = {}
    for key in keys:
        entry = constraints.setdefault(
            key.name, _constraint(primary_key=key.type == "PK", unique=True, unique_constraint=key.type == "UQ")
        )
        entry["columns"].append(key.column)
    for foreign_key in foreign_keys:
        target = (foreign_key.referenced_table, foreign_key.referenced_column)
        constraints.setdefault(foreign_key.name, _constraint(foreign_key=target))["columns"].append(foreign_key.column)
    for check in checks:
        entry = constraints.setdefault(check.name, _constraint(check=True))
        if check.column is not None:
            entry["columns"].append(check.column)
    for default in defaults:
        constraints.setdefault(default.name, _constraint(default=True))["columns"].append(default.column)
    found: dict[str, dict[str, Any]] = {}
    for index in indexes:
        entry = found.setdefault(index.name, _index(index))
        entry["columns"].append(index.column)
        entry["orders"].append("DESC" if index.is_descending_key else "ASC")
    return constraints | {name: entry for name, entry in found.items() if name not in constraints}


def _constraint(
    *,
    primary_key: bool = False,
    unique: bool = False,
    unique_constraint: bool = False,
    foreign_key: tuple[str, str] | None = None,
    check: bool = False,
    default: bool = False,
) -> dict[str, Any]:
    return {
        "columns": [],
        "primary_key": primary_key,
        "unique": unique,
        "unique_constraint": unique_constraint,
        "foreign_key": foreign_key,
        "check": check,
        "index": False,
        "default": default,
    }


def _index(row: IndexRow) -> dict[str, Any]:
    return {
        "columns": [],
        "primary_key": row.is_primary_key,
        "unique": row.is_unique,
        "unique_constraint": row.is_unique_constraint,
        "foreign_key": None,
        "check": False,
        "default": False,
        "index": True,
        "orders": [],
        # 1 and 2, clustered and nonclustered b-trees, are what Django calls an Index.
        "type": Index.suffix if row.type in (1, 2) else row.type_desc.lower(),
    }


class DatabaseIntrospection(introspection.DatabaseIntrospection):
    # Rows ---------------------------------------------------------------------------------

    def _table_rows(self, cursor: CursorWrapper) -> list[TableRow]:
        cursor.execute(TABLES_SQL)
        return [TableRow(*row) for row in cursor.fetchall()]

    def _catalog_rows(self, cursor: CursorWrapper, query: CatalogQuery, table_name: str) -> list[Any]:
        """The rows ``query`` answers about ``table_name``, an object id in the SQL itself."""
        cursor.execute(query.sql.format(object_id=object_id_sql(table_name)))
        return [query.row(*row) for row in cursor.fetchall()]

    # Django's structures ------------------------------------------------------------------

    def get_table_list(self, cursor: CursorWrapper) -> list[introspection.TableInfo]:
        """List every table as ``schema.Table``; the default schema's also bare.

        A table in a schema outside the six is listed too (``stray.Thing``), so that
        ``audit_schema`` can report it.
        """
        kinds = {"BASE TABLE": "t", "VIEW": "v"}
        tables: list[introspection.TableInfo] = []
        for row in self._table_rows(cursor):
            if row.name in self.ignored_tables:
                continue
            if row.schema in naming.SCHEMAS or not row.in_default_schema:
                tables.append(introspection.TableInfo(qualified(row.schema, row.name), kinds.get(row.type), None))
            if row.in_default_schema:
                tables.append(introspection.TableInfo(row.name, kinds.get(row.type), None))
        return tables

    def get_table_description(
        self, cursor: CursorWrapper, table_name: str, identity_check: bool = True
    ) -> list[introspection.FieldInfo]:
        rows = self._catalog_rows(cursor, COLUMNS, table_name)
        if not rows:
            raise DatabaseError(f"Table {table_name} does not exist.")
        version = self.connection.sql_server_version
        return [field_info(row, sql_server_version=version, identity_check=identity_check) for row in rows]

    def get_sequences(
        self, cursor: CursorWrapper, table_name: str, table_fields: Sequence[Field[Any, Any]] = ()
    ) -> list[dict[str, str]]:
        """The identity column, SQL Server's only kind of sequence on a table (one at most)."""
        rows = self._catalog_rows(cursor, COLUMNS, table_name)
        return [{"table": table_name, "column": row.name} for row in rows if row.is_identity]

    def get_relations(self, cursor: CursorWrapper, table_name: str) -> dict[str, tuple[str, str]]:
        """``{column: (referenced column, referenced table)}``, the table named with its schema:
        ``audit.User``'s key to ``dbo.User`` is not a reference to itself."""
        return {
            row.column: (row.referenced_column, qualified(row.referenced_schema, row.referenced_table))
            for row in self._catalog_rows(cursor, FOREIGN_KEYS, table_name)
        }

    def get_key_columns(self, cursor: CursorWrapper, table_name: str) -> list[tuple[str, str, str]]:
        return [
            (row.column, qualified(row.referenced_schema, row.referenced_table), row.referenced_column)
            for row in self._catalog_rows(cursor, FOREIGN_KEYS, table_name)
        ]

    def get_constraints(self, cursor: CursorWrapper, table_name: str) -> dict[str, dict[str, Any]]:
        return constraints_from_rows(*(self._catalog_rows(cursor, query, table_name) for query in CONSTRAINT_QUERIES))

    def get_primary_key_column(self, cursor: CursorWrapper, table_name: str) -> str | None:
        """The first primary key column; mssql-django's own first looks the table up by name."""
        if not self._catalog_rows(cursor, COLUMNS, table_name):
            raise ValueError(f"Table {table_name} does not exist")
        columns = self.get_primary_key_columns(cursor, table_name)
        return columns[0] if columns else None
