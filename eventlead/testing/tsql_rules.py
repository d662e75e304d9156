"""Rules a T-SQL parser does not check, but SQL Server refuses when it compiles a statement.

sqlglot parses T-SQL without knowing SQL Server's binding rules. Each rule here is one that
PostgreSQL and SQLite accept, so a suite that runs on them stays green while SQL Server
would answer with an error:

- two table references with the same exposed name in one FROM (Msg 1013);
- ORDER BY in a subquery, derived table or CTE without TOP or OFFSET (Msg 1033);
- OFFSET without ORDER BY (Msg 102 near OFFSET);
- more than 2,100 parameters in one request (Msg 8003);
- a boolean predicate used as a value, e.g. ``SELECT (a = b) AS x`` (Msg 102 / 4145).
"""

from __future__ import annotations

import logging
import re

import sqlglot
from sqlglot import exp

MAX_PARAMETERS = 2100

# sqlglot warns for each statement it cannot parse; those are findings here instead.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# %s placeholders (Django's paramstyle) as T-SQL's ?, and %% back to a literal %.
_PARAMSTYLE = re.compile(r"%([s%])")
# mssql-django starts INSERT, UPDATE and DELETE with "SET NOCOUNT ON" (or OFF), sometimes
# with no semicolon after it, and wraps an INSERT of an explicit identity value in SET
# IDENTITY_INSERT ... ON/OFF; sqlglot parses neither. Both are plain session switches.
_SESSION_SWITCH = re.compile(r"SET (NOCOUNT|IDENTITY_INSERT \[\w+\](\.\[\w+\])?) (ON|OFF);?\s*")

_CONNECTIVES = (exp.And, exp.Or, exp.Not)
_PREDICATES = (exp.Predicate, *_CONNECTIVES)


def to_tsql(sql: str) -> str:
    """Django's SQL with ``%s`` parameters as T-SQL with ``?`` parameters."""
    return _PARAMSTYLE.sub(lambda match: "?" if match[1] == "s" else "%", _SESSION_SWITCH.sub("", sql))


def violations(sql: str, parameter_count: int) -> list[str]:
    """Every rule ``sql`` (Django paramstyle) breaks; a parse failure is one too."""
    found = []
    if parameter_count > MAX_PARAMETERS:
        found.append(f"{parameter_count} parameters: SQL Server takes at most {MAX_PARAMETERS} (Msg 8003)")
    try:
        statements = sqlglot.parse(to_tsql(sql), read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as error:
        return [*found, f"not valid T-SQL: {str(error).splitlines()[0]}"]
    for statement in statements:
        if isinstance(statement, exp.Command):
            found.append(f"not parsed as T-SQL, so not checked: {statement.sql('tsql')[:120]}")
        elif statement is not None and not isinstance(statement, exp.Set):
            found += statement_violations(statement)
    return found


def statement_violations(statement: exp.Expr) -> list[str]:
    found = []
    for node in statement.walk():
        if isinstance(node, (exp.Select, exp.Update, exp.Delete)):
            found += _exposed_names(node)
        if isinstance(node, exp.Select):
            found += _ordering(node, is_root=node is statement)
        # A chain of AND/OR/NOT is judged once, at its top.
        if isinstance(node, _PREDICATES) and not isinstance(node.parent, _CONNECTIVES) and not _is_condition(node):
            found.append(f"a boolean predicate used as a value: {node.sql('tsql')[:120]}")
    return found


def _exposed_names(node) -> list[str]:
    """Msg 1013: FROM ``[audit].[User]`` and ``[dbo].[User]`` both expose ``User``."""
    sources = []
    from_ = node.args.get("from_") or node.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
    sources += [join.this for join in node.args.get("joins") or []]
    seen, found = set(), []
    for source in sources:
        name = source.alias_or_name.lower()
        if name in seen:
            found.append(f"two table references expose the name {source.alias_or_name!r} in one FROM (Msg 1013)")
        seen.add(name)
    return found


def _ordering(select: exp.Select, *, is_root: bool) -> list[str]:
    found = []
    order, limit, offset = select.args.get("order"), select.args.get("limit"), select.args.get("offset")
    if offset is not None and order is None:
        found.append("OFFSET without ORDER BY")
    if order is not None and not is_root and limit is None and offset is None:
        found.append("ORDER BY in a subquery without TOP or OFFSET (Msg 1033)")
    return found


def _is_condition(predicate: exp.Expr) -> bool:
    """Whether ``predicate`` (climbing through AND/OR/NOT/parentheses) is a search condition."""
    node = predicate
    while isinstance(node.parent, (exp.Paren, exp.Escape, *_CONNECTIVES)):
        node = node.parent
    parent, key = node.parent, node.arg_key
    if parent is None:
        return False
    if isinstance(parent, (exp.Where, exp.Having)):
        return True
    if isinstance(parent, exp.Join):
        return key == "on"
    if isinstance(parent, (exp.If, exp.IfBlock)):  # CASE WHEN <condition>, IIF(<condition>, ...), IF <condition>
        return key == "this"
    if isinstance(parent, (exp.Update, exp.Insert)) and key == "expressions":
        return isinstance(node, exp.EQ)  # the assignments of UPDATE ... SET a = b
    return False
