"""SQL Server introspection is exact to the schema, and the checks read the script's database.

No SQL Server runs here. The backend's introspection is run against ``ServerCursor``, which
answers each catalog query as a server holding a small script's tables would: the rows of the
``sys`` view the query reads, for the one object its ``OBJECT_ID`` names. ``verify_database``
and ``audit_schema`` are run against the database the rendered script builds, read offline
(``eventlead.db.sqlserver.script_database``) through the same row-shaping code.
"""

import io

import pytest
import sqlglot
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from sqlglot import exp

from eventlead.db.backends.mssql import base as mssql
from eventlead.db.backends.mssql import introspection as catalog
from eventlead.db.checks.report import FAIL, OK
from eventlead.db.checks.standards import Violation, audit_database
from eventlead.db.checks.verification import verify_structure
from eventlead.db.sqlserver import (
    Catalogue,
    OfflineDatabaseWrapper,
    OfflineIntrospection,
    ScriptIntrospection,
    render_script,
    script_database,
    split_batches,
    sqlserver_settings,
)

# Two tables named User in two schemas, each with columns and a DEFAULT the other lacks, and
# a reference table with an identity key outside dbo.
SCRIPT = """
CREATE TABLE [dbo].[User] ([UserID] int NOT NULL CONSTRAINT [PK_User] PRIMARY KEY IDENTITY (1, 1),
    [Email] nvarchar(254) NOT NULL,
    [TimezoneIdentifier] nvarchar(64) CONSTRAINT [DF_User_TimezoneIdentifier] DEFAULT 'Australia/Sydney' NOT NULL);
GO
CREATE TABLE [audit].[User] ([AuditUserID] bigint NOT NULL CONSTRAINT [PK_AuditUser] PRIMARY KEY IDENTITY (1, 1),
    [UserID] int NULL, [Operation] nvarchar(20) NOT NULL,
    CONSTRAINT [CK_AuditUser_Operation] CHECK ([Operation] IN ('insert', 'update')));
GO
ALTER TABLE [audit].[User] ADD CONSTRAINT [FK_AuditUser_User] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_AuditUser_UserID] ON [audit].[User] ([UserID]);
GO
CREATE TABLE [ref].[Country] ([CountryID] int NOT NULL CONSTRAINT [PK_Country] PRIMARY KEY IDENTITY (1, 1),
    [Code] nvarchar(2) NOT NULL CONSTRAINT [UQ_Country_Code] UNIQUE, [TaxRate] numeric(5, 4) NULL,
    [IntegrationConfig] nvarchar(max) NULL);
GO
"""

VIEWS = {
    "columns": catalog.COLUMNS,
    "key_constraints": catalog.KEY_CONSTRAINTS,
    "foreign_keys": catalog.FOREIGN_KEYS,
    "check_constraints": catalog.CHECK_CONSTRAINTS,
    "default_constraints": catalog.DEFAULT_CONSTRAINTS,
    "indexes": catalog.INDEXES,
}
METHODS = (
    "get_table_description",
    "get_sequences",
    "get_relations",
    "get_key_columns",
    "get_constraints",
    "get_primary_key_column",
)


class ServerCursor:
    """A SQL Server holding ``catalogue``'s tables, as far as the catalog queries go.

    A query is answered with the rows of the view it reads (``FROM sys.<view>``) for the table
    whose ``[schema].[table]`` its ``OBJECT_ID`` names, as plain tuples like a driver's rows;
    one keyed any other way gets nothing. It has no ``columns()`` (ODBC SQLColumns).
    """

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.executed = []
        self.rows = []

    def execute(self, sql, params=None):
        self.executed.append((sql, params))
        tree = sqlglot.parse_one(sql, read="tsql")
        query = VIEWS[tree.find(exp.From).this.name]
        named = tree.find(exp.ObjectId).this
        table = exp.to_table(named.name, dialect="tsql") if isinstance(named, exp.National) else None
        rows = self.catalogue.rows(query, f"{table.db}.{table.name}") if table and table.db else []
        self.rows = [tuple(row) for row in rows]

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return self.rows[0] if self.rows else None


@pytest.fixture
def server():
    catalogue = Catalogue()
    for batch in split_batches(SCRIPT):
        catalogue.record(batch)
    return ServerCursor(catalogue)


@pytest.fixture
def introspection():
    """The backend's own introspection (not the offline one), on a wrapper pinned to 2022."""
    return mssql.DatabaseIntrospection(OfflineDatabaseWrapper(sqlserver_settings()))


