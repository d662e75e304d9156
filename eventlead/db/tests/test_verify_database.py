"""verify_database: Phase 4 passes on the migrated database and fails when something is off."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from companies.models import Company, UserInvitation
from eventlead.db import catalogue
from eventlead.db.catalogue import CATALOGUE, SeedCount, Table
from eventlead.db.checks.declared import UniqueRule, constraint_fields, unique_rules
from eventlead.db.checks.probes import probe_foreign_key, probe_unique
from eventlead.db.checks.report import FAIL, OK
from eventlead.db.checks.rows import RowFactory
from eventlead.db.checks.verification import (
    catalogue_models,
    check_columns,
    check_foreign_keys,
    check_names,
    check_seeds,
    check_tables,
    check_uniques,
    verify_database,
)
from logging_app.models import ApiRequest
from reference.models import UserStatus

from .engine_sql import drop_index_sql

pytestmark = pytest.mark.django_db


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_database", *args, stdout=out)
    return out.getvalue()


def drop_index(model, name: str) -> None:
    """Drop an index inside the test's transaction (rolled back with it)."""
    with connection.cursor() as cursor:
        cursor.execute(drop_index_sql(connection, model, name))


def test_every_check_passes_and_nothing_inserted_is_kept():
    models = catalogue_models(CATALOGUE)
    before = {model: model._base_manager.count() for model in models}

    output = verify()

    assert f"Verifying database 'default' ({connection.vendor})" in output
    assert re.search(r"\n\d+ passed, 0 failed\.$", output.rstrip())
    assert {model: model._base_manager.count() for model in models} == before


def test_tables_are_counted_per_schema_against_the_catalogue():
    lines = {r.target: (r.result, r.detail) for r in check_tables(connection, CATALOGUE)}

    assert {schema: lines[schema] for schema in ("dbo", "ref", "config", "log", "audit", "cache")} == {
        "dbo": (OK, "15 of 15"),
        "ref": (OK, "13 of 13"),
        "config": (OK, "2 of 2"),
        "log": (OK, "5 of 5"),
        "audit": (OK, "4 of 4"),
        "cache": (OK, "1 of 1"),
    }
    assert lines["all schemas"] == (OK, "40 of 40 in 6 schemas")
    assert lines["framework"][0] == "INFO" and "auth_group" in lines["framework"][1]


def test_each_enforced_foreign_key_and_unique_constraint_is_probed():
    models = catalogue_models(CATALOGUE)

    foreign_keys = check_foreign_keys("default", models)
    uniques = check_uniques("default", models)

    assert [line.target for line in foreign_keys] == [
        f"{model._meta.db_table}.{field.column}" for model in models for field in constraint_fields(model)
    ]
    assert len(uniques) == sum(len(unique_rules(model)) for model in models)
    assert [line for line in foreign_keys + uniques if line.failed] == []


def test_a_table_the_database_lacks_is_reported_missing():
    ghost = Table("dbo", "Ghost", ("GhostID", "GhostName"))
    with_ghost = CATALOGUE.with_tables(ghost)

    tables = {r.target: r for r in check_tables(connection, with_ghost)}
    columns = {r.target: r for r in check_columns(connection, with_ghost)}

    assert (tables["dbo"].result, tables["dbo"].detail) == (FAIL, "15 of 16: missing dbo.Ghost")
    assert tables["all schemas"].result == FAIL
    assert (columns["dbo.Ghost"].result, columns["dbo.Ghost"].detail) == (FAIL, "table missing")


def test_a_missing_catalogue_column_fails():
    user = CATALOGUE.table("dbo.User")
    renamed = Table("dbo", "User", (*user.documented, "MiddleName"), user.conventions)
    wanted = catalogue.Catalogue(tables=(renamed,))

    [line] = check_columns(connection, wanted)

    assert (line.result, line.detail) == (FAIL, "32 of 33; missing MiddleName")


