"""The SQL Server script: rendered without a server, valid T-SQL, every table in its schema.

No test here touches a database: pytest-django refuses database access to tests without the
``django_db`` mark, so rendering through the default connection (SQLite or PostgreSQL) would
fail, and the SQL Server wrapper raises before it could dial a server.
"""

import re

import pytest
import sqlglot
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from sqlglot import exp

from accounts.models import User
from eventlead.db import naming
from eventlead.db.backends.mssql import base as mssql
from eventlead.db.docs import SQLSERVER_SCRIPT_PATH as SCRIPT_PATH
from eventlead.db.sqlserver import (
    COMMAND,
    Catalogue,
    OfflineDatabaseWrapper,
    RenderError,
    split_batches,
    sqlserver_settings,
)

OUR_APPS = ("reference", "configuration", "accounts", "companies", "logging_app", "auditing", "abrcache")

# sqlglot 30.30 reads "IF <condition> EXEC(N'...')" as the condition aliased AS "EXEC" followed
# by a parenthesised string: no error, but the wrong tree. The one statement of that form is
# CreateSchemas's, so its shape is matched exactly and the statement EXEC runs is parsed.
SCHEMA_STATEMENT = re.compile(
    r"IF SCHEMA_ID\(N'(?P<schema>\w+)'\) IS NULL EXEC\(N'(?P<create>CREATE SCHEMA \[\w+\])'\);"
)
# Nor does it parse CREATE TRIGGER (it falls back to an opaque Command) or THROW. The
# append-only triggers (eventlead.db.append_only) have one fixed shape: that shape is matched
# exactly, THROW's number kept in its user range (50000 and up), and the rest parsed.
TRIGGER_STATEMENT = re.compile(
    r"CREATE TRIGGER \[(?P<schema>\w+)\]\.\[TR_\w+_AppendOnly\] ON (?P<table>\[(?P=schema)\]\.\[\w+\]) "
    r"INSTEAD OF UPDATE, DELETE AS BEGIN (?P<body>SET NOCOUNT ON; IF NOT EXISTS \(SELECT 1 FROM deleted\) RETURN;) "
    r"THROW [5-9]\d{4}, N'[^']+', 1; END;"
)
# Nor WITH VALUES, which mssql-django writes where an added nullable column's NULL would be
# (fill existing rows with the DEFAULT); with NULL back in its place the rest is parsed.
ADDED_WITH_VALUES = re.compile(r"ALTER TABLE \S+ ADD \[\w+\] [^;]* DEFAULT [^;]* WITH VALUES( [^;]*)?;")
READABLE_NAME = re.compile(r"(PK|FK|UQ|IX|CK|DF)_[A-Za-z0-9_]+")
CONSTRAINT_KINDS = (
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
    exp.CheckColumnConstraint,
    exp.DefaultColumnConstraint,
)


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlserver") / "schema.sql"
    call_command("render_sqlserver_schema", output=str(path))
    return path.read_text(encoding="utf-8")


def parse_batch(batch: str) -> list:
    """Parse one batch: ("schema", name) for CreateSchemas's statement, else sqlglot trees
    (a trigger as the table it is on, then its body)."""
    sql = "\n".join(line for line in batch.splitlines() if not line.startswith("--")).strip()
    created_schema = SCHEMA_STATEMENT.fullmatch(sql)
    if created_schema:
        create = sqlglot.parse_one(created_schema["create"], read="tsql")
        assert create.args["kind"] == "SCHEMA" and create.this.db == created_schema["schema"], sql
        return [("schema", created_schema["schema"])]
    trigger = TRIGGER_STATEMENT.fullmatch(sql)
    if trigger:
        return [exp.to_table(trigger["table"], dialect="tsql"), *sqlglot.parse(trigger["body"], read="tsql")]
    if ADDED_WITH_VALUES.fullmatch(sql):
        sql = sql.replace(" WITH VALUES", " NULL")
    trees = sqlglot.parse(sql, read="tsql")
    # sqlglot falls back to an opaque Command for syntax it does not know: not a parse. Any
    # other IF would get the misreading described above.
    assert not any(isinstance(tree, (exp.Command, exp.IfBlock)) for tree in trees), f"sqlglot did not parse: {sql}"
    assert len(trees) == 1 or all(isinstance(tree, exp.Set) for tree in trees), f"one statement per batch: {sql}"
    return trees


@pytest.fixture(scope="module")
def statements(script):
    """Every statement in script order, parsed."""
    return [tree for batch in split_batches(script) for tree in parse_batch(batch)]


