"""Render every migration as one SQL Server script, without a server.

The statements come from the project's real SQL Server backend (``eventlead.db.backends.mssql``
over mssql-django), walking the same plan ``manage.py migrate`` walks on an empty database,
django.contrib and third-party apps included. Only what would reach a server is replaced:

- the server version is pinned to SQL Server 2022, so nothing asks ``SERVERPROPERTY``;
- the connection never opens: a transaction around a migration is written into the script;
- before it alters or removes a column, mssql-django reads the names of the keys, constraints
  and indexes on the table from the server, to drop and recreate them. Offline, the database
  is the script itself, so those names come from a catalogue of what the script has created
  so far (``Catalogue``), read back from each rendered statement with sqlglot's T-SQL parser.

The catalogue holds what SQL Server's ``sys`` views would: tables per schema, columns, keys,
constraints (DEFAULT ones included) and indexes, and answers the backend's catalog queries
with the same rows. ``script_database`` reads a whole script into one, so ``verify_database``
and ``audit_schema`` can check the database the script builds, through the backend's own
introspection, with no server.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple, NoReturn, cast

import sqlglot
from django.db import connections
from django.db.backends.ddl_references import Statement
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState
from django.db.models import Field
from sqlglot import exp

from .backends.mssql import base as mssql
from .backends.mssql import introspection as mssql_introspection
from .backends.mssql.schema import Batches
from .naming import split_table

SQL_SERVER_VERSION = 2022  # SQL Server 16.x; mssql-django keys its features on the year.
ALIAS = "sqlserver-script"
SCRIPT_DATABASE_ALIAS = "sqlserver-script-database"
COMMAND = "python manage.py render_sqlserver_schema"
BATCH_SEPARATOR = "GO"

HEADER = f"""\
-- EventLead database schema for SQL Server 2022 (16.x): every migration, in order.
--
-- GENERATED FILE, do not edit. After changing a migration, regenerate it with
--     {COMMAND}
-- It is written offline by the project's SQL Server backend (eventlead.db.backends.mssql,
-- over mssql-django); a test fails when it no longer matches a fresh rendering.
--
-- Run it on an empty database, stopping at the first error:
--     sqlcmd -S <server> -d <database> -b -i docs/database/sqlserver-schema.sql
-- Python migration steps (RunPython) cannot be written as SQL and appear as comments.
-- The script does not fill django_migrations: before Django manages a database built
-- from it, record the migrations with `python manage.py migrate --fake`.
"""

# Filtered unique indexes (UQ_Company_ABN) can only be created under these options, and
# mssql-django's ISJSON checks quote columns in double quotes, which read as strings
# unless QUOTED_IDENTIFIER is ON; sqlcmd starts with it OFF. XACT_ABORT rolls back a
# migration's transaction at the first error instead of running on without it.
SESSION_OPTIONS = """\
SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
SET XACT_ABORT ON;"""

# The append-only triggers of eventlead.db.append_only: "CREATE TRIGGER [audit].[TR_...] ON
# [audit].[ActivityLog] ...".
CREATE_TRIGGER = re.compile(r"CREATE TRIGGER \[(?P<schema>\w+)\]\.\[\w+\] ON \[(?P=schema)\]\.\[(?P<table>\w+)\] ")

# A column added with a DEFAULT that fills the existing rows: "ALTER TABLE [t] ADD [c] ...
# DEFAULT ... WITH VALUES".
ADDED_WITH_VALUES = re.compile(r"ALTER TABLE \S+ ADD \[\w+\] [^;]* DEFAULT [^;]* WITH VALUES\b")


class RenderError(Exception):
    """Rendering needs something only a real SQL Server could answer."""


def sqlserver_settings() -> dict[str, Any]:
    """Return a ``DATABASES`` entry for the SQL Server backend; nothing in it is dialled."""
    return {
        "ENGINE": "eventlead.db.backends.mssql",
        "NAME": "eventlead",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {"python_driver": "mssql_python"},
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "TEST": {},
    }


def render_script() -> str:
    """Return the T-SQL of every migration, one statement per ``GO`` batch."""
    connection = OfflineDatabaseWrapper(sqlserver_settings(), ALIAS)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    lines = [HEADER, SESSION_OPTIONS, BATCH_SEPARATOR]
    state = ProjectState(real_apps=loader.unmigrated_apps)
    with _registered(connection):
        for migration in migration_plan(loader):
            with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            lines += ["", f"-- {migration.app_label}.{migration.name}"]
            lines += _batches(editor.collected_sql, in_transaction=editor.atomic_migration)
    script = "\n".join(lines) + "\n"
    if Catalogue.SERVER_NAMED in script:
        raise RenderError(
            "A migration drops a constraint whose name SQL Server chose; the script cannot name it without a server."
        )
    return script


def migration_plan(loader: MigrationLoader) -> list[Migration]:
    """Return every migration in the order ``migrate`` applies them to an empty database."""
    plan: list[Migration] = []
    seen: set[tuple[str, str]] = set()
    for target in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(target):
            if key not in seen:
                seen.add(key)
                plan.append(loader.graph.nodes[key])
    return plan


def split_batches(script: str) -> list[str]:
    """Split a script at its ``GO`` lines into the batches SQL Server compiles one by one."""
    batches: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        if line.strip().upper() == BATCH_SEPARATOR:
            batches.append("\n".join(current))
            current = []
        else:
            current.append(line)
    batches.append("\n".join(current))
    return [batch for batch in batches if _without_comments(batch).strip()]


def _batches(collected_sql: list[str], *, in_transaction: bool) -> list[str]:
    """Lay out one migration's statements, each ending its batch with ``GO``.

    SQL Server compiles a whole batch before running any of it, so a statement using a column
    that an earlier statement of the same batch adds fails to compile; one statement per
    batch rules that out. Comments stay where Django put them.
    """
    lines = ["BEGIN TRANSACTION;", BATCH_SEPARATOR] if in_transaction else []
    for entry in collected_sql:
        lines.append(entry)
        if not _is_comment(entry):
            lines.append(BATCH_SEPARATOR)
    if in_transaction:
        lines += ["COMMIT TRANSACTION;", BATCH_SEPARATOR]
    return lines


def _is_comment(entry: str) -> bool:
    return all(line.startswith("--") for line in entry.splitlines())


def _without_comments(batch: str) -> str:
    return "\n".join(line for line in batch.splitlines() if not line.lstrip().startswith("--"))


@contextmanager
def _registered(connection: OfflineDatabaseWrapper) -> Iterator[OfflineDatabaseWrapper]:
    """Make ``connection`` reachable by its alias while migrations run.

    Operations ask ``connections[alias]`` whether a model may be migrated there (its
    ``required_db_vendor``); registering the wrapper for the duration keeps that answer
    about SQL Server, whatever the default database is. ``settings.DATABASES`` is untouched.
    """
    connections[connection.alias] = connection
    try:
        yield connection
    finally:
        del connections[connection.alias]


class _Type(NamedTuple):
    """A column's type as ``sys.columns`` keeps it: ``nvarchar(64)`` is ``("nvarchar", 128, 0, 0)``."""

    name: str
    max_length: int
    precision: int
    scale: int


