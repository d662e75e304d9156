"""The engine glue: names derived from tables, and index removal in a schema."""

import pytest
from django.db import connection, models

from eventlead.db import naming


def test_names_of_a_sqlite_rebuild_copy_are_the_tables():
    assert naming.split_table("new__dbo.User") == ("dbo", "User")
    assert naming.primary_key_name("new__dbo.User") == "PK_User"
    assert naming.index_name("audit.User", ["UserID", "ChangedDate"]) == "IX_AuditUser_UserID_ChangedDate"


@pytest.mark.postgres
@pytest.mark.django_db
def test_removing_an_index_in_a_schema_really_drops_it():
    from companies.models import Company

    index = models.Index(fields=["suburb"], name="IX_Company_Suburb")
    with connection.schema_editor() as editor:
        editor.add_index(Company, index)
    with connection.cursor() as cursor:
        assert "IX_Company_Suburb" in connection.introspection.get_constraints(cursor, "dbo.Company")
    with connection.schema_editor() as editor:
        editor.remove_index(Company, index)
    with connection.cursor() as cursor:
        assert "IX_Company_Suburb" not in connection.introspection.get_constraints(cursor, "dbo.Company")


@pytest.mark.postgres
@pytest.mark.django_db
def test_table_list_has_our_schemas_and_no_catalog_tables():
    with connection.cursor() as cursor:
        names = {table.name for table in connection.introspection.get_table_list(cursor)}
    assert {"dbo.User", "ref.Country", "audit.User", "cache.ABRSearch", "django_migrations"} <= names
    assert not any(name.startswith("pg_") for name in names)


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_cache_table_the_throttles_use(settings):
    from django.core.cache import caches
    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "eventlead.core.cache.DatabaseCache", "LOCATION": "throttle_cache_probe"}}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS throttle_cache_probe")

    call_command("migrate", verbosity=0)

    assert "throttle_cache_probe" in connection.introspection.table_names()
    caches["default"].set("k", "v")
    assert caches["default"].get("k") == "v"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE throttle_cache_probe")
