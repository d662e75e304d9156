"""SQL Server's query compilers and the rules the shadow pass checks, without a server.

Every ORM statement of the suite is compiled for SQL Server in the SQLite pass of ``make test``
(``eventlead.testing.sqlserver_shadow``); these tests pin the pieces that pass relies on.
"""

import pytest
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.db.models.sql.subqueries import DeleteQuery, UpdateQuery

from accounts.models import User
from auditing.models import ActivityLog, AuditUser
from eventlead.db.sqlserver import OfflineDatabaseWrapper, sqlserver_settings
from eventlead.testing import sqlserver_shadow, tsql_rules


def sqlserver(compiler_module=None, version=2022):
    wrapper = OfflineDatabaseWrapper(sqlserver_settings(), f"sqlserver-{version}", version=version)
    if compiler_module:
        wrapper.ops.compiler_module = compiler_module
    return wrapper


def compiled(query, wrapper=None):
    sql, params = query.get_compiler(connection=wrapper or sqlserver()).as_sql()
    return sql, params


def audit_changelist():
    """The admin's audit.User list: each snapshot with the user and the admin who changed it."""
    return AuditUser.objects.select_related("user", "changed_by").order_by("-changed_date")[:100].query


# Exposed names ------------------------------------------------------------------------------


def test_mssql_django_alone_joins_audit_user_and_dbo_user_under_one_exposed_name():
    sql, params = compiled(audit_changelist(), sqlserver(compiler_module="mssql.compiler"))

    assert "FROM [audit].[User] LEFT OUTER JOIN [dbo].[User] ON" in sql
    assert any("expose the name 'User'" in problem for problem in tsql_rules.violations(sql, len(params)))


def test_each_schema_qualified_table_is_exposed_under_its_qualified_name():
    sql, params = compiled(audit_changelist())

    assert "FROM [audit].[User] [audit.User] LEFT OUTER JOIN [dbo].[User] [dbo.User] ON" in sql
    assert "LEFT OUTER JOIN [dbo].[User] T3 ON ([audit.User].[UserID] = T3.[UserID])" in sql
    assert "[audit].[User].[" not in sql
    assert tsql_rules.violations(sql, len(params)) == []


def test_a_subquery_names_the_outer_table_as_the_outer_query_exposes_it():
    query = User.objects.filter(Exists(AuditUser.objects.filter(user=OuterRef("pk")))).query
    sql, params = compiled(query)

    assert "WHERE U0.[UserID] = ([dbo.User].[UserID])" in sql
    assert "FROM [dbo].[User] [dbo.User]" in sql
    assert tsql_rules.violations(sql, len(params)) == []


def test_update_sets_through_the_exposed_name():
    query = User.objects.filter(email="a@example.com").query.chain(klass=UpdateQuery)
    query.add_update_values({"failed_login_attempts": F("failed_login_attempts") + 1})
    sql, params = compiled(query)

    assert sql == (
        "SET NOCOUNT OFF; UPDATE [dbo.User] SET [FailedLoginAttempts] = ([dbo.User].[FailedLoginAttempts] + %s) "
        "FROM [dbo].[User] [dbo.User] WHERE [dbo.User].[Email] = %s"
    )
    assert params == (1, "a@example.com")
    assert tsql_rules.violations(sql, len(params)) == []


def test_update_of_every_row_still_names_its_source():
    query = User.objects.all().query.chain(klass=UpdateQuery)
    query.add_update_values({"is_locked": False})
    sql, _ = compiled(query)

    assert sql == "SET NOCOUNT OFF; UPDATE [dbo.User] SET [IsLocked] = %s FROM [dbo].[User] [dbo.User]"


def test_delete_removes_through_the_exposed_name():
    query = User.objects.filter(email="a@example.com").query.chain(klass=DeleteQuery)
    sql, params = compiled(query)

    assert sql == "SET NOCOUNT OFF; DELETE [dbo.User] FROM [dbo].[User] [dbo.User] WHERE [dbo.User].[Email] = %s"
    assert tsql_rules.violations(sql, len(params)) == []


def test_tables_outside_the_six_schemas_keep_their_plain_names():
    from django.contrib.sessions.models import Session

    sql, _ = compiled(Session.objects.filter(session_key="k").query)

    assert "FROM [django_session] WHERE [django_session].[session_key] = %s" in sql


# The rules ---------------------------------------------------------------------------------