@dataclass
class _Column:
    """A column as ``sys.columns`` keeps it (its DEFAULT is a constraint of the table)."""

    type: _Type
    is_nullable: bool
    is_identity: bool = False
    collation_name: str | None = None


@dataclass
class _Constraint:
    """A constraint, typed as ``sys.objects`` types them: PK, UQ, F, C or D."""

    kind: str
    columns: list[str]
    references: tuple[str, str, list[str]] | None = None  # F: schema, table, columns
    definition: str | None = None  # D: the expression, as sys.default_constraints keeps it


@dataclass
class _Index:
    columns: list[str]
    descending: list[bool]
    unique: bool
    enforces: str | None = None  # PK or UQ: the index of that key constraint, named like it


@dataclass
class _Table:
    columns: dict[str, _Column] = field(default_factory=dict)  # in column_id order
    constraints: dict[str, _Constraint] = field(default_factory=dict)
    indexes: dict[str, _Index] = field(default_factory=dict)  # in index_id order


DEFAULT_SCHEMA = "dbo"
# Unnamed constraints are listed under SERVER_NAMED and a word for their kind.
KIND_WORDS = {"PK": "primary key", "UQ": "unique", "C": "check", "D": "default"}
# Schema creation (IF ... EXEC), data changes, and, in a whole script, the session options and
# the transaction around a migration: none creates a column, key or index.
IGNORED_STATEMENTS = (exp.IfBlock, exp.Update, exp.Insert, exp.Delete, exp.Set, exp.Transaction, exp.Commit)


