"""Audit rows cannot be changed or deleted: not by the ORM, not by raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from auditing.models import ActivityLog, AppendOnlyError, AuditCompany, AuditRole, AuditUser
from auditing.services import activity_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def row():
    return activity_record(action="test_action", entity="Thing", description="original")


def test_orm_save_of_an_existing_row_is_refused(row):
    row.description = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()


@pytest.mark.parametrize("operation", ["update", "delete", "instance_delete", "bulk_update"])
def test_orm_update_and_delete_are_refused(row, operation):
    with pytest.raises(AppendOnlyError):
        {
            "update": lambda: ActivityLog.objects.filter(pk=row.pk).update(description="changed"),
            "delete": lambda: ActivityLog.objects.all().delete(),
            "instance_delete": lambda: row.delete(),
            "bulk_update": lambda: ActivityLog.objects.bulk_update([row], ["description"]),
        }[operation]()
    assert ActivityLog.objects.get(pk=row.pk).description == "original"


@pytest.mark.parametrize("model", [ActivityLog, AuditUser, AuditCompany, AuditRole])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET {column} = {column}", "DELETE FROM {table}"])
def test_raw_sql_update_and_delete_are_refused_by_the_database(model, statement):
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip("checked on SQLite and PostgreSQL; the SQL Server trigger is in the offline script")
    fields = {"ActivityLog": dict(action="a", entity_type="t"), "AuditRole": dict(role_scope="system")}
    model.objects.create(**fields.get(model.__name__, dict(operation="insert")))
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field("request_id").column)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table, column=column))
    assert model.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_audit_tables_and_the_triggers_survive():
    from django.core.management import call_command

    activity_record(action="before_flush", entity="Thing")
    call_command("flush", interactive=False, verbosity=0)

    assert ActivityLog.objects.count() == 0
    activity_record(action="after_flush", entity="Thing")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(ActivityLog._meta.db_table)}")


def test_a_row_with_its_key_set_is_written_with_one_insert_and_no_update(django_assert_num_queries):
    # With a primary key set, Django's save() tries an UPDATE first; on SQL Server the table's
    # INSTEAD OF trigger would answer it with THROW and doom the whole transaction.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        ActivityLog(id=987654321, action="keyed", entity_type="Thing").save()

    statements = [query["sql"].lstrip().split(None, 1)[0].upper() for query in captured.captured_queries]
    assert "UPDATE" not in statements
    assert statements.count("INSERT") == 1
    assert ActivityLog.objects.get(pk=987654321).action == "keyed"


def test_the_sql_server_trigger_lets_a_statement_that_matches_no_row_pass():
    from eventlead.db import append_only

    (trigger,) = append_only.create_statements("microsoft", "audit.ActivityLog", lambda name: f"[{name}]")
    guard, refusal = trigger.index("IF NOT EXISTS (SELECT 1 FROM deleted) RETURN;"), trigger.index("THROW 51000")
    assert guard < refusal
