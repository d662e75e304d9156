"""The generated schema reference matches the models, and follows a model when it changes."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import isolate_apps

from accounts.models import User
from eventlead.db import docs
from reference.models import UserStatus

DOCS_DIR = Path(settings.BASE_DIR) / "docs" / "database"

# The generator reads only the models; the mark is for conftest's autouse fixture, which empties
# the database-backed cache before every test.
pytestmark = pytest.mark.django_db


def test_committed_docs_match_the_models():
    stale = docs.stale_files(docs.render_documents(), DOCS_DIR)
    assert not stale, f"docs/database is stale ({', '.join(stale)}): run `{docs.REGENERATE}` and commit the result."


def test_the_reference_covers_the_36_tables_of_the_six_schemas():
    documents = docs.render_documents()
    tables = docs.documented_models()

    assert len(tables) == 40
    for model in tables:
        schema = docs.schema_of(model)
        assert f"\n## {model._meta.db_table}\n" in documents[f"schema-reference/{schema}-schema.md"]
        assert f" {model._meta.db_table.replace('.', '_')} {{" in documents["er-diagram.md"]


@pytest.mark.parametrize("model", docs.documented_models(), ids=lambda model: model._meta.db_table)
def test_every_column_is_documented(model):
    section = docs.render_table(model)

    for field in model._meta.concrete_fields:
        assert f"\n| {field.column} | `" in section


@isolate_apps("eventlead.db")
def test_a_new_model_shows_up_with_types_references_and_constraints():
    class Widget(models.Model):
        """Count widgets per status.

        Only the first line is the purpose.
        """

        id = models.BigAutoField(primary_key=True, db_column="WidgetID")
        name = models.CharField(max_length=40, blank=True, default="", db_column="WidgetName")
        price = models.DecimalField(max_digits=5, decimal_places=4, null=True, db_column="Price")
        status = models.ForeignKey(UserStatus, models.PROTECT, db_column="StatusID")
        owner = models.ForeignKey(
            User,
            models.DO_NOTHING,
            null=True,
            db_constraint=False,
            db_index=False,
            related_name="+",
            db_column="OwnerID",
        )
        retired = models.BooleanField(default=False, db_column="IsRetired")

        class Meta:
            app_label = "database"
            db_table = "dbo.Widget"
            constraints = [
                models.UniqueConstraint(
                    fields=["name"], condition=models.Q(retired=False), name="UQ_Widget_WidgetName"
                ),
                models.CheckConstraint(
                    condition=models.Q(price__isnull=True) | models.Q(price__gte=0, price__lt=1), name="CK_Widget_Price"
                ),
            ]

    section = docs.render_table(Widget)

    assert section.startswith("## dbo.Widget\n\nCount widgets per status. Model: `database.Widget`.\n")
    assert "\n| WidgetID | `bigint identity` | NOT NULL |  |  |\n" in section
    assert "\n| WidgetName | `nvarchar(40)` | NOT NULL | `''` |  |\n" in section
    assert "\n| Price | `decimal(5,4)` | NULL |  |  |\n" in section
    assert "\n| StatusID | `int` | NOT NULL |  | -> ref.UserStatus(UserStatusID) |\n" in section
    assert "\n| OwnerID | `int` | NULL |  | -> dbo.User(UserID), no constraint |\n" in section
    assert "\n| IsRetired | `bit` | NOT NULL | `0` |  |\n" in section
    assert [(key.name, key.kind, key.columns, key.definition) for key in docs.keys(Widget)] == [
        ("PK_Widget", "primary key", ("WidgetID",), ""),
        ("FK_Widget_UserStatus", "foreign key", ("StatusID",), "-> ref.UserStatus(UserStatusID)"),
        ("UQ_Widget_WidgetName", "unique", ("WidgetName",), "WHERE IsRetired = 0"),
        ("IX_Widget_StatusID", "index", ("StatusID",), ""),
        ("CK_Widget_Price", "check", (), "Price IS NULL OR (Price >= 0 AND Price < 1)"),
    ]

    diagram = "\n".join(docs.mermaid_diagram([Widget, UserStatus, User], detailed=[Widget]))
    assert '    ref_UserStatus ||--o{ dbo_Widget : "StatusID"' in diagram
    assert '    dbo_User |o..o{ dbo_Widget : "OwnerID"' in diagram
    assert '        int OwnerID FK "no constraint"' in diagram


def test_check_lists_stale_files_and_writes_nothing(tmp_path):
    call_command("generate_schema_docs", output=tmp_path, stdout=StringIO())
    call_command("generate_schema_docs", output=tmp_path, check=True, stdout=StringIO())  # Fresh: passes.
    edited = tmp_path / "schema-reference" / "dbo-schema.md"
    edited.write_text("hand-edited\n", encoding="utf-8")
    (tmp_path / "er-diagram.md").unlink()

    with pytest.raises(CommandError) as raised:
        call_command("generate_schema_docs", output=tmp_path, check=True)

    assert raised.value.returncode == 1
    assert docs.REGENERATE in str(raised.value)
    assert str(edited) in str(raised.value)
    assert str(tmp_path / "er-diagram.md") in str(raised.value)
    assert str(tmp_path / "schema-reference" / "ref-schema.md") not in str(raised.value)
    assert edited.read_text(encoding="utf-8") == "hand-edited\n"
    assert not (tmp_path / "er-diagram.md").exists()


@pytest.mark.postgres
def test_documented_names_are_the_names_in_the_database():
    with connection.cursor() as cursor:
        for model in docs.documented_models():
            in_database = connection.introspection.get_constraints(cursor, model._meta.db_table)
            documented = {key.name: list(key.columns) for key in docs.keys(model) if key.kind != "check"}
            checks = {key.name for key in docs.keys(model) if key.kind == "check"}

            assert set(in_database) == set(documented) | checks, model._meta.db_table
            for name, columns in documented.items():
                assert in_database[name]["columns"] == columns, name
