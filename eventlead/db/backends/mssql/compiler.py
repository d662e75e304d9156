"""Query compilers that give every schema-qualified table its own exposed name.

SQL Server exposes a table in FROM by its bare name, so ``[audit].[User]`` and ``[dbo].[User]``
in one FROM are Msg 1013 ("same exposed names; use correlation names"). Django aliases a table
by its ``db_table`` (``"audit.User"``) until the same table is joined twice, so an admin list
of ``audit.User`` rows with their ``dbo.User`` is exactly that. PostgreSQL and SQLite compare
the qualified names and accept it.

Here every table in one of the six schemas is exposed under its qualified name as one
identifier: ``FROM [audit].[User] [audit.User] LEFT OUTER JOIN [dbo].[User] [dbo.User] ON
([audit.User].[UserID] = [dbo.User].[UserID])``. The rule needs no knowledge of the rest of
the query, so a subquery that refers to an outer table (``OuterRef``) writes the same name
the outer query exposes, and no query can name two same-named tables unaliased.
"""

from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import FullResultSet
from django.db.models.sql.datastructures import BaseTable, Join
from mssql import compiler

from ... import naming

# A compiled statement or fragment and its parameters, as Django's compilers return them.
Compiled: TypeAlias = tuple[str, list[Any] | tuple[Any, ...]]

if TYPE_CHECKING:
    # The mixin goes in front of mssql-django's compilers (untyped), whose methods it extends.
    from mssql.compiler import SQLCompiler as _CompilerBase
else:
    _CompilerBase = object


def _qualified(name: object) -> bool:
    return isinstance(name, str) and naming.split_table(name)[0] is not None and not name.startswith("[")


def exposed_name(table: str) -> str:
    """``"audit.User"`` as the one identifier SQL Server exposes it by: ``[audit.User]``."""
    return f"[{table}]"


class ExposedNamesMixin(_CompilerBase):
    def quote_name_unless_alias(self, name: str) -> str:
        if _qualified(name):
            return exposed_name(name)
        quoted: str = super().quote_name_unless_alias(name)
        return quoted

    def compile(self, node: object, *args: Any, **kwargs: Any) -> Compiled:
        sql: str
        sql, params = super().compile(node, *args, **kwargs)
        if isinstance(node, (BaseTable, Join)) and _qualified(node.table_name):
            # Django wrote the table as quote_name_unless_alias() spells it, the exposed name
            # ("LEFT OUTER JOIN [dbo.User] ON ..."): write the table there, then its alias.
            exposed = exposed_name(node.table_name)
            prefix = f"{node.join_type} {exposed}" if isinstance(node, Join) else exposed
            if not sql.startswith(prefix):
                raise AssertionError(f"Unexpected FROM item for {node.table_name}: {sql}")
            table = self.connection.ops.quote_name(node.table_name)
            if node.table_alias == node.table_name:
                table = f"{table} {exposed}"
            sql = prefix.replace(exposed, table, 1) + sql[len(prefix) :]
        return sql, params


class SQLCompiler(ExposedNamesMixin, compiler.SQLCompiler):
    pass


class SQLInsertCompiler(ExposedNamesMixin, compiler.SQLInsertCompiler):
    pass


class SQLDeleteCompiler(ExposedNamesMixin, compiler.SQLDeleteCompiler):
    def as_sql(self) -> Compiled:
        """``DELETE [dbo.User] FROM [dbo].[User] [dbo.User] WHERE ...``: the WHERE names the alias."""
        sql, params = super().as_sql()
        table = self.query.base_table
        if _qualified(table):
            exposed = exposed_name(table)
            # S608: the quoted table name the compiler wrote itself; values stay parameters.
            target = f"DELETE FROM {exposed}"  # noqa: S608
            sql = sql.replace(target, f"DELETE {exposed} FROM {self.connection.ops.quote_name(table)} {exposed}", 1)
        return sql, params


class SQLUpdateCompiler(ExposedNamesMixin, compiler.SQLUpdateCompiler):
    def as_sql(self) -> Compiled:
        """``UPDATE [dbo.User] SET ... FROM [dbo].[User] [dbo.User] WHERE ...``."""
        sql, params = super().as_sql()
        table = self.query.base_table
        if not sql or not _qualified(table):
            return sql, params
        source = f"FROM {self.connection.ops.quote_name(table)} {exposed_name(table)}"
        where = self._where_sql()
        if where:
            clause = f" WHERE {where}"
            if not sql.endswith(clause):
                raise AssertionError(f"Unexpected UPDATE shape: {sql}")
            return f"{sql[: -len(clause)]} {source}{clause}", params
        return f"{sql} {source}", params

    def _where_sql(self) -> str:
        try:
            where, _ = self.compile(self.query.where)
        except FullResultSet:
            return ""
        return where


class SQLAggregateCompiler(ExposedNamesMixin, compiler.SQLAggregateCompiler):
    pass
