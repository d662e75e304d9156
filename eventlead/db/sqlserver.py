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
"""

from __future__ import annotations

import copy
import datetime
import re
from contextlib import contextmanager
from pathlib import Path

import sqlglot
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from sqlglot import exp

from .backends.mssql import base as mssql

SQL_SERVER_VERSION = 2022  # SQL Server 16.x; mssql-django keys its features on the year.
ALIAS = "sqlserver-script"
COMMAND = "python manage.py render_sqlserver_schema"
SCRIPT_PATH = Path(settings.BASE_DIR) / "docs" / "database" / "sqlserver-schema.sql"
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


def sqlserver_settings() -> dict:
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
            "A migration drops a constraint whose name SQL Server chose; "
            "the script cannot name it without a server."
        )
    return script


def migration_plan(loader: MigrationLoader) -> list:
    """Return every migration in the order ``migrate`` applies them to an empty database."""
    plan, seen = [], set()
    for target in loader.graph.leaf_nodes():
        for key in loader.graph.forwards_plan(target):
            if key not in seen:
                seen.add(key)
                plan.append(loader.graph.nodes[key])
    return plan


def split_batches(script: str) -> list[str]:
    """Split a script at its ``GO`` lines into the batches SQL Server compiles one by one."""
    batches, current = [], []
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
def _registered(connection):
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


class Catalogue:
    """The keys, constraints and indexes the script has created so far, table by table.

    Answers ``get_constraints`` in mssql-django's shape (``mssql/introspection.py``) and
    enforces the server's name rules as it goes: constraint names are unique within a
    schema, index names within a table, and only existing objects can be dropped.
    """

    SERVER_NAMED = "<name chosen by SQL Server>"

    def __init__(self):
        self._tables: dict[str, dict[str, dict]] = {}

    def constraints(self, table: str) -> dict[str, dict]:
        if table not in self._tables:
            raise RenderError(f"Introspection of {table}, a table this script did not create.")
        return copy.deepcopy(self._tables[table])

    def record(self, sql: str) -> None:
        """Update the catalogue with what ``sql`` creates, drops or renames."""
        trigger = CREATE_TRIGGER.match(sql)
        if trigger:
            # sqlglot cannot parse a trigger's body (THROW); a trigger adds no key, constraint
            # or index, so it only has to be on a table that exists.
            self._known(f"{trigger['schema']}.{trigger['table']}")
            return
        if ADDED_WITH_VALUES.match(sql):
            # sqlglot cannot parse WITH VALUES (fill existing rows with the DEFAULT), which
            # mssql-django writes where a nullable column's NULL would be; the constraints
            # read the same with NULL back in its place.
            sql = sql.replace(" WITH VALUES", " NULL")
        for statement in sqlglot.parse(sql, read="tsql"):
            if statement is not None:
                self._record(statement, sql)

    def _record(self, statement, sql: str) -> None:
        kind = _kind(statement)
        if isinstance(statement, exp.Create) and kind == "TABLE":
            table = _table_key(statement.this.this)
            if table in self._tables:
                raise RenderError(f"{table} is created twice.")
            self._tables[table] = {}
            for element in statement.this.expressions:
                self._add_element(table, element)
        elif isinstance(statement, exp.Create) and kind == "INDEX":
            self._add_index(statement)
        elif isinstance(statement, exp.Alter):
            table = self._known(_table_key(statement.this))
            for action in statement.args.get("actions") or []:
                self._alter(table, action, sql)
        elif isinstance(statement, exp.Drop) and kind == "INDEX":
            table = self._known(_table_key(statement.args["cluster"].this))
            self._drop(table, statement.args["tables"][0].name, index=True)
        elif isinstance(statement, exp.Execute) and _is_column_rename(statement):
            self._rename_column(statement)
        elif not isinstance(statement, (exp.IfBlock, exp.Update, exp.Insert, exp.Delete)):
            # Schema creation (IF ... EXEC) and data changes leave keys and indexes alone;
            # anything else would need teaching here before the catalogue can follow it.
            raise RenderError(f"The offline catalogue cannot follow this statement: {sql}")

    def _alter(self, table: str, action, sql: str) -> None:
        kind = _kind(action)
        if isinstance(action, exp.ColumnDef):
            self._add_element(table, action)
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                self._add_element(table, constraint)
        elif isinstance(action, exp.Drop) and kind == "CONSTRAINT":
            self._drop(table, action.args["tables"][0].name)
        elif isinstance(action, exp.Drop) and kind == "COLUMN":
            column = action.args["tables"][0].name
            for name, entry in list(self._tables[table].items()):
                if column in entry["columns"]:
                    raise RenderError(f"{table}.{column} is dropped while {name} still uses it.")
        elif not isinstance(action, exp.AlterColumn):
            raise RenderError(f"The offline catalogue cannot follow this statement: {sql}")

    def _add_element(self, table: str, element) -> None:
        """Record a column's inline constraints, or one table-level constraint."""
        if isinstance(element, exp.ColumnDef):
            for constraint in element.args.get("constraints") or []:
                self._add_column_constraint(table, element.name, constraint)
            return
        name = element.name
        for body in element.expressions:
            if isinstance(body, exp.PrimaryKey):
                self._add(table, name, _names(body.expressions), primary_key=True, unique=True)
            elif isinstance(body, exp.UniqueColumnConstraint):
                self._add(table, name, _names(body.this.expressions), unique=True, unique_constraint=True)
            elif isinstance(body, exp.CheckColumnConstraint):
                self._add(table, name, _referenced_columns(body), check=True)
            elif isinstance(body, exp.ForeignKey):
                target = body.args["reference"].this
                foreign_key = (target.this.name, _names(target.expressions)[0])
                self._add(table, name, _names(body.expressions), foreign_key=foreign_key)
            else:
                raise RenderError(f"Unexpected table constraint {element.sql('tsql')} on {table}.")

    def _add_column_constraint(self, table: str, column: str, constraint) -> None:
        body, columns = constraint.args["kind"], [column]
        if isinstance(body, exp.PrimaryKeyColumnConstraint):
            flags = {"primary_key": True, "unique": True}
        elif isinstance(body, exp.UniqueColumnConstraint):
            flags = {"unique": True, "unique_constraint": True}
        elif isinstance(body, exp.CheckColumnConstraint):
            flags, columns = {"check": True}, _referenced_columns(body) or columns
        elif isinstance(body, exp.DefaultColumnConstraint):
            flags = {"default": True}
        elif isinstance(body, (exp.NotNullColumnConstraint, exp.GeneratedAsIdentityColumnConstraint)):
            return
        else:
            raise RenderError(f"Unexpected column constraint {constraint.sql('tsql')} on {table}.{column}.")
        if constraint.name:
            self._add(table, constraint.name, columns, **flags)
        else:
            # SQL Server names it (CK__otp_totp___throt__1A2B3C4D). Listed anyway, so a later
            # step that must drop it puts SERVER_NAMED in the script, and rendering fails.
            kind = next(flag for flag in flags if flag != "unique")
            self._tables[table][f"{self.SERVER_NAMED} {kind} {column}"] = _entry(columns, **flags)

    def _add_index(self, statement) -> None:
        index = statement.this
        table = self._known(_table_key(index.args["table"]))
        if index.name in self._tables[table]:
            raise RenderError(f"Index {index.name} already exists on {table}.")
        ordered = index.args["params"].args["columns"]
        entry = _entry(_names(ordered), unique=bool(statement.args.get("unique")), index=True)
        entry["orders"] = ["DESC" if column.args.get("desc") else "ASC" for column in ordered]
        entry["type"] = "idx"  # Index.suffix: what mssql-django reports for b-tree indexes
        self._tables[table][index.name] = entry

    def _add(self, table: str, name: str, columns: list[str], **flags) -> None:
        schema = _schema_of(table)
        for other_table, entries in self._tables.items():
            if _schema_of(other_table) == schema and name in entries and not entries[name]["index"]:
                raise RenderError(f"Constraint {name} on {table} already exists on {other_table}.")
        self._tables[table][name] = _entry(columns, **flags)

    def _drop(self, table: str, name: str, *, index: bool = False) -> None:
        entry = self._tables[table].get(name)
        if entry is None or entry["index"] != index:
            kind = "index" if index else "constraint"
            raise RenderError(f"The script drops {kind} {name} on {table}, which does not exist.")
        del self._tables[table][name]

    def _rename_column(self, statement) -> None:
        old = sqlglot.parse_one(statement.expressions[0].name, read="tsql")
        table = self._known(f"{old.db}.{old.table}" if old.db else old.table)
        new = statement.expressions[1].name
        for entry in self._tables[table].values():
            entry["columns"] = [new if column == old.name else column for column in entry["columns"]]

    def _known(self, table: str) -> str:
        if table not in self._tables:
            raise RenderError(f"The script changes {table} before creating it.")
        return table