REFUSED = [
    ("SELECT [a] FROM [audit].[User] JOIN [dbo].[User] ON [x] = [y]", "expose the name 'User'"),
    ("SELECT [a] FROM [audit].[User] [u] JOIN [dbo].[User] [U] ON [x] = [y]", "expose the name 'U'"),
    ("SELECT [a] FROM (SELECT [a] FROM [t] ORDER BY [a]) [s]", "ORDER BY in a subquery"),
    ("SELECT [a] FROM [t] WHERE [a] IN (SELECT [b] FROM [u] ORDER BY [b])", "ORDER BY in a subquery"),
    ("SELECT [a] FROM [t] ORDER BY [a] OFFSET 5 ROWS", None),
    ("SELECT [a] FROM [t] OFFSET 5 ROWS", "OFFSET without ORDER BY"),
    ("SELECT ([a] = %s) AS [b] FROM [t]", "a boolean predicate used as a value"),
    ("SELECT [a] FROM [t] ORDER BY ([a] > %s)", "a boolean predicate used as a value"),
    ("SELECT COALESCE(([a] >= %s AND [a] < %s), %s) AS [c] FROM [t]", "a boolean predicate used as a value"),
    ("UPDATE [t] SET [a] = ([b] = %s)", "a boolean predicate used as a value"),
    ("SELECT [a] FROM [t] WHERE ([a] = %s AND NOT EXISTS (SELECT 1 FROM [u]))", None),
    ("SELECT CASE WHEN [a] LIKE %s ESCAPE '\\' THEN 1 ELSE 0 END AS [b] FROM [t] WHERE [c] LIKE '%%x'", None),
    ("SELECT TOP 1 [a] FROM (SELECT TOP 5 [a] FROM [t] ORDER BY [a]) [s]", None),
    ("SET NOCOUNT ON INSERT INTO [t] ([a]) VALUES (%s)", None),
    (
        "SET IDENTITY_INSERT [audit].[t] ON; SET NOCOUNT ON INSERT INTO [audit].[t] ([a]) VALUES (%s); "
        "SET IDENTITY_INSERT [audit].[t] OFF",
        None,
    ),
    ("SET LOCK_TIMEOUT 5 SELECT [a] FROM [t]", "not parsed as T-SQL"),
    ("SELECT FROM WHERE", "not valid T-SQL"),
]


@pytest.mark.parametrize(("sql", "problem"), REFUSED)
def test_each_rule_refuses_what_sql_server_refuses_and_nothing_else(sql, problem):
    found = tsql_rules.violations(sql, sql.count("%s"))

    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0], found


def test_more_than_2100_parameters_is_refused():
    placeholders = ", ".join(["%s"] * 2101)
    sql = f"SELECT [a] FROM [t] WHERE [a] IN ({placeholders})"

    assert tsql_rules.violations(sql, 2101) == ["2101 parameters: SQL Server takes at most 2100 (Msg 8003)"]
    assert tsql_rules.violations(sql.replace(", %s)", ")"), 2100) == []


# The shadow pass ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shadow_compiles_each_statement_for_both_versions_and_reports_what_sql_server_refuses():
    shadow = sqlserver_shadow.Shadow()
    clean = audit_changelist().get_compiler(connection=connection)
    shadow.check(clean)

    assert shadow.statements == 2  # 2019 and 2022
    assert shadow.take_findings() == []

    shadow.wrappers = {
        version: sqlserver(compiler_module="mssql.compiler", version=version) for version in sqlserver_shadow.VERSIONS
    }
    shadow.check(audit_changelist().get_compiler(connection=connection))
    assert [(finding.version, "expose the name 'User'" in finding.problem) for finding in shadow.take_findings()] == [
        (2019, True),
        (2022, True),
    ]


@pytest.mark.django_db
def test_the_shadow_reports_an_update_of_an_audit_table():
    shadow = sqlserver_shadow.Shadow()
    query = ActivityLog.objects.filter(pk=1).query.chain(klass=UpdateQuery)
    query.add_update_values({"description": "changed"})

    shadow.check(query.get_compiler(connection=connection))

    (finding,) = shadow.take_findings()
    assert finding.problem == "UPDATE or DELETE on the append-only table audit.ActivityLog"


@pytest.mark.django_db
def test_the_shadow_splits_a_bulk_insert_into_sql_server_batches_returning_nothing():
    from django.db.models.sql.subqueries import InsertQuery

    rows = [ActivityLog(action="a", entity_type="t") for _ in range(250)]
    query = InsertQuery(ActivityLog)
    fields = [field for field in ActivityLog._meta.concrete_fields if not field.primary_key]
    query.insert_values(fields, rows)
    shadow = sqlserver_shadow.Shadow()

    shadow.check(query.get_compiler(connection=connection), returning_fields=[ActivityLog._meta.pk])

    batch = sqlserver().ops.bulk_batch_size(fields, rows)
    expected_batches = -(-len(rows) // batch)
    assert expected_batches > 1
    assert shadow.statements == 2 * expected_batches
    assert shadow.take_findings() == []


# Statements the database tests send by hand --------------------------------------------------


def test_the_hand_written_test_statements_are_spelled_for_sql_server_there():
    import sqlglot

    from companies.models import Company

    from .engine_sql import drop_index_sql, stray_table

    wrapper = sqlserver()
    drop = drop_index_sql(wrapper, Company, "IX_Company_CompanyName")
    name, create = stray_table(wrapper)

    assert drop == "DROP INDEX [IX_Company_CompanyName] ON [dbo].[Company]"
    assert name == "stray.stray_table"
    assert create[-1] == "CREATE TABLE [stray].[stray_table] (id integer)"
    for statement in [drop, create[-1]]:
        sqlglot.parse_one(statement, read="tsql")