@pytest.fixture(scope="module")
def rendered():
    return render_script()


def keyed_object(sql: str, params) -> str:
    """The object a catalog query is about, checking that it names it only by its object id.

    Every table it reads is a ``sys`` view; its one OBJECT_ID call is compared with an object
    id column in the WHERE clause; no other string names a table (no ``t.name = 'User'``, no
    ``OBJECT_NAME(...) = 'User'``); and the name is not passed as a parameter.
    """
    assert not params
    tree = sqlglot.parse_one(sql, read="tsql")
    assert isinstance(tree, exp.Select), sql
    unqualified = [table.sql("tsql") for table in tree.find_all(exp.Table) if table.db != "sys"]
    assert not unqualified, f"not a sys catalog view: {unqualified} in {sql}"
    [object_id] = tree.find_all(exp.ObjectId)
    comparison = object_id.parent
    assert isinstance(comparison, exp.EQ) and comparison.find_ancestor(exp.Where), sql
    assert comparison.this.name in ("object_id", "parent_object_id"), sql
    strings = [node.name for node in tree.find_all(exp.National)]
    strings += [node.name for node in tree.find_all(exp.Literal) if node.is_string]
    assert [string for string in strings if string != "MS_Description"] == [object_id.this.name], sql
    return object_id.this.name


@pytest.mark.parametrize("method", METHODS)
def test_every_query_is_keyed_on_the_object_id_of_the_table_in_its_schema(server, introspection, method):
    getattr(introspection, method)(server, "audit.User")

    assert server.executed
    assert {keyed_object(sql, params) for sql, params in server.executed} == {"[audit].[User]"}
    assert not any("SQLColumns" in sql or "INFORMATION_SCHEMA" in sql for sql, _ in server.executed)


def test_a_bare_name_is_looked_up_in_the_default_schema_and_names_are_escaped():
    assert catalog.object_id_sql("django_session") == "OBJECT_ID(QUOTENAME(SCHEMA_NAME()) + N'.[django_session]')"

    object_id = catalog.object_id_sql("ref.O'Brien]")
    escaped = sqlglot.parse_one(f"SELECT {object_id}", read="tsql").find(exp.National)

    table = exp.to_table(escaped.name, dialect="tsql")
    assert (table.db, table.name) == ("ref", "O'Brien]")


def test_audit_user_and_dbo_user_are_described_with_their_own_columns_and_defaults(server, introspection):
    audit_user = introspection.get_table_description(server, "audit.User")
    dbo_user = introspection.get_table_description(server, "dbo.User")
    audit_constraints = introspection.get_constraints(server, "audit.User")
    dbo_constraints = introspection.get_constraints(server, "dbo.User")

    assert [column.name for column in audit_user] == ["AuditUserID", "UserID", "Operation"]
    assert [column.name for column in dbo_user] == ["UserID", "Email", "TimezoneIdentifier"]
    assert [column.default for column in dbo_user] == [None, None, "'Australia/Sydney'"]
    assert sorted(audit_constraints) == [
        "CK_AuditUser_Operation",
        "FK_AuditUser_User",
        "IX_AuditUser_UserID",
        "PK_AuditUser",
    ]
    assert sorted(dbo_constraints) == ["DF_User_TimezoneIdentifier", "PK_User"]
    assert dbo_constraints["DF_User_TimezoneIdentifier"] == {
        "columns": ["TimezoneIdentifier"],
        "primary_key": False,
        "unique": False,
        "unique_constraint": False,
        "foreign_key": None,
        "check": False,
        "index": False,
        "default": True,
    }
    assert audit_constraints["FK_AuditUser_User"]["foreign_key"] == ("User", "UserID")
    assert audit_constraints["IX_AuditUser_UserID"]["orders"] == ["ASC"]
    # A key from audit.User to dbo.User is not one to itself: the target keeps its schema.
    assert introspection.get_relations(server, "audit.User") == {"UserID": ("UserID", "dbo.User")}
    assert introspection.get_key_columns(server, "audit.User") == [("UserID", "dbo.User", "UserID")]


