"""The SQL Server schema editor on the paths today's migrations do not take yet.

Each test creates a throwaway table in ``audit`` (constraint names there carry the ``Audit``
stem), sometimes beside its ``dbo`` namesake, through migration operations, then runs one more
operation through the offline wrapper's schema editor and compares the T-SQL with what SQL
Server needs for a table outside ``dbo``. mssql-django's own statements for these paths name
the table without its schema, unquoted, or under names the standard does not give.

Every statement is also parsed with sqlglot's T-SQL dialect. No test touches a database.
"""

import re

import pytest
import sqlglot
from django.db import NotSupportedError, migrations, models
from django.db.migrations.state import ProjectState
from django.db.models import Q
from sqlglot import exp

from eventlead.db.sqlserver import Catalogue, OfflineDatabaseWrapper, _registered, sqlserver_settings

APP = "lab"

# sqlglot 30.30 keeps "ALTER TABLE t ADD CONSTRAINT n DEFAULT v FOR c", SQL Server's only way
# to give an existing column a DEFAULT, as an opaque Command. Its shape is matched exactly
# and its table and value parsed.
DEFAULT_ADDED = re.compile(
    r"ALTER TABLE (?P<table>\[\w+\]\.\[\w+\]) ADD CONSTRAINT \[DF_\w+\] DEFAULT (?P<value>.+) FOR \[\w+\];"
)


class FollowingCatalogue(Catalogue):
    """The offline catalogue, passing over the statements it does not follow yet.

    A dropped or renamed table, a comment, a DEFAULT added to an existing column: in these
    tests each is the last step on its table, so nothing after it asks the catalogue.
    """

    UNFOLLOWED = re.compile(
        r"DECLARE @drop_foreign_keys |EXEC sp_rename N'|EXEC sp_addextendedproperty |" + DEFAULT_ADDED.pattern
    )

    def record(self, sql):
        if not self.UNFOLLOWED.match(sql):
            super().record(sql)


@pytest.fixture
def connection():
    connection = OfflineDatabaseWrapper(sqlserver_settings())
    connection.catalogue = FollowingCatalogue()
    with _registered(connection):
        yield connection


def migrate(connection, state, *operations):
    """Run ``operations`` through the offline schema editor; return the new state and its T-SQL."""
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for operation in operations:
            new_state = state.clone()
            operation.state_forwards(APP, new_state)
            operation.database_forwards(APP, editor, state, new_state)
            state = new_state
    return state, editor.collected_sql


def table(name, db_table, *fields, **options):
    """Create ``db_table`` with an integer key ``UserID`` and ``fields``."""
    key = ("id", models.IntegerField(primary_key=True, db_column="UserID"))
    return migrations.CreateModel(name, [key, *fields], options={"db_table": db_table, **options})


def created(connection, *operations):
    state, _ = migrate(connection, ProjectState(), *operations)
    return state


def parse(sql):
    """Parse one collected statement (a batch in a script) as T-SQL, refusing an opaque Command."""
    added = DEFAULT_ADDED.fullmatch(sql)
    if added:
        return [exp.to_table(added["table"], dialect="tsql"), sqlglot.parse_one(added["value"], read="tsql")]
    trees = [tree for tree in sqlglot.parse(sql, read="tsql") if tree is not None]
    assert not any(isinstance(tree, exp.Command) for tree in trees), f"sqlglot did not parse: {sql}"
    return trees


def arguments(execute):
    """A procedure call's named arguments: ``{"level0name": "audit", ...}``."""
    return {argument.this.name: argument.expression.name for argument in execute.expressions}


def test_dropping_a_table_first_drops_the_keys_referencing_it_naming_their_schemas(connection):
    state = created(connection, table("User", "audit.User"))

    _, sql = migrate(connection, state, migrations.DeleteModel("User"))

    assert sql == [
        "DECLARE @drop_foreign_keys nvarchar(max);\n"
        "SELECT @drop_foreign_keys = COALESCE(STRING_AGG(CONVERT(nvarchar(max), N'ALTER TABLE ' + "
        "QUOTENAME(OBJECT_SCHEMA_NAME(parent_object_id)) + N'.' + QUOTENAME(OBJECT_NAME(parent_object_id)) + "
        "N' DROP CONSTRAINT ' + QUOTENAME(name)), N'; '), N'') "
        "FROM sys.foreign_keys WHERE referenced_object_id = OBJECT_ID(N'[audit].[User]');\n"
        "EXEC sp_executesql @drop_foreign_keys;\n"
        "DROP TABLE [audit].[User];"
    ]
    declare, select, run, drop = parse(sql[0])
    assert isinstance(declare, exp.Declare) and isinstance(run, exp.ExecuteSql)
    assert select.find(exp.Table).sql("tsql") == "sys.foreign_keys"
    assert select.find(exp.ObjectId).this.name == "[audit].[User]"
    assert isinstance(drop, exp.Drop) and drop.args["tables"][0].sql("tsql") == "[audit].[User]"


