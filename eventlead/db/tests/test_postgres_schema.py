"""The schema as PostgreSQL's own catalogue shows it, checked without the project's checkers."""

from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from accounts.models import User
from companies.models import Company
from eventlead.db.catalogue import CATALOGUE
from eventlead.db.checks.declared import framework_tables
from reference.models import Country, UserRole, UserStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def new_user(email: str, **fields) -> User:
    fields.setdefault("status_id", UserStatus.objects.get(code=UserStatus.ACTIVE).pk)
    fields.setdefault("user_role_id", UserRole.objects.get(code=UserRole.COMPANY_USER).pk)
    user = User(email=email, password="unusable", first_name="Test", last_name="User", **fields)
    user.save()
    return user


def new_company(abn: str | None) -> Company:
    return Company.objects.create(company_name=f"Company {abn}", abn=abn, country=Country.objects.get(code="au"))


def test_information_schema_holds_the_catalogue_tables_and_framework_tables_only_in_public():
    rows = fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    ours = {(schema, name) for schema, name in rows if schema != "public"}
    public = {name for schema, name in rows if schema == "public"}

    assert ours == {(table.schema, table.name) for table in CATALOGUE.tables}
    assert Counter(schema for schema, _ in ours) == {
        "dbo": 15,
        "ref": 13,
        "config": 2,
        "log": 5,
        "audit": 4,
        "cache": 1,
    }
    assert public and all(name in framework_tables() or name.startswith("django_") for name in public)


def test_every_catalogue_column_exists():
    rows = fetch(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema = ANY(%s)",
        [["dbo", "ref", "config", "log", "audit", "cache"]],
    )
    live = {(schema, table, column) for schema, table, column in rows}

    missing = [
        f"{table.db_table}.{column}"
        for table in CATALOGUE.tables
        for column in table.columns
        if (table.schema, table.name, column) not in live
    ]
    assert missing == []


def test_a_user_with_an_unknown_status_is_refused():
    unknown = (UserStatus.objects.aggregate(highest=Max("id"))["highest"] or 0) + 1

    with pytest.raises(IntegrityError, match="FK_User_UserStatus"), transaction.atomic():
        new_user("nobody@example.com", status_id=unknown)
        connection.check_constraints()  # the key is DEFERRABLE: check before COMMIT


def test_a_second_user_with_the_same_email_is_refused():
    new_user("twin@example.com")

    with pytest.raises(IntegrityError, match="UQ_User_Email"), transaction.atomic():
        new_user("twin@example.com")


def test_abn_is_unique_only_where_present():
    [(definition,)] = fetch("SELECT indexdef FROM pg_indexes WHERE schemaname = 'dbo' AND indexname = 'UQ_Company_ABN'")
    assert definition.startswith('CREATE UNIQUE INDEX "UQ_Company_ABN" ON dbo."Company"')
    assert definition.endswith('WHERE ("ABN" IS NOT NULL)')

    new_company(None)
    new_company(None)  # NULLs never collide, and the index leaves them out anyway
    new_company("51824753556")
    with pytest.raises(IntegrityError, match="UQ_Company_ABN"), transaction.atomic():
        new_company("51824753556")