def _entry(columns, *, primary_key=False, unique=False, unique_constraint=False, foreign_key=None,
           check=False, index=False, default=False) -> dict:
    return {
        "columns": list(columns),
        "primary_key": primary_key,
        "unique": unique,
        "unique_constraint": unique_constraint,
        "foreign_key": foreign_key,
        "check": check,
        "index": index,
        "default": default,
    }


def _kind(node) -> str:
    kind = node.args.get("kind")
    return kind.upper() if isinstance(kind, str) else ""


def _table_key(table: exp.Table) -> str:
    """``[ref].[Country]`` as Django names it, ``ref.Country``; unqualified stays bare."""
    return f"{table.db}.{table.name}" if table.db else table.name


def _schema_of(table: str) -> str:
    schema, dot, _ = table.partition(".")
    return schema if dot else "dbo"  # unqualified names resolve to the default schema


def _names(nodes) -> list[str]:
    return [(node.this if isinstance(node, exp.Ordered) else node).name for node in nodes]


def _referenced_columns(check) -> list[str]:
    return list(dict.fromkeys(column.name for column in check.find_all(exp.Column)))


def _is_column_rename(statement) -> bool:
    arguments = statement.expressions
    return (
        statement.this.name.lower() == "sp_rename"
        and len(arguments) == 3
        and arguments[2].name.upper() == "COLUMN"
    )