class Catalogue:
    """What the script has created so far: the tables of each schema, their columns, keys,
    constraints and indexes.

    It answers the backend's catalog queries (``rows``) with the rows SQL Server's ``sys``
    views would hold after the same statements, so the backend's own code turns them into
    Django's structures; and it enforces the server's name rules as it goes: constraint
    names are unique within a schema, index names within a table, and only existing objects
    can be dropped. A table named without a schema is in the default schema, ``dbo``.
    """

    SERVER_NAMED = "<name chosen by SQL Server>"

    def __init__(self) -> None:
        self._tables: dict[tuple[str, str], _Table] = {}
        self._answers: dict[mssql_introspection.CatalogQuery, Callable[[_Table], Iterable[tuple[Any, ...]]]] = {
            mssql_introspection.COLUMNS: self._column_rows,
            mssql_introspection.KEY_CONSTRAINTS: self._key_constraint_rows,
            mssql_introspection.FOREIGN_KEYS: self._foreign_key_rows,
            mssql_introspection.CHECK_CONSTRAINTS: self._check_rows,
            mssql_introspection.DEFAULT_CONSTRAINTS: self._default_rows,
            mssql_introspection.INDEXES: self._index_rows,
        }

    # Answers ------------------------------------------------------------------------------

    def table_rows(self) -> list[mssql_introspection.TableRow]:
        """The tables, as the backend's table list query answers them."""
        return [
            mssql_introspection.TableRow(schema, name, "BASE TABLE", schema == DEFAULT_SCHEMA)
            for schema, name in self._tables
        ]

    def rows(self, query: mssql_introspection.CatalogQuery, db_table: str) -> list[Any]:
        """The rows ``query`` answers about ``db_table``; none for a table that does not exist,
        whose object id is NULL."""
        table = self._tables.get(_django_key(db_table))
        return [] if table is None else list(self._answers[query](table))

    def constraints(self, db_table: str) -> dict[str, dict[str, Any]]:
        """``get_constraints`` for ``db_table``, shaped from these rows by the backend's code."""
        rows = (self.rows(query, db_table) for query in mssql_introspection.CONSTRAINT_QUERIES)
        return mssql_introspection.constraints_from_rows(*rows)

    def _column_rows(self, table: _Table) -> Iterator[mssql_introspection.ColumnRow]:
        defaults = {c.columns[0]: c.definition for c in table.constraints.values() if c.kind == "D"}
        for name, column in table.columns.items():
            yield mssql_introspection.ColumnRow(
                name,
                *column.type,
                column.is_nullable,
                column.is_identity,
                column.collation_name,
                defaults.get(name),
                None,
            )

    def _key_constraint_rows(self, table: _Table) -> Iterator[mssql_introspection.KeyConstraintRow]:
        for name, constraint in _by_name(table.constraints, "PK", "UQ"):
            for column in constraint.columns:
                yield mssql_introspection.KeyConstraintRow(name, constraint.kind, column)

    def _foreign_key_rows(self, table: _Table) -> Iterator[mssql_introspection.ForeignKeyRow]:
        for name, constraint in _by_name(table.constraints, "F"):
            schema, target, targets = cast("tuple[str, str, list[str]]", constraint.references)  # set on every F
            for column, referenced in zip(constraint.columns, targets, strict=True):
                yield mssql_introspection.ForeignKeyRow(name, column, schema, target, referenced)

    def _check_rows(self, table: _Table) -> Iterator[mssql_introspection.CheckRow]:
        positions = {column: position for position, column in enumerate(table.columns)}
        for name, constraint in _by_name(table.constraints, "C"):
            columns = sorted(constraint.columns, key=positions.__getitem__)
            for column in columns or (None,):
                yield mssql_introspection.CheckRow(name, column)

    def _default_rows(self, table: _Table) -> Iterator[mssql_introspection.DefaultRow]:
        for name, constraint in _by_name(table.constraints, "D"):
            yield mssql_introspection.DefaultRow(name, constraint.columns[0])

    def _index_rows(self, table: _Table) -> Iterator[mssql_introspection.IndexRow]:
        for name, index in table.indexes.items():
            clustered = index.enforces == "PK"  # a new table's PRIMARY KEY is its clustered index
            for column, descending in zip(index.columns, index.descending, strict=True):
                yield mssql_introspection.IndexRow(
                    name,
                    index.unique,
                    index.enforces == "UQ",
                    index.enforces == "PK",
                    1 if clustered else 2,
                    "CLUSTERED" if clustered else "NONCLUSTERED",
                    descending,
                    column,
                )

    # Recording ----------------------------------------------------------------------------

    def record(self, sql: str) -> None:
        """Update the catalogue with what ``sql`` creates, drops or renames."""
        trigger = CREATE_TRIGGER.match(sql)
        if trigger:
            # sqlglot cannot parse a trigger's body (THROW); a trigger adds no column, key,
            # constraint or index, so it only has to be on a table that exists.
            self._known((trigger["schema"], trigger["table"]))
            return
        if ADDED_WITH_VALUES.match(sql):
            # sqlglot cannot parse WITH VALUES (fill existing rows with the DEFAULT), which
            # mssql-django writes where a nullable column's NULL would be; the column and its
            # constraints read the same with NULL back in its place.
            sql = sql.replace(" WITH VALUES", " NULL")
        for statement in sqlglot.parse(sql, read="tsql"):
            if statement is not None:
                self._record(statement, sql)

    def _record(self, statement: exp.Expr, sql: str) -> None:
        kind = _kind(statement)
        if isinstance(statement, exp.Create) and kind == "TABLE":
            key = _table_key(statement.this.this)
            if key in self._tables:
                raise RenderError(f"{_display(key)} is created twice.")
            self._tables[key] = _Table()
            for element in statement.this.expressions:
                self._add_element(key, element)
        elif isinstance(statement, exp.Create) and kind == "INDEX":
            self._add_index(statement)
        elif isinstance(statement, exp.Alter):
            key = self._known(_table_key(statement.this))
            for action in statement.args.get("actions") or []:
                self._alter(key, action, sql)
        elif isinstance(statement, exp.Drop) and kind == "INDEX":
            key = self._known(_table_key(statement.args["cluster"].this))
            self._drop_index(key, statement.args["tables"][0].name)
        elif isinstance(statement, exp.Execute) and _is_column_rename(statement):
            self._rename_column(statement)
        elif not isinstance(statement, IGNORED_STATEMENTS):
            raise RenderError(f"The offline catalogue cannot follow this statement: {sql}")

    def _alter(self, key: tuple[str, str], action: exp.Expr, sql: str) -> None:
        kind = _kind(action)
        if isinstance(action, exp.ColumnDef):
            self._add_element(key, action)
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                self._add_element(key, constraint)
        elif isinstance(action, exp.Drop) and kind == "CONSTRAINT":
            self._drop_constraint(key, action.args["tables"][0].name)
        elif isinstance(action, exp.Drop) and kind == "COLUMN":
            self._drop_column(key, action.args["tables"][0].name)
        elif isinstance(action, exp.AlterColumn) and action.args.get("dtype"):
            self._alter_column(key, action)
        else:
            raise RenderError(f"The offline catalogue cannot follow this statement: {sql}")

    def _add_element(self, key: tuple[str, str], element: exp.Expr) -> None:
        """Record a column with its inline constraints, or one table-level constraint."""
        if isinstance(element, exp.ColumnDef):
            self._add_column(key, element)
            return
        name = element.name
        for body in element.expressions:
            if isinstance(body, exp.PrimaryKey):
                self._add(key, name, _Constraint("PK", _names(body.expressions)))
            elif isinstance(body, exp.UniqueColumnConstraint):
                self._add(key, name, _Constraint("UQ", _names(body.this.expressions)))
            elif isinstance(body, exp.CheckColumnConstraint):
                self._add(key, name, _Constraint("C", _referenced_columns(body)))
            elif isinstance(body, exp.ForeignKey):
                target = body.args["reference"].this
                references = (*_table_key(target.this), _names(target.expressions))
                self._add(key, name, _Constraint("F", _names(body.expressions), references=references))
            else:
                raise RenderError(f"Unexpected table constraint {element.sql('tsql')} on {_display(key)}.")

    def _add_column(self, key: tuple[str, str], definition: exp.ColumnDef) -> None:
        table, name = self._tables[key], definition.name
        if name in table.columns:
            raise RenderError(f"{_display(key)}.{name} is added twice.")
        constraints = definition.args.get("constraints") or []
        kinds = [constraint.args["kind"] for constraint in constraints]
        # NULL unless told otherwise (ANSI_NULL_DFLT_ON, as sqlcmd connects); a key or an
        # identity is never NULL.
        required = any(
            isinstance(kind, (exp.PrimaryKeyColumnConstraint, exp.GeneratedAsIdentityColumnConstraint))
            or (isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"))
            for kind in kinds
        )
        collation = next((kind.this.name for kind in kinds if isinstance(kind, exp.CollateColumnConstraint)), None)
        table.columns[name] = _Column(
            _stored_type(definition.args["kind"]),
            is_nullable=not required,
            is_identity=any(isinstance(kind, exp.GeneratedAsIdentityColumnConstraint) for kind in kinds),
            collation_name=collation,
        )
        for constraint in constraints:
            self._add_column_constraint(key, name, constraint)

    def _add_column_constraint(self, key: tuple[str, str], column: str, constraint: exp.ColumnConstraint) -> None:
        body = constraint.args["kind"]
        if isinstance(body, exp.PrimaryKeyColumnConstraint):
            entry = _Constraint("PK", [column])
        elif isinstance(body, exp.UniqueColumnConstraint):
            entry = _Constraint("UQ", [column])
        elif isinstance(body, exp.CheckColumnConstraint):
            entry = _Constraint("C", _referenced_columns(body))
        elif isinstance(body, exp.DefaultColumnConstraint):
            entry = _Constraint("D", [column], definition=_stored_definition(body.this))
        elif isinstance(
            body, (exp.NotNullColumnConstraint, exp.GeneratedAsIdentityColumnConstraint, exp.CollateColumnConstraint)
        ):
            return  # properties of the column, recorded with it
        else:
            raise RenderError(f"Unexpected column constraint {constraint.sql('tsql')} on {_display(key)}.{column}.")
        if constraint.name:
            self._add(key, constraint.name, entry)
        else:
            # SQL Server names it (CK__otp_totp___throt__1A2B3C4D). Listed anyway, so a later
            # step that must drop it puts SERVER_NAMED in the script, and rendering fails.
            self._put(key, f"{self.SERVER_NAMED} {KIND_WORDS[entry.kind]} {column}", entry)

    def _add(self, key: tuple[str, str], name: str, constraint: _Constraint) -> None:
        for other_key, other in self._tables.items():
            if other_key[0] == key[0] and name in other.constraints:
                raise RenderError(f"Constraint {name} on {_display(key)} already exists on {_display(other_key)}.")
        self._put(key, name, constraint)

    def _put(self, key: tuple[str, str], name: str, constraint: _Constraint) -> None:
        table = self._tables[key]
        table.constraints[name] = constraint
        if constraint.kind in ("PK", "UQ"):
            columns = list(constraint.columns)
            index = _Index(columns, [False] * len(columns), unique=True, enforces=constraint.kind)
            self._put_index(key, name, index)

    def _add_index(self, statement: exp.Create) -> None:
        index = statement.this
        key = self._known(_table_key(index.args["table"]))
        ordered = index.args["params"].args["columns"]
        descending = [bool(column.args.get("desc")) for column in ordered]
        self._put_index(key, index.name, _Index(_names(ordered), descending, unique=bool(statement.args.get("unique"))))

    def _put_index(self, key: tuple[str, str], name: str, index: _Index) -> None:
        table = self._tables[key]
        if name in table.indexes:
            raise RenderError(f"Index {name} already exists on {_display(key)}.")
        table.indexes[name] = index

    def _drop_constraint(self, key: tuple[str, str], name: str) -> None:
        table = self._tables[key]
        if name not in table.constraints:
            raise RenderError(f"The script drops constraint {name} on {_display(key)}, which does not exist.")
        if table.constraints.pop(name).kind in ("PK", "UQ"):
            del table.indexes[name]

    def _drop_index(self, key: tuple[str, str], name: str) -> None:
        index = self._tables[key].indexes.get(name)
        if index is None:
            raise RenderError(f"The script drops index {name} on {_display(key)}, which does not exist.")
        if index.enforces:
            raise RenderError(f"The script drops index {name} on {_display(key)}, which enforces a {index.enforces}.")
        del self._tables[key].indexes[name]

    def _drop_column(self, key: tuple[str, str], column: str) -> None:
        table = self._tables[key]
        entries: list[tuple[str, _Constraint | _Index]] = [*table.constraints.items(), *table.indexes.items()]
        users = [name for name, entry in entries if column in entry.columns]
        users += [name for name, _, (_, _, columns) in self._references_to(key) if column in columns]
        if users:
            raise RenderError(f"{_display(key)}.{column} is dropped while {users[0]} still uses it.")
        del table.columns[column]

    def _references_to(self, key: tuple[str, str]) -> Iterator[tuple[str, _Constraint, tuple[str, str, list[str]]]]:
        """The foreign keys, on any table, that reference table ``key``, with their references."""
        for other in self._tables.values():
            for name, constraint in other.constraints.items():
                references = constraint.references
                if references and references[:2] == key:
                    yield name, constraint, references

    def _alter_column(self, key: tuple[str, str], action: exp.AlterColumn) -> None:
        table, name = self._tables[key], action.name
        if name not in table.columns:
            raise RenderError(f"The script alters {_display(key)}.{name}, which does not exist.")
        collation = action.args.get("collate")
        table.columns[name] = replace(
            table.columns[name],
            type=_stored_type(action.args["dtype"]),
            is_nullable=action.args.get("allow_null") is not False,
            collation_name=collation.name if collation else None,
        )

    def _rename_column(self, statement: exp.Execute) -> None:
        # sp_rename's first argument, "[schema].[Table].[Column]", is a column reference.
        old = cast(exp.Column, sqlglot.parse_one(statement.expressions[0].name, read="tsql"))
        key = self._known((old.db or DEFAULT_SCHEMA, old.table))
        new = statement.expressions[1].name

        def renamed(columns: list[str]) -> list[str]:
            return [new if column == old.name else column for column in columns]

        table = self._tables[key]
        table.columns = {new if name == old.name else name: column for name, column in table.columns.items()}
        entries: list[_Constraint | _Index] = [*table.constraints.values(), *table.indexes.values()]
        for entry in entries:
            entry.columns = renamed(entry.columns)
        for _, constraint, (schema, target, columns) in self._references_to(key):
            constraint.references = (schema, target, renamed(columns))

    def _known(self, key: tuple[str, str]) -> tuple[str, str]:
        if key not in self._tables:
            raise RenderError(f"The script changes {_display(key)} before creating it.")
        return key


def _by_name(constraints: dict[str, _Constraint], *kinds: str) -> list[tuple[str, _Constraint]]:
    """The constraints of ``kinds``, by name, as the catalog queries order them."""
    return [(name, constraints[name]) for name in sorted(constraints) if constraints[name].kind in kinds]


def _kind(node: exp.Expr) -> str:
    kind = node.args.get("kind")
    return kind.upper() if isinstance(kind, str) else ""


def _table_key(table: exp.Table) -> tuple[str, str]:
    """``[ref].[Country]`` as ``("ref", "Country")``; an unqualified table is in ``dbo``."""
    return table.db or DEFAULT_SCHEMA, table.name


def _django_key(db_table: str) -> tuple[str, str]:
    """``"ref.Country"`` as ``("ref", "Country")``, as the backend's ``object_id_sql`` reads it."""
    schema, name = split_table(db_table)
    return schema or DEFAULT_SCHEMA, name


def _display(key: tuple[str, str]) -> str:
    return ".".join(key)


def _names(nodes: Iterable[exp.Expr]) -> list[str]:
    return [(node.this if isinstance(node, exp.Ordered) else node).name for node in nodes]


def _referenced_columns(check: exp.Expr) -> list[str]:
    return list(dict.fromkeys(column.name for column in check.find_all(exp.Column)))


def _is_column_rename(statement: exp.Execute) -> bool:
    arguments = statement.expressions
    return statement.this.name.lower() == "sp_rename" and len(arguments) == 3 and arguments[2].name.upper() == "COLUMN"


# How SQL Server stores each type mssql-django writes: (sys.types name, max_length, precision,
# scale). sqlglot reads numeric and decimal alike (mssql-django writes numeric) and "double
# precision" as DOUBLE (stored as float(53)).
DType = exp.DataType.Type
FIXED_TYPES = {
    DType.INT: _Type("int", 4, 10, 0),
    DType.BIGINT: _Type("bigint", 8, 19, 0),
    DType.SMALLINT: _Type("smallint", 2, 5, 0),
    DType.BIT: _Type("bit", 1, 1, 0),
    DType.DOUBLE: _Type("float", 8, 53, 0),
    DType.DATE: _Type("date", 3, 10, 0),
}
# Character and binary types: name, bytes per character; "max" is stored as -1.
STRING_TYPES = {
    DType.CHAR: ("char", 1),
    DType.VARCHAR: ("varchar", 1),
    DType.NCHAR: ("nchar", 2),
    DType.NVARCHAR: ("nvarchar", 2),
    DType.BINARY: ("binary", 1),
    DType.VARBINARY: ("varbinary", 1),
}
# Types with fractional seconds (7 digits unless told): name, and precision and bytes with none;
# the digits add themselves and a decimal point to the precision, and a byte from 3 and from 5.
FRACTIONAL_TYPES = {
    DType.TIME: ("time", 8, 3),
    DType.DATETIME2: ("datetime2", 19, 6),
    DType.TIMESTAMPTZ: ("datetimeoffset", 26, 8),
}


def _stored_type(dtype: exp.DataType) -> _Type:
    kind = dtype.this
    parameters = [parameter.this.name.lower() for parameter in dtype.expressions]
    if kind in FIXED_TYPES:
        return FIXED_TYPES[kind]
    if kind in STRING_TYPES:
        name, width = STRING_TYPES[kind]
        length = parameters[0] if parameters else "1"
        return _Type(name, -1 if length == "max" else int(length) * width, 0, 0)
    if kind in FRACTIONAL_TYPES:
        name, precision, size = FRACTIONAL_TYPES[kind]
        digits = int(parameters[0]) if parameters else 7
        return _Type(name, size + (digits > 2) + (digits > 4), precision + (digits + 1 if digits else 0), digits)
    if kind == DType.DECIMAL:
        precision = int(parameters[0]) if parameters else 18
        scale = int(parameters[1]) if len(parameters) > 1 else 0
        return _Type("numeric", 5 + 4 * sum(precision > limit for limit in (9, 19, 28)), precision, scale)
    raise RenderError(f"The offline catalogue does not know how SQL Server stores {dtype.sql('tsql')}.")


def _stored_definition(expression: exp.Expr) -> str:
    """A DEFAULT as ``sys.default_constraints`` keeps it: a number in two pairs of
    parentheses (``((1))``), anything else in one (``('Australia/Sydney')``)."""
    number = expression.this if isinstance(expression, exp.Neg) else expression
    if isinstance(number, exp.Literal) and not number.is_string:
        return f"(({expression.sql('tsql')}))"
    return f"({expression.sql('tsql')})"


class OfflineIntrospection(mssql.DatabaseIntrospection):
    """The backend's introspection, with the catalogue standing for the server's ``sys`` views:
    the database is the script so far, and the rows become Django's structures by the
    backend's own code.

    The table list is left to the server (it fails): no rendering step needs it, and one that
    acted on every table should not be answered with the tables of a script half written.
    """

    connection: OfflineDatabaseWrapper

    def _catalog_rows(self, cursor: object, query: mssql_introspection.CatalogQuery, table_name: str) -> list[Any]:
        return self.connection.catalogue.rows(query, table_name)


class _NoServerCursor:
    """Stands where mssql-django opens a cursor only to pass it to introspection."""

    def __enter__(self) -> _NoServerCursor:
        return self

    def __exit__(self, *exc_info: object) -> Literal[False]:
        return False

    def execute(self, sql: str, params: object = None) -> NoReturn:
        raise RenderError(f"This step needs the server's answer to: {sql}")

    def __getattr__(self, name: str) -> NoReturn:
        raise RenderError(f"Rendering offline reached cursor.{name}(): that step needs a server.")


class _ServerClock:
    """The time the script runs, standing in for a default Django reads from the clock."""

    def __init__(self, internal_type: str):
        cast = {"DateField": "date", "TimeField": "time"}.get(internal_type)
        self.sql = f"CAST(SYSUTCDATETIME() AS {cast})" if cast else "SYSUTCDATETIME()"


class OfflineSchemaEditor(mssql.DatabaseSchemaEditor):
    connection: OfflineDatabaseWrapper

    def effective_default(self, field: Field[Any, Any]) -> Any:  # any value (django-stubs say int | str)
        """Write a clock-read default (auto_now_add, ``default=timezone.now``) as the server's clock.

        ``migrate`` fills existing rows with the time it runs; the script does the same with
        the time it runs, and reads the same on every rendering.
        """
        value = super().effective_default(field)
        reads_clock = (
            (field.has_default() and callable(field.default))
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        )
        if reads_clock and isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return _ServerClock(field.get_internal_type())
        return value

    def quote_value(self, value: object) -> str:
        return value.sql if isinstance(value, _ServerClock) else super().quote_value(value)

    def execute(
        self, sql: Statement | str | Batches, params: Sequence[Any] | None = (), has_result: bool = False
    ) -> None:
        """Collect ``sql`` and record what it creates; refuse steps that read results."""
        if has_result:
            # While collecting SQL, mssql-django would write such a query into the script and
            # carry on without its answer.
            raise RenderError(f"This step reads the server's answer to: {sql}")
        collected_before = len(self.collected_sql)
        super().execute(sql, params, has_result)
        for statement in self.collected_sql[collected_before:]:
            self.connection.catalogue.record(statement)


class OfflineDatabaseWrapper(mssql.DatabaseWrapper):
    """The project's SQL Server backend, pinned to one version (2022 unless told), with no way to a server."""

    SchemaEditorClass = OfflineSchemaEditor
    introspection_class = OfflineIntrospection

    def __init__(self, settings_dict: dict[str, Any], alias: str = ALIAS, *, version: int = SQL_SERVER_VERSION) -> None:
        super().__init__(settings_dict, alias)
        # Both are cached_property values mssql-django fetches with SERVERPROPERTY on first
        # use (supports_json_field reads the version); an instance value stands in for the
        # fetch. The class-level caches (_known_versions, _known_azures) are shared by every
        # wrapper of an alias, so they are left alone.
        self.sql_server_version = version
        self.to_azure_sql_db = False
        self.catalogue = Catalogue()

    def ensure_connection(self) -> NoReturn:
        raise RenderError("Rendering offline tried to connect to SQL Server.")

    def cursor(self) -> _NoServerCursor:
        return _NoServerCursor()

    # transaction.atomic() around a migration asks for and sets autocommit, which would
    # connect. The script writes BEGIN TRANSACTION / COMMIT TRANSACTION instead.
    def get_autocommit(self) -> bool:
        return True

    def set_autocommit(self, autocommit: bool, force_begin_transaction_with_broken_autocommit: bool = False) -> None:
        self.autocommit = autocommit


class ScriptIntrospection(OfflineIntrospection):
    """Introspection of the database a whole script has built, its table list included."""

    def _table_rows(self, cursor: object) -> list[mssql_introspection.TableRow]:
        return self.connection.catalogue.table_rows()


class ScriptDatabaseWrapper(OfflineDatabaseWrapper):
    """An offline SQL Server holding what a script builds on an empty database."""

    introspection_class = ScriptIntrospection


@contextmanager
def script_database(script: str) -> Iterator[ScriptDatabaseWrapper]:
    """Yield the database ``script`` builds on an empty SQL Server, without a server.

    Every batch is recorded in the connection's catalogue, which its introspection then
    answers from, through the backend's own row-shaping code: what ``verify_database`` and
    ``audit_schema`` read from it is what they would read from a server that ran the script.
    It is registered under its alias while the block runs, since the checks open their
    savepoints by alias; nothing it holds has rows, and nothing can be inserted.
    """
    connection = ScriptDatabaseWrapper(sqlserver_settings(), SCRIPT_DATABASE_ALIAS)
    for batch in split_batches(script):
        connection.catalogue.record(_without_comments(batch))
    with _registered(connection):
        yield connection