def our_models():
    return [model for app in OUR_APPS for model in apps.get_app_config(app).get_models()]


def table_key(table: exp.Table) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def created_tables(statements):
    return [tree.this.this for tree in statements if isinstance(tree, exp.Create) and tree.args["kind"] == "TABLE"]


def foreign_keys(statements):
    """Map (table, column) to (constraint name, referenced table, referenced column)."""
    found = {}
    for tree in statements:
        if not isinstance(tree, exp.Alter):
            continue
        for constraint in tree.find_all(exp.Constraint):
            for key in constraint.find_all(exp.ForeignKey):
                target = key.args["reference"].this
                column = key.expressions[0].name
                found[(table_key(tree.this), column)] = (
                    constraint.name,
                    table_key(target.this),
                    target.expressions[0].name,
                )
    return found


def bracketed_identifiers(sql):
    """Return the names inside [brackets], outside comments and string literals.

    Fails on an unclosed ``[``, a ``[`` inside brackets and a ``]`` outside them; ``]]``
    inside brackets is T-SQL's escape for ``]`` and is returned as one ``]``.
    """
    names, position = [], 0
    while position < len(sql):
        if sql.startswith("--", position):
            end_of_line = sql.find("\n", position)
            position = len(sql) if end_of_line == -1 else end_of_line
        elif sql[position] == "'":
            position = sql.index("'", position + 1) + 1
            while sql.startswith("'", position):  # '' escapes a quote inside a string
                position = sql.index("'", position + 1) + 1
            continue
        elif sql[position] == "[":
            name, position = [], position + 1
            while True:
                close = sql.find("]", position)
                assert close != -1, f"unclosed [ in: {sql}"
                assert "[" not in sql[position:close], f"[ inside brackets in: {sql}"
                name.append(sql[position:close])
                if not sql.startswith("]]", close):
                    break
                name.append("]")
                position = close + 2
            names.append("".join(name))
            position = close
        else:
            assert sql[position] != "]", f"] outside brackets in: {sql}"
        position += 1
    return names


def test_the_committed_script_is_a_fresh_rendering(script):
    assert SCRIPT_PATH.read_text(encoding="utf-8") == script, (
        f"{SCRIPT_PATH.relative_to(SCRIPT_PATH.parents[2])} is stale: regenerate it with `{COMMAND}`."
    )


def test_every_statement_parses_as_tsql(script):
    batches = split_batches(script)
    failures = []
    for batch in batches:
        try:
            parse_batch(batch)
        except (AssertionError, sqlglot.errors.ParseError) as error:
            failures.append(str(error))

    assert len(batches) > 200
    assert not failures, "\n\n".join(failures)


def test_every_schema_is_created_before_a_statement_uses_it(statements):
    created = []
    for tree in statements:
        if isinstance(tree, tuple):
            created.append(tree[1])
            continue
        for table in tree.find_all(exp.Table):
            if table.db:
                used_before = f"[{table.db}] is used before it exists: {tree.sql('tsql')}"
                assert table.db == "dbo" or table.db in created, used_before

    assert sorted(created) == sorted(naming.NON_DBO_SCHEMAS)  # each once; dbo exists on SQL Server


def test_each_of_the_36_tables_is_created_in_its_own_schema(script, statements):
    expected = sorted(model._meta.db_table for model in our_models())
    created = [table_key(table) for table in created_tables(statements)]

    assert len(expected) == 40
    assert sorted(table for table in created if table in expected) == expected
    for db_table in expected:
        schema, name = naming.split_table(db_table)
        assert f"\nCREATE TABLE [{schema}].[{name}] (" in script
        assert f"[{db_table}]" not in script


def test_every_bracketed_identifier_is_one_well_formed_name(script):
    names = bracketed_identifiers(script)

    assert "Country" in names and "ref" in names
    malformed = sorted({name for name in names if not re.fullmatch(r"[A-Za-z0-9_]+", name)})
    assert not malformed, f"bracketed identifiers that are not one plain name: {malformed}"


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("SELECT [[a] FROM [t];", "[ inside brackets"),
        ("SELECT a] FROM [t];", "] outside brackets"),
        ("SELECT [a FROM t;", "unclosed ["),
    ],
)
def test_the_identifier_scan_refuses_unbalanced_brackets(sql, problem):
    with pytest.raises(AssertionError, match=re.escape(problem)):
        bracketed_identifiers(sql)