class OfflineIntrospection(mssql.DatabaseIntrospection):
    def get_constraints(self, cursor, table_name):
        """Answer from the script's own catalogue: the database is the script so far."""
        return self.connection.catalogue.constraints(table_name)


class _NoServerCursor:
    """Stands where mssql-django opens a cursor only to pass it to introspection."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, sql, params=None):
        raise RenderError(f"This step needs the server's answer to: {sql}")

    def __getattr__(self, name):
        raise RenderError(f"Rendering offline reached cursor.{name}(): that step needs a server.")


class _ServerClock:
    """The time the script runs, standing in for a default Django reads from the clock."""

    def __init__(self, internal_type: str):
        cast = {"DateField": "date", "TimeField": "time"}.get(internal_type)
        self.sql = f"CAST(SYSUTCDATETIME() AS {cast})" if cast else "SYSUTCDATETIME()"


class OfflineSchemaEditor(mssql.DatabaseSchemaEditor):
    def effective_default(self, field):
        """Write a clock-read default (auto_now_add, ``default=timezone.now``) as the server's clock.

        ``migrate`` fills existing rows with the time it runs; the script does the same with
        the time it runs, and reads the same on every rendering.
        """
        value = super().effective_default(field)
        reads_clock = (field.has_default() and callable(field.default)) or getattr(field, "auto_now", False) or getattr(
            field, "auto_now_add", False
        )
        if reads_clock and isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return _ServerClock(field.get_internal_type())
        return value

    def quote_value(self, value):
        return value.sql if isinstance(value, _ServerClock) else super().quote_value(value)

    def execute(self, sql, params=(), has_result=False):
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

    def __init__(self, settings_dict, alias=ALIAS, *, version: int = SQL_SERVER_VERSION):
        super().__init__(settings_dict, alias)
        # Both are cached_property values mssql-django fetches with SERVERPROPERTY on first
        # use (supports_json_field reads the version); an instance value stands in for the
        # fetch. The class-level caches (_known_versions, _known_azures) are shared by every
        # wrapper of an alias, so they are left alone.
        self.sql_server_version = version
        self.to_azure_sql_db = False
        self.catalogue = Catalogue()

    def ensure_connection(self):
        raise RenderError("Rendering offline tried to connect to SQL Server.")

    def cursor(self):
        return _NoServerCursor()

    # transaction.atomic() around a migration asks for and sets autocommit, which would
    # connect. The script writes BEGIN TRANSACTION / COMMIT TRANSACTION instead.
    def get_autocommit(self):
        return True

    def set_autocommit(self, autocommit, force_begin_transaction_with_broken_autocommit=False):
        self.autocommit = autocommit
