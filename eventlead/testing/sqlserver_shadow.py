"""The SQL Server shadow pass: every ORM statement the suite runs, compiled for SQL Server too.

No SQL Server runs on these machines. While the suite runs on SQLite or PostgreSQL, each
statement the ORM is about to execute is also compiled by the project's SQL Server backend,
offline (``eventlead.db.sqlserver.OfflineDatabaseWrapper``), once pinned to SQL Server 2019
and once to 2022, with that backend's own feature flags. Each compiled statement is parsed
as T-SQL and checked against the rules in ``tsql_rules``; a statement that does not compile
at all is a finding too. The test that ran the statement fails with what was found.

Turned on with ``SQLSERVER_SHADOW=1`` (``make test`` does, in its SQLite pass).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.sql import compiler as django_compiler

from eventlead.db import naming
from eventlead.db.sqlserver import OfflineDatabaseWrapper, sqlserver_settings

from . import tsql_rules

VERSIONS = (2019, 2022)

# Feature flags Django reads while it builds a query, before any compiler sees it: Q.check()
# (constraint validation) compares a boolean expression only where the engine can, a
# subquery keeps its ORDER BY only where the engine ignores it, bulk_create() reads back
# primary keys only where a multi-row INSERT returns rows. The running engine takes SQL
# Server's answers for the pass, so the queries compiled are the ones SQL Server would get.
# Each answer also works on SQLite and PostgreSQL, only less natively.
CONSTRUCTION_FEATURES = (
    "supports_comparing_boolean_expr",
    "ignores_unnecessary_order_by_in_subqueries",
    "can_return_rows_from_bulk_insert",
    "supports_ignore_conflicts",
    "supports_update_conflicts",
    "supports_update_conflicts_with_target",
    "supports_default_keyword_in_bulk_insert",
    "requires_casted_case_in_updates",
    "supports_select_for_update_with_limit",
)


class ShadowWrapper(OfflineDatabaseWrapper):
    """The offline SQL Server backend, in or out of a transaction as the real connection is.

    ``select_for_update()`` is refused outside a transaction; the answer must be the one the
    connection that runs the statement would give.
    """

    mirror = None

    def get_autocommit(self):
        return self.mirror.get_autocommit() if self.mirror is not None else True


@dataclass
class Finding:
    version: int | None  # None: whatever the version
    problem: str
    sql: str


@dataclass
class Shadow:
    wrappers: dict = field(default_factory=dict)
    statements: int = 0
    _checked: dict = field(default_factory=dict)  # (sql, parameter count) -> problems
    findings: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.wrappers = {
            version: ShadowWrapper(sqlserver_settings(), f"sqlserver-shadow-{version}", version=version)
            for version in VERSIONS
        }

    @property
    def distinct(self) -> int:
        return len(self._checked)

    def check(self, compiler, returning_fields=None) -> None:
        """Compile ``compiler``'s query for each SQL Server version and check every statement."""
        if _changes_audit_rows(compiler):
            # The audit tables' INSTEAD OF trigger answers with THROW, which on SQL Server
            # dooms the whole transaction, even when the statement matches no row.
            table = compiler.query.get_meta().db_table
            self._found(None, f"UPDATE or DELETE on the append-only table {table}", "")
        for version, wrapper in self.wrappers.items():
            wrapper.mirror = compiler.connection
            # Compilers look nested queries' connection up by alias (aggregates over a
            # subquery); registered here, in whichever thread runs the statement.
            connections[wrapper.alias] = wrapper
            try:
                statements = _compile(compiler, wrapper, returning_fields)
            except (EmptyResultSet, FullResultSet):
                return  # nothing is sent to any server
            except Exception as error:  # noqa: BLE001 - a statement SQL Server's backend cannot write
                self._found(version, f"does not compile for SQL Server: {type(error).__name__}: {error}", "")
                continue
            finally:
                wrapper.mirror = None
            for sql, params in statements:
                self._check_statement(version, sql, len(params))

    def _check_statement(self, version: int, sql: str, parameter_count: int) -> None:
        key = (sql, parameter_count)
        with self._lock:
            self.statements += 1
            problems = self._checked.get(key)
        if problems is None:
            problems = tsql_rules.violations(sql, parameter_count)
            with self._lock:
                self._checked[key] = problems
        for problem in problems:
            self._found(version, problem, sql)

    def _found(self, version: int | None, problem: str, sql: str) -> None:
        with self._lock:
            self.findings.append(Finding(version, problem, sql))

    def take_findings(self) -> list[Finding]:
        with self._lock:
            findings, self.findings = self.findings, []
        return findings


def _changes_audit_rows(compiler) -> bool:
    changes = isinstance(compiler, (django_compiler.SQLUpdateCompiler, django_compiler.SQLDeleteCompiler))
    return changes and naming.split_table(compiler.query.get_meta().db_table)[0] == "audit"


def _compile(compiler, wrapper, returning_fields) -> list[tuple[str, tuple]]:
    """The statements SQL Server would be sent for ``compiler``'s query."""
    query = compiler.query.clone()
    shadow = query.get_compiler(wrapper.alias, elide_empty=compiler.elide_empty)
    if not isinstance(shadow, django_compiler.SQLInsertCompiler):
        sql, params = shadow.as_sql()
        return [(sql, params)] if sql else []
    # SQL Server cannot return rows from a multi-row INSERT, and takes at most its own batch
    # size: bulk_create() there sends the rows in batches, returning nothing.
    objs = query.objs
    if len(objs) > 1 and not wrapper.features.can_return_rows_from_bulk_insert:
        returning_fields = None
    batch = wrapper.ops.bulk_batch_size(query.fields, objs) or len(objs) or 1
    statements = []
    for start in range(0, max(len(objs), 1), batch):
        part = query.clone()
        part.objs = objs[start : start + batch]
        part_compiler = part.get_compiler(wrapper.alias)
        part_compiler.returning_fields = returning_fields
        statements += part_compiler.as_sql()
    return statements


_shadow: Shadow | None = None


def install() -> Shadow:
    """Check every statement the ORM executes from now on; return the collector."""
    global _shadow
    if _shadow is not None:
        return _shadow
    _shadow = Shadow()
    sqlserver_features = next(iter(_shadow.wrappers.values())).features
    running_features = type(connections[DEFAULT_DB_ALIAS].features)
    for name in CONSTRUCTION_FEATURES:
        setattr(running_features, name, getattr(sqlserver_features, name))
    select_execute = django_compiler.SQLCompiler.execute_sql
    insert_execute = django_compiler.SQLInsertCompiler.execute_sql

    def execute_sql(self, *args, **kwargs):
        if self.connection.vendor != "microsoft":
            _shadow.check(self)
        return select_execute(self, *args, **kwargs)

    def insert_execute_sql(self, returning_fields=None):
        if self.connection.vendor != "microsoft":
            _shadow.check(self, returning_fields)
        return insert_execute(self, returning_fields)

    # Patching the compilers is the point: every query passes through the shadow check first.
    django_compiler.SQLCompiler.execute_sql = execute_sql  # type: ignore[method-assign]
    django_compiler.SQLInsertCompiler.execute_sql = insert_execute_sql  # type: ignore[method-assign]
    return _shadow


def active() -> Shadow | None:
    return _shadow
