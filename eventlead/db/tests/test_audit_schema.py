"""audit_schema: our models and database keep the naming standard; breaches are all reported."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from eventlead.db.checks.declared import project_models
from eventlead.db.checks.standards import Violation, audit_database, audit_models
from eventlead.db.naming import SCHEMAS
from eventlead.db.sqlserver import script_database

from .engine_sql import stray_table

pytestmark = pytest.mark.django_db


def audit(*args) -> str:
    out = io.StringIO()
    call_command("audit_schema", *args, stdout=out)
    return out.getvalue()


def breaches(violations) -> list[tuple[str, str]]:
    return [(v.target, v.rule) for v in violations]


def test_our_models_keep_the_standard():
    assert audit_models(project_models()) == []

    output = audit()

    assert output.startswith(f"Models: {len(project_models())} tables audited.\n")
    assert "not audited): auth_group, auth_group_permissions," in output
    assert output.rstrip().endswith("No violations.")


def test_our_live_database_keeps_the_standard():
    output = audit("--database")

    if connection.vendor == "sqlite":
        assert "Database 'default' (sqlite): 40 tables audited; constraint names not checked: " in output
        assert "SQLite does not name inline constraints" in output
    else:
        assert f"Database 'default' ({connection.vendor}): 40 tables audited; " in output
        assert "constraint and index names audited." in output
    assert output.rstrip().endswith("No violations.")


@isolate_apps("companies")
def test_a_model_breaking_each_rule_gets_one_violation_per_breach():
    class Owner(models.Model):
        id = models.AutoField(primary_key=True, db_column="OwnerID")

        class Meta:
            app_label = "companies"
            db_table = "dbo.Owner"

    class Gadget(models.Model):
        id = models.AutoField(primary_key=True)  # column "id"
        serial = models.CharField(max_length=20, unique=True, db_column="Serial")
        owner = models.ForeignKey(Owner, models.PROTECT, related_name="+", db_column="Owner")
        maker = models.ForeignKey(Owner, models.PROTECT, related_name="+", db_column="MakerID")
        created_by = models.ForeignKey(Owner, models.PROTECT, related_name="+", db_column="CreatedBy")
        label = models.CharField(max_length=20)

        class Meta:
            app_label = "companies"
            db_table = "dbo.gadget"
            constraints = [
                models.UniqueConstraint(fields=["label"], name="IX_gadget_Label"),
                models.CheckConstraint(condition=models.Q(label__gt=""), name="CK_Widget_Label"),
            ]
            indexes = [
                models.Index(fields=["label"], name="gadget_label_idx"),
                models.Index(fields=["serial", "label"], name="IX_gadget_" + "SerialAndLabel" * 4),
            ]

    violations = audit_models([Owner, Gadget])

    assert breaches(violations) == [
        ("CK_Widget_Label", "constraint name"),
        ("IX_gadget_Label", "constraint name"),
        ("IX_gadget_SerialAndLabelSerialAndLabelSerialAndLabelSerialAndLabel", "constraint name"),
        ("dbo.Owner", "required column"),
        ("dbo.Owner", "required column"),
        ("dbo.Owner", "required column"),
        ("dbo.Owner", "required column"),
        ("dbo.gadget", "primary key"),
        ("dbo.gadget", "required column"),
        ("dbo.gadget", "required column"),
        ("dbo.gadget", "required column"),
        ("dbo.gadget", "table name"),
        ("dbo.gadget.CreatedBy", "user reference"),
        ("dbo.gadget.MakerID", "foreign key column"),
        ("dbo.gadget.Owner", "foreign key column"),
        ("dbo.gadget.Serial", "field-level unique"),
        ("dbo.gadget.id", "column name"),
        ("dbo.gadget.label", "column name"),
        ("gadget_label_idx", "constraint name"),
    ]
    by_target = {v.target: v.detail for v in violations}
    assert by_target["dbo.gadget.MakerID"] == "MakerID does not name the key it references (OwnerID)"
    assert by_target["IX_gadget_Label"] == "'IX_gadget_Label': a unique name starts with UQ_"
    assert by_target["CK_Widget_Label"] == "'CK_Widget_Label' does not name its table (CK_gadget_...)"


@isolate_apps("logging_app", "auditing", "reference")
def test_schema_specific_rules():
    class Stray(models.Model):
        id = models.BigAutoField(primary_key=True, db_column="StrayID")

        class Meta:
            app_label = "logging_app"
            db_table = "Stray"

    class Hit(models.Model):
        id = models.AutoField(primary_key=True, db_column="HitID")  # log tables want bigint

        class Meta:
            app_label = "logging_app"
            db_table = "log.Hit"

    class AuditUser(models.Model):
        id = models.BigAutoField(primary_key=True, db_column="UserID")  # shares dbo.User's name

        class Meta:
            app_label = "auditing"
            db_table = "audit.User"

    class Colour(models.Model):
        id = models.AutoField(primary_key=True, db_column="ColourID")
        code = models.CharField(max_length=20, db_column="Code")  # not unique

        class Meta:
            app_label = "reference"
            db_table = "ref.Colour"

    violations = audit_models([Stray, Hit, AuditUser, Colour])

    assert [(v.target, v.rule, v.detail) for v in violations if v.rule != "required column"] == [
        ("Stray", "schema", f'not in one of the schemas {", ".join(SCHEMAS)} (db_table = "schema.Table")'),
        ("audit.User", "primary key", "key UserID; the standard wants AuditUserID"),
        ("log.Hit", "primary key", "HitID: log tables use bigint identity keys (BigAutoField)"),
        ("ref.Colour", "reference code", "Code is not unique on its own"),
    ]
    missing = [v.detail.split()[0] for v in violations if v.rule == "required column"]
    assert missing == ["CreatedDate", "Description", "DisplayName", "IsActive", "SortOrder", "UpdatedDate"]


def test_a_constraint_name_used_twice_is_reported():
    with isolate_apps("companies"):

        class Twin(models.Model):
            id = models.AutoField(primary_key=True, db_column="TwinID")
            email = models.CharField(max_length=20, db_column="Email")

            class Meta:
                app_label = "companies"
                db_table = "dbo.User"  # a second model on dbo.User reuses every name
                constraints = [models.UniqueConstraint(fields=["email"], name="UQ_User_Email")]

        violations = audit_models([*project_models(), Twin])

    assert Violation("UQ_User_Email", "constraint name", "used more than once: dbo.User, dbo.User") in violations
    assert Violation("PK_User", "constraint name", "used more than once: dbo.User, dbo.User") in violations


def test_the_command_lists_violations_and_exits_1(monkeypatch):
    with isolate_apps("companies"):

        class Sprocket(models.Model):
            class Meta:
                app_label = "companies"
                db_table = "sprocket"

        monkeypatch.setattr("eventlead.db.management.commands.audit_schema.project_models", lambda: [Sprocket])
        out = io.StringIO()
        with pytest.raises(CommandError, match="audit_schema: 4 violation"):
            call_command("audit_schema", stdout=out)

    table = out.getvalue().splitlines()[2:]
    assert table == [
        "target       rule         detail",
        "-----------  -----------  " + "-" * 89,
        "sprocket     primary key  key id; the standard wants sprocketID",
        "sprocket     schema       "
        'not in one of the schemas dbo, ref, config, log, audit, cache (db_table = "schema.Table")',
        "sprocket     table name   'sprocket' is not PascalCase",
        "sprocket.id  column name  'id' is not PascalCase (set db_column)",
    ]


def test_a_table_outside_the_schemas_is_reported_in_the_live_database():
    name, statements = stray_table(connection)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)

    violations = audit_database(connection).violations

    assert violations == [Violation(name, "schema", "table outside the six schemas")]


@pytest.mark.postgres
def test_a_badly_named_live_index_is_reported_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute('ALTER INDEX "dbo"."IX_Company_CompanyName" RENAME TO "company_name_idx"')
        cursor.execute('ALTER TABLE "dbo"."User" RENAME CONSTRAINT "UQ_User_Email" TO "IX_User_Email"')

    violations = audit_database(connection).violations

    assert violations == [
        Violation("IX_User_Email", "constraint name", "on dbo.User: expected a name starting with UQ_"),
        Violation("company_name_idx", "constraint name", "on dbo.Company: expected a name starting with IX_"),
    ]
    with pytest.raises(CommandError, match="2 violation"):
        audit("--database")


def test_default_constraints_are_named_after_their_table_and_column():
    """SQL Server keeps each column DEFAULT as a constraint: DF_<Table>_<Column>, not an index."""
    script = """
CREATE TABLE [dbo].[User] ([UserID] int NOT NULL CONSTRAINT [PK_User] PRIMARY KEY IDENTITY (1, 1),
    [TimezoneIdentifier] nvarchar(64) CONSTRAINT [DF_User_TimezoneIdentifier] DEFAULT 'UTC' NOT NULL,
    [AccessTokenVersion] int CONSTRAINT [IX_User_AccessTokenVersion] DEFAULT 1 NOT NULL);
GO
CREATE TABLE [audit].[User] ([AuditUserID] bigint NOT NULL CONSTRAINT [PK_AuditUser] PRIMARY KEY IDENTITY (1, 1),
    [Operation] nvarchar(20) CONSTRAINT [DF_User_Operation] DEFAULT 'insert' NOT NULL);
"""
    with script_database(script) as sqlserver:
        violations = audit_database(sqlserver).violations

    assert violations == [
        Violation(
            "DF_User_Operation",
            "constraint name",
            "on audit.User: the DEFAULT of Operation is named DF_AuditUser_Operation",
        ),
        Violation(
            "IX_User_AccessTokenVersion",
            "constraint name",
            "on dbo.User: the DEFAULT of AccessTokenVersion is named DF_User_AccessTokenVersion",
        ),
    ]