def test_seed_counts_are_exact_unless_a_minimum():
    statuses = UserStatus.objects.count()
    seeds = (
        SeedCount("ref.UserStatus", statuses),
        SeedCount("ref.UserStatus", statuses + 1),
        SeedCount("ref.UserStatus", statuses - 1, at_least=True),
    )

    results = check_seeds("default", catalogue.Catalogue(tables=(), seeds=seeds))

    assert [(r.result, r.detail) for r in results] == [
        (OK, f"{statuses} rows, expected {statuses}"),
        (FAIL, f"{statuses} rows, expected {statuses + 1}"),
        (OK, f"{statuses} rows, expected at least {statuses - 1}"),
    ]


def test_a_dropped_index_is_reported_missing_and_fails_the_run():
    drop_index(Company, "IX_Company_CompanyName")

    [line] = check_names(connection, [Company])

    assert line.result == FAIL
    assert line.detail.endswith("; IX_Company_CompanyName (index) missing")
    with pytest.raises(CommandError, match="1 check"):
        verify()


def test_a_reference_without_a_constraint_is_reported_as_not_enforced():
    """Log rows reference users without a constraint (by design); the probe must notice."""
    line = probe_foreign_key(RowFactory("default"), ApiRequest, ApiRequest._meta.get_field("user"))

    assert line.result == FAIL
    assert line.detail.startswith("FK_ApiRequest_UserID: a row with UserID=") and line.detail.endswith("was accepted")


def test_a_unique_rule_the_database_lacks_is_reported_as_not_enforced():
    rule = UniqueRule("UQ_Company_CompanyName", (Company._meta.get_field("company_name"),))

    line = probe_unique(RowFactory("default"), Company, rule)

    assert (line.result, line.detail) == (FAIL, "UQ_Company_CompanyName: a duplicate was accepted")


def test_a_partial_unique_constraint_accepts_repeats_outside_its_condition():
    [rule] = [r for r in unique_rules(UserInvitation) if r.condition is not None]

    line = probe_unique(RowFactory("default"), UserInvitation, rule)

    assert (line.target, line.result) == ("dbo.UserInvitation (CompanyID, InvitedEmail)", OK)
    assert line.detail == (
        "UQ_UserInvitation_CompanyID_InvitedEmail_Open: duplicate refused, outside the condition accepted"
    )


@pytest.mark.postgres
def test_a_dropped_foreign_key_is_reported_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "dbo"."User" DROP CONSTRAINT "FK_User_UserStatus"')

    results = {(r.check, r.target): r for r in verify_database("default")}

    probe = results[("foreign key enforced", "dbo.User.StatusID")]
    names = results[("names present", "dbo.User")]
    assert probe.result == FAIL and "was accepted" in probe.detail
    assert names.result == FAIL and names.detail.endswith("FK_User_UserStatus (foreign key) missing")
    assert sum(r.failed for r in results.values()) == 2


@pytest.mark.postgres
def test_a_unique_index_that_is_not_partial_is_reported_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "dbo"."UQ_UserInvitation_CompanyID_InvitedEmail_Open"')
        cursor.execute(
            'CREATE UNIQUE INDEX "UQ_UserInvitation_CompanyID_InvitedEmail_Open" '
            'ON "dbo"."UserInvitation" ("CompanyID", "InvitedEmail")'
        )
    [rule] = [r for r in unique_rules(UserInvitation) if r.condition is not None]

    line = probe_unique(RowFactory("default"), UserInvitation, rule)

    assert (line.result, line.detail) == (
        FAIL,
        "UQ_UserInvitation_CompanyID_InvitedEmail_Open: a duplicate outside the condition was refused",
    )


def test_the_catalogue_has_the_documents_tables_and_a_model_for_each():
    assert CATALOGUE.counts_by_schema() == {"dbo": 15, "ref": 13, "config": 2, "log": 5, "audit": 4, "cache": 1}
    assert [m._meta.db_table for m in catalogue_models(CATALOGUE)] == [t.db_table for t in CATALOGUE.tables]