@pytest.mark.parametrize(
    "old_table, new_table, renamed",
    [
        ("audit.User", "audit.Person", "[audit].[User]"),
        ("dbo.User", "Person", "[dbo].[User]"),  # an unqualified table is in dbo
    ],
)
def test_a_table_is_renamed_within_its_schema(connection, old_table, new_table, renamed):
    state = created(connection, table("User", old_table))

    _, sql = migrate(connection, state, migrations.AlterModelTable("User", new_table))

    assert sql == [f"EXEC sp_rename N'{renamed}', N'Person';"]
    [rename] = parse(sql[0])
    assert [argument.name for argument in rename.expressions] == [renamed, "Person"]


@pytest.mark.parametrize("new_table, new_schema", [("dbo.User", "dbo"), ("Person", "dbo"), ("ref.User", "ref")])
def test_moving_a_table_to_another_schema_is_refused(connection, new_table, new_schema):
    state = created(connection, table("User", "audit.User"))

    message = (
        f"Renaming table audit.User to {new_table} (AlterModelTable, RenameModel) would move it from schema audit "
        f"to {new_schema}; the SQL Server backend renames tables only within their schema."
    )
    with pytest.raises(NotSupportedError, match=re.escape(message)):
        migrate(connection, state, migrations.AlterModelTable("User", new_table))


def test_a_nullable_unique_column_is_created_without_a_dangling_constraint_name(connection):
    email = ("email", models.CharField(max_length=254, null=True, unique=True, db_column="Email"))

    _, sql = migrate(connection, ProjectState(), table("User", "audit.User", email))

    assert sql == [
        "CREATE TABLE [audit].[User] ([UserID] int NOT NULL CONSTRAINT [PK_AuditUser] PRIMARY KEY, "
        "[Email] nvarchar(254) NULL);",
        "CREATE UNIQUE INDEX [UQ_AuditUser_Email] ON [audit].[User]([Email]) WHERE [Email] IS NOT NULL;",
    ]
    assert all(parse(statement) for statement in sql)


def test_renaming_a_column_moves_its_unique_indexes_to_the_names_of_the_new_columns(connection):
    email = ("email", models.CharField(max_length=254, null=True, unique=True, db_column="Email"))
    code = ("code", models.CharField(max_length=20, null=True, db_column="Code"))
    state = created(connection, table("User", "audit.User", email, code, unique_together={("email", "code")}))
    renamed = models.CharField(max_length=254, null=True, unique=True, db_column="EmailAddress")

    _, sql = migrate(connection, state, migrations.AlterField("User", "email", renamed))

    assert sql == [
        "DROP INDEX [UQ_AuditUser_Email] ON [audit].[User];",
        "DROP INDEX [UQ_AuditUser_Email_Code] ON [audit].[User];",
        "EXEC sp_rename '[audit].[User].[Email]', [EmailAddress], 'COLUMN';",
        "CREATE UNIQUE INDEX [UQ_AuditUser_EmailAddress] ON [audit].[User] ([EmailAddress]) "
        "WHERE [EmailAddress] IS NOT NULL;",
        "CREATE UNIQUE INDEX [UQ_AuditUser_EmailAddress_Code] ON [audit].[User] ([EmailAddress], [Code]) "
        "WHERE [EmailAddress] IS NOT NULL AND [Code] IS NOT NULL;",
    ]
    trees = [tree for statement in sql for tree in parse(statement)]
    assert {index.args["cluster"].this.sql("tsql") for index in trees[:2]} == {"[audit].[User]"}
    assert {index.this.args["table"].sql("tsql") for index in trees[3:]} == {"[audit].[User]"}


def test_renaming_a_column_keeps_the_name_a_meta_constraint_gives_its_index(connection):
    code = ("code", models.CharField(max_length=20, null=True, db_column="Code"))
    constraint = models.UniqueConstraint(fields=["code"], condition=Q(code__isnull=False), name="UQ_AuditUser_Code")
    state = created(connection, table("User", "audit.User", code, constraints=[constraint]))
    renamed = models.CharField(max_length=20, null=True, db_column="ShortCode")

    _, sql = migrate(connection, state, migrations.AlterField("User", "code", renamed))

    # Django's state keeps the constraint's name, and removing it later drops it by that name.
    assert sql == [
        "DROP INDEX [UQ_AuditUser_Code] ON [audit].[User];",
        "EXEC sp_rename '[audit].[User].[Code]', [ShortCode], 'COLUMN';",
        "CREATE UNIQUE INDEX [UQ_AuditUser_Code] ON [audit].[User] ([ShortCode]) WHERE [ShortCode] IS NOT NULL;",
    ]
    assert all(parse(statement) for statement in sql)