def test_the_identifier_scan_returns_a_dotted_name_whole():
    sql = "CREATE TABLE [ref.Country] ([ID] int, [Note] nvarchar(9) DEFAULT '[x]'); -- [ignored"

    assert bracketed_identifiers(sql) == ["ref.Country", "ID", "Note"]


def test_every_foreign_key_references_the_table_of_its_model(statements):
    rendered = foreign_keys(statements)
    ours = {model._meta.db_table for model in our_models()}
    expected = {}
    for model in our_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.db_constraint:
                expected[(model._meta.db_table, field.column)] = (
                    naming.foreign_key_name(model, field),
                    field.related_model._meta.db_table,
                    field.target_field.column,
                )

    assert rendered[("dbo.User", "StatusID")] == ("FK_User_UserStatus", "ref.UserStatus", "UserStatusID")
    assert {key: value for key, value in rendered.items() if key[0] in ours} == expected


def test_keys_and_constraints_have_the_readable_names(script, statements):
    create_user = re.search(r"\nCREATE TABLE \[dbo\]\.\[User\] \(.*\n", script)[0]
    assert "[UserID] int NOT NULL CONSTRAINT [PK_User] PRIMARY KEY IDENTITY (1, 1)," in create_user
    assert (
        "\nALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_UserStatus] "
        "FOREIGN KEY ([StatusID]) REFERENCES [ref].[UserStatus] ([UserStatusID]);\n" in script
    )
    assert "\nCREATE UNIQUE INDEX [UQ_Company_ABN] ON [dbo].[Company] ([ABN]) WHERE [ABN] IS NOT NULL;\n" in script
    assert "[TimezoneIdentifier] nvarchar(64) CONSTRAINT [DF_User_TimezoneIdentifier] DEFAULT " in create_user

    ours = {model._meta.db_table for model in our_models()}
    names, unnamed = [], []
    for tree in statements:
        if isinstance(tree, tuple):
            continue
        target = tree.this.args.get("table") if isinstance(tree.this, exp.Index) else tree.find(exp.Table)
        if target is None or table_key(target) not in ours:
            continue
        names += [node.name for node in tree.find_all(exp.Constraint, exp.ColumnConstraint) if node.name]
        names += [tree.this.name] if isinstance(tree.this, exp.Index) else []
        unnamed += [
            node.sql("tsql")
            for node in tree.find_all(exp.ColumnConstraint)
            if not node.name and isinstance(node.args["kind"], CONSTRAINT_KINDS)
        ]
    assert len(names) > 100
    unreadable = [name for name in names if not READABLE_NAME.fullmatch(name) or len(name) > 128]
    assert not unreadable, f"constraint or index names outside the naming standard: {unreadable}"
    assert not unnamed, f"constraints SQL Server would name itself: {unnamed}"


def test_the_offline_connection_cannot_reach_a_server():
    connection = OfflineDatabaseWrapper(sqlserver_settings())

    assert connection.sql_server_version == 2022
    with pytest.raises(RenderError):
        connection.ensure_connection()
    with pytest.raises(RenderError):
        connection.introspection.get_table_list(connection.cursor())
    with pytest.raises(RenderError):
        connection.schema_editor(collect_sql=True).execute("SELECT 1", has_result=True)


def test_the_catalogue_answers_introspection_with_what_the_script_created():
    catalogue = Catalogue()
    catalogue.record(
        "CREATE TABLE [ref].[T] ([TID] int NOT NULL CONSTRAINT [PK_T] PRIMARY KEY IDENTITY (1, 1), "
        "[Code] nvarchar(10) NOT NULL CONSTRAINT [UQ_T_Code] UNIQUE, [UserID] int NULL, "
        "[Name] nvarchar(50) DEFAULT 'x' NOT NULL, CONSTRAINT [CK_T_Code] CHECK ([Code] <> ''));"
    )
    catalogue.record(
        "ALTER TABLE [ref].[T] ADD CONSTRAINT [FK_T_User] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);"
    )
    catalogue.record("CREATE INDEX [IX_T_UserID] ON [ref].[T] ([UserID]);")
    catalogue.record("EXEC sp_rename '[ref].[T].[UserID]', [OwnerID], 'COLUMN';")
    catalogue.record("ALTER TABLE [ref].[T] DROP CONSTRAINT [UQ_T_Code];")

    constraints = catalogue.constraints("ref.T")

    unnamed_default = f"{Catalogue.SERVER_NAMED} default Name"
    assert set(constraints) == {"PK_T", "CK_T_Code", "FK_T_User", "IX_T_UserID", unnamed_default}
    assert constraints["PK_T"] == {
        "columns": ["TID"],
        "primary_key": True,
        "unique": True,
        "unique_constraint": False,
        "foreign_key": None,
        "check": False,
        "index": False,
        "default": False,
    }
    assert constraints["FK_T_User"]["foreign_key"] == ("User", "UserID")
    assert constraints["FK_T_User"]["columns"] == ["OwnerID"]
    assert constraints["IX_T_UserID"]["index"] and constraints["IX_T_UserID"]["columns"] == ["OwnerID"]
    assert constraints["CK_T_Code"]["check"] and constraints["CK_T_Code"]["columns"] == ["Code"]