def test_identity_and_types_are_found_on_tables_outside_dbo(server, introspection):
    columns = {column.name: column for column in introspection.get_table_description(server, "ref.Country")}
    audit_key = introspection.get_table_description(server, "audit.User")[0]

    def field_type(column):
        return introspection.get_field_type(column.type_code, column)

    assert field_type(columns["CountryID"]) == "AutoField"
    assert field_type(audit_key) == "BigAutoField"
    assert (field_type(columns["Code"]), columns["Code"].internal_size, columns["Code"].null_ok) == ("CharField", 2, 0)
    assert (field_type(columns["TaxRate"]), columns["TaxRate"].precision, columns["TaxRate"].scale) == (
        "DecimalField",
        5,
        4,
    )
    assert field_type(columns["IntegrationConfig"]) == "TextField"
    assert introspection.get_sequences(server, "ref.Country") == [{"table": "ref.Country", "column": "CountryID"}]
    assert introspection.get_primary_key_column(server, "ref.Country") == "CountryID"
    assert introspection.get_constraints(server, "ref.Country")["UQ_Country_Code"]["unique_constraint"]


def test_a_missing_table_is_reported_missing(server, introspection):
    with pytest.raises(DatabaseError, match="ref.Nowhere does not exist"):
        introspection.get_table_description(server, "ref.Nowhere")
    with pytest.raises(ValueError, match="ref.Nowhere does not exist"):
        introspection.get_primary_key_column(server, "ref.Nowhere")
    assert introspection.get_constraints(server, "ref.Nowhere") == {}


def test_the_offline_database_replaces_only_the_fetching_of_rows():
    """Whatever turns rows into Django's structures is the backend's, as with a server."""

    def own(cls):
        return {name for name in vars(cls) if not name.startswith("__")}

    assert own(OfflineIntrospection) == {"_catalog_rows"}
    assert own(ScriptIntrospection) == {"_table_rows"}


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_the_database_the_script_builds_verifies_and_audits_clean(rendered, tmp_path):
    with script_database(rendered) as connection:
        results = verify_structure(connection)
        audit = audit_database(connection)
        tables = {table.name for table in connection.introspection.get_table_list(connection.cursor())}

    assert {"dbo.User", "User", "audit.User", "ref.Country", "django_session"} <= tables
    assert {result.check for result in results} == {"tables", "columns", "names present"}
    assert [result for result in results if result.failed] == []
    # Its DEFAULT constraints are how SQL Server keeps column defaults, not extra constraints.
    assert {result.target: result.detail for result in results}["dbo.User"] == "18 of 18"
    assert (audit.violations, audit.tables) == ([], 40)
    path = tmp_path / "schema.sql"
    path.write_text(rendered, encoding="utf-8")
    verified = run("verify_database", "--sqlserver-script", str(path))
    assert f"Verifying the SQL Server script {path} (offline)" in verified
    assert "Note: Offline, only the structure is verified" in verified
    assert verified.rstrip().endswith(f"{sum(result.result == OK for result in results)} passed, 0 failed.")
    audited = run("audit_schema", "--sqlserver-script", str(path))
    assert f"SQL Server script {path} (offline): 40 tables audited; " in audited
    assert audited.rstrip().endswith("No violations.")
    # Without a path, the committed script (a test of its own keeps it a fresh rendering).
    assert run("audit_schema", "--sqlserver-script").rstrip().endswith("No violations.")


def test_a_misnamed_default_and_a_missing_index_in_the_script_are_reported(rendered, tmp_path):
    index = "CREATE INDEX [IX_Company_CompanyName] ON [dbo].[Company] ([CompanyName]);\nGO\n"
    broken = rendered.replace(index, "").replace("[DF_User_TimezoneIdentifier]", "[DF_User_Timezone]")
    assert index in rendered and "[DF_User_Timezone]" in broken

    with script_database(broken) as connection:
        failed = [result for result in verify_structure(connection) if result.failed]
        violations = audit_database(connection).violations

    assert [(result.check, result.target, result.result) for result in failed] == [
        ("names present", "dbo.Company", FAIL),
    ]
    assert "; IX_Company_CompanyName (index) missing" in failed[0].detail
    assert violations == [
        Violation(
            "DF_User_Timezone",
            "constraint name",
            "on dbo.User: the DEFAULT of TimezoneIdentifier is named DF_User_TimezoneIdentifier",
        )
    ]
    path = tmp_path / "broken.sql"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CommandError, match="1 check"):
        run("verify_database", "--sqlserver-script", str(path))
    with pytest.raises(CommandError, match="1 violation"):
        run("audit_schema", "--sqlserver-script", str(path))


def test_a_table_in_a_schema_outside_the_six_is_listed_and_reported(rendered):
    from .engine_sql import stray_table

    with script_database(rendered) as connection:
        name, statements = stray_table(connection)
        for statement in statements:
            connection.catalogue.record(statement)
        audit = audit_database(connection)

    assert name == "stray.stray_table"
    assert audit.violations == [Violation(name, "schema", "table outside the six schemas")]