def test_column_comments_are_filed_under_the_tables_own_schema(connection):
    name = ("name", models.CharField(max_length=100, db_column="DisplayName", db_comment="Shown to others"))
    state, created_sql = migrate(connection, ProjectState(), table("User", "audit.User", name))
    commented = models.CharField(max_length=100, db_column="DisplayName", db_comment="It's 100% theirs")
    state, altered_sql = migrate(connection, state, migrations.AlterField("User", "name", commented))
    uncommented = models.CharField(max_length=100, db_column="DisplayName")
    _, removed_sql = migrate(connection, state, migrations.AlterField("User", "name", uncommented))

    column = (
        "@level0type = N'SCHEMA', @level0name = N'audit', @level1type = N'TABLE', @level1name = N'User', "
        "@level2type = N'COLUMN', @level2name = N'DisplayName'"
    )
    drop = (
        "IF EXISTS (SELECT 1 FROM sys.fn_listextendedproperty(N'MS_Description', "
        "N'SCHEMA', N'audit', N'TABLE', N'User', N'COLUMN', N'DisplayName')) "
        f"BEGIN EXEC sp_dropextendedproperty @name = N'MS_Description', {column}; END;"
    )
    assert created_sql[1:] == [
        drop,
        f"EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'Shown to others', {column};",
    ]
    assert altered_sql[1:] == [
        drop,
        f"EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'It''s 100% theirs', {column};",
    ]
    assert removed_sql[1:] == [drop]

    [condition] = parse(drop)
    [dropped, end] = condition.args["true"].expressions  # the IF holds the drop alone
    assert isinstance(end, exp.EndStatement)
    [added] = parse(altered_sql[2])
    levels = {"level0type": "SCHEMA", "level0name": "audit", "level1type": "TABLE", "level1name": "User"}
    levels |= {"level2type": "COLUMN", "level2name": "DisplayName"}
    assert arguments(dropped) == {"name": "MS_Description", **levels}
    assert arguments(added) == {"name": "MS_Description", "value": "It's 100% theirs", **levels}


def test_a_table_comment_is_filed_under_the_tables_own_schema(connection):
    state = created(connection, table("User", "audit.User"))

    _, sql = migrate(connection, state, migrations.AlterModelTableComment("User", "Who they were"))

    levels = "@level0type = N'SCHEMA', @level0name = N'audit', @level1type = N'TABLE', @level1name = N'User'"
    assert sql == [
        "IF EXISTS (SELECT 1 FROM sys.fn_listextendedproperty(N'MS_Description', "
        "N'SCHEMA', N'audit', N'TABLE', N'User', NULL, NULL)) "
        f"BEGIN EXEC sp_dropextendedproperty @name = N'MS_Description', {levels}; END;",
        f"EXEC sp_addextendedproperty @name = N'MS_Description', @value = N'Who they were', {levels};",
    ]
    [added] = parse(sql[1])
    assert arguments(added)["level0name"] == "audit" and arguments(added)["level1name"] == "User"
    assert all(parse(statement) for statement in sql)


def test_changing_a_db_default_drops_the_current_default_before_adding_the_new_one(connection):
    status = ("status", models.CharField(max_length=20, db_default="new", db_column="Status"))
    state = created(connection, table("AuditUser", "audit.User", status), table("User", "dbo.User", status))
    changed = models.CharField(max_length=20, db_default="active", db_column="Status")

    _, sql = migrate(connection, state, migrations.AlterField("AuditUser", "status", changed))

    assert sql == [
        "ALTER TABLE [audit].[User] DROP CONSTRAINT [DF_AuditUser_Status];",
        "ALTER TABLE [audit].[User] ADD CONSTRAINT [DF_AuditUser_Status] DEFAULT 'active' FOR [Status];",
    ]
    [dropped], [added_to, value] = (parse(statement) for statement in sql)
    assert dropped.this.sql("tsql") == added_to.sql("tsql") == "[audit].[User]"
    assert value == exp.Literal.string("active")


def test_a_primary_key_re_created_after_a_type_change_keeps_the_standard_name(connection):
    state = created(connection, table("User", "audit.User"))
    wider = models.BigIntegerField(primary_key=True, db_column="UserID")

    _, sql = migrate(connection, state, migrations.AlterField("User", "id", wider))

    assert sql == [
        "ALTER TABLE [audit].[User] DROP CONSTRAINT [PK_AuditUser];",
        "ALTER TABLE [audit].[User] ALTER COLUMN [UserID] bigint NOT NULL;",
        "ALTER TABLE [audit].[User] ADD CONSTRAINT [PK_AuditUser] PRIMARY KEY ([UserID]);",
    ]
    [added] = parse(sql[2])
    assert added.find(exp.Constraint).name == "PK_AuditUser"