def test_a_default_is_dropped_by_the_name_the_table_has():
    connection = OfflineDatabaseWrapper(sqlserver_settings())
    field = User._meta.get_field("timezone_identifier")
    connection.catalogue.record(
        "CREATE TABLE [dbo].[User] ([UserID] int NOT NULL CONSTRAINT [PK_User] PRIMARY KEY, "
        "[TimezoneIdentifier] nvarchar(64) CONSTRAINT [DF_User_TimeZone] DEFAULT 'UTC' NOT NULL);"
    )
    editor = connection.schema_editor(collect_sql=True)

    added, _ = editor._alter_column_default_sql(User, None, field)
    dropped, _ = editor._alter_column_default_sql(User, None, field, drop=True)

    assert added == "ADD CONSTRAINT [DF_User_TimezoneIdentifier] DEFAULT 'Australia/Sydney' FOR [TimezoneIdentifier]"
    assert dropped == "DROP CONSTRAINT [DF_User_TimeZone]"  # e.g. named before a column rename


@pytest.mark.parametrize(
    "sql, message",
    [
        ("DROP INDEX [IX_T_Missing] ON [ref].[T];", "does not exist"),
        ("ALTER TABLE [ref].[T] DROP CONSTRAINT [IX_T_Code];", "does not exist"),
        ("ALTER TABLE [ref].[U] ADD CONSTRAINT [PK_T] PRIMARY KEY ([ID]);", "already exists"),
        ("CREATE INDEX [IX_T_Code] ON [ref].[T] ([Code]);", "already exists"),
        ("ALTER TABLE [ref].[T] DROP COLUMN [Code];", "still uses it"),
        ("CREATE INDEX [IX_X_Code] ON [ref].[X] ([Code]);", "before creating it"),
        ("DECLARE @name nvarchar(128);", "cannot follow"),
    ],
)
def test_the_catalogue_refuses_what_sql_server_would_refuse(sql, message):
    catalogue = Catalogue()
    catalogue.record("CREATE TABLE [ref].[T] ([ID] int NOT NULL CONSTRAINT [PK_T] PRIMARY KEY, [Code] nvarchar(10))")
    catalogue.record("CREATE TABLE [ref].[U] ([ID] int NOT NULL);")
    catalogue.record("CREATE INDEX [IX_T_Code] ON [ref].[T] ([Code]);")

    with pytest.raises(RenderError, match=message):
        catalogue.record(sql)


def test_the_flush_lifts_the_append_only_triggers_around_its_deletes(monkeypatch):
    connection = mssql.DatabaseWrapper(sqlserver_settings(), "flush")
    answers = iter(
        [
            [("dbo", "User", "FK_User_UserStatus")],  # foreign keys
            [("audit", "ActivityLog", 0), ("dbo", "django_session", 1)],  # tables with enabled triggers
        ]
    )

    class ServerCursor:  # the two catalogue queries, answered as SQL Server would
        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            return False

        def execute(self, sql, params=None):
            self.rows = next(answers)

        def fetchall(self):
            return self.rows

    monkeypatch.setattr(connection, "cursor", ServerCursor)

    statements = connection.ops.sql_flush(no_style(), ["audit.ActivityLog", "dbo.User", "django_session"])

    assert statements == [
        "ALTER TABLE [dbo].[User] NOCHECK CONSTRAINT [FK_User_UserStatus];",
        "DISABLE TRIGGER ALL ON [audit].[ActivityLog];",
        "DISABLE TRIGGER ALL ON [django_session];",
        "DELETE FROM [audit].[ActivityLog];",
        "DELETE FROM [dbo].[User];",
        "DELETE FROM [django_session];",
        "ENABLE TRIGGER ALL ON [audit].[ActivityLog];",
        "ENABLE TRIGGER ALL ON [django_session];",
        "ALTER TABLE [dbo].[User] CHECK CONSTRAINT [FK_User_UserStatus];",
    ]
