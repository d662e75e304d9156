"""Compiled queries give what their queryset gives, compile once per connection, and pass SQL Server's rules."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import User
from companies.models import Company
from eventlead.db.compiled import CompiledQuery, compiled_queries
from eventlead.db.sqlserver import OfflineDatabaseWrapper, sqlserver_settings
from eventlead.testing import tsql_rules

pytestmark = pytest.mark.django_db

BY_EMAIL = CompiledQuery(lambda email: User.objects.filter(email=email), email=str)
NAMES_BY_ID = CompiledQuery(
    lambda user_id: User.objects.filter(pk__gte=user_id).order_by("pk").values_list("pk", "email", "last_login"),
    user_id=int,
)


def test_instances_are_the_querysets_with_their_related_objects(make_user, django_assert_num_queries):
    user = make_user("ana@example.com", phone="+61 2 5550 1234")

    with django_assert_num_queries(1):
        found = BY_EMAIL.first(email="ana@example.com")
        status, role = found.status.code, found.user_role.code  # select_related: no further query

    expected = User.objects.get(pk=user.pk)
    assert found == expected
    assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert (status, role) == (expected.status.code, expected.user_role.code)
    assert found._state.db == "default" and not found._state.adding
    assert found.get_deferred_fields() == set()  # every column came from the one row


def test_no_row_is_none(db):
    assert BY_EMAIL.first(email="nobody@example.com") is None
    assert BY_EMAIL.instances(email="nobody@example.com") == []


def test_values_rows_are_converted_as_the_orm_converts_them(make_user):
    for name in ("b", "a", "c"):
        make_user(f"{name}@example.com", last_login="2026-12-02T10:00:00Z")
    first = User.objects.order_by("pk").first().pk

    rows = NAMES_BY_ID.rows(user_id=first + 1)

    assert rows == [
        list(row)
        for row in User.objects.filter(pk__gte=first + 1).order_by("pk").values_list("pk", "email", "last_login")
    ]
    assert len(rows) == 2 and rows[0][2].tzinfo is not None


def test_json_columns_come_back_decoded(make_user):
    owner = make_user()
    Company.objects.create(company_name="Acme", business_names=["Acme Events"], country_id=1, created_by=owner)
    query = CompiledQuery(
        lambda name: Company.objects.filter(company_name=name).values_list("business_names"), name=str
    )

    assert query.rows(name="Acme") == [[["Acme Events"]]]


def test_columns_selected_only_for_ordering_are_cut_off(make_user):
    for email, last in (("x@example.com", "Zed"), ("y@example.com", "Abe")):
        make_user(email, last_name=last)
    query = CompiledQuery(
        lambda first: User.objects.filter(first_name=first).order_by("last_name").values_list("email").distinct(),
        first=str,
    )

    # DISTINCT with ORDER BY on a column not selected: Django selects it too, and drops it from rows.
    assert query.rows(first="Mia") == [["y@example.com"], ["x@example.com"]]


def test_the_sql_is_compiled_once_per_connection(make_user, monkeypatch):
    make_user("ana@example.com")
    query = CompiledQuery(lambda email: User.objects.filter(email=email), email=str)
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k))

    found = [query.first(email=email) for email in ("ana@example.com", "nobody@example.com", "ana@example.com")]

    assert [user and user.email for user in found] == ["ana@example.com", None, "ana@example.com"]
    assert len(compiled) == 1


def test_each_argument_must_be_one_plain_parameter(db):
    twice = CompiledQuery(lambda email: User.objects.filter(email=email, first_name=email), email=str)
    unused = CompiledQuery(lambda email: User.objects.all(), email=str)
    wrapped = CompiledQuery(lambda email: User.objects.filter(email__contains=email), email=str)

    for query in (twice, unused, wrapped):
        with pytest.raises(ImproperlyConfigured, match="once as a plain SQL parameter"):
            query.first(email="x")


def test_arguments_are_int_or_str_and_all_given(db):
    with pytest.raises(ImproperlyConfigured, match="int or str"):
        CompiledQuery(lambda when: User.objects.filter(last_login=when), when=object)
    with pytest.raises(TypeError, match="takes"):
        BY_EMAIL.first(address="x")


def test_rows_and_instances_are_not_mixed_up(db):
    with pytest.raises(ImproperlyConfigured, match="use instances"):
        BY_EMAIL.rows(email="x")
    with pytest.raises(ImproperlyConfigured, match="use rows"):
        NAMES_BY_ID.first(user_id=1)


@pytest.mark.parametrize("version", [2019, 2022])
def test_every_compiled_query_of_the_project_passes_sql_servers_rules(version):
    import importlib

    defining = {"accounts.selectors", "companies.access", "companies.selectors", "reference.apis"}
    for module in defining:
        importlib.import_module(module)  # each module defines its queries at import
    wrapper = OfflineDatabaseWrapper(sqlserver_settings(), f"sqlserver-{version}", version=version)
    project = [query for query in compiled_queries() if not query.build.__module__.endswith("test_compiled_queries")]

    assert {query.build.__module__ for query in project} >= defining
    for query in project:
        sql, parameter_count = query.sql(wrapper)  # compiled as on a live SQL Server connection
        assert tsql_rules.violations(sql, parameter_count) == [], (query, sql)
        assert "[dbo].[" in sql or "[ref].[" in sql


def test_forgetting_compiled_statements_compiles_them_again(make_user, monkeypatch):
    from eventlead.db.compiled import forget_compiled

    make_user("ana@example.com")
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k))

    BY_EMAIL.first(email="ana@example.com")
    forget_compiled()
    found = BY_EMAIL.first(email="ana@example.com")

    assert found.email == "ana@example.com" and len(compiled) == 2


def test_instances_of_a_queryset_with_deferred_columns_load_them_when_read(make_user, django_assert_num_queries):
    make_user("ana@example.com", phone="+61 2 5550 1234")
    query = CompiledQuery(
        lambda email, first: User.objects.filter(email=email, first_name=first).select_related(None).only("email"),
        email=str,
        first=str,
    )

    with django_assert_num_queries(2):
        found = query.first(email="ana@example.com", first="Mia")
        phone = found.phone  # deferred: read when first used

    assert (found.email, phone) == ("ana@example.com", "+61 2 5550 1234")
    assert found.get_deferred_fields() >= {"first_name"}
    assert repr(query) == f"<CompiledQuery {query.build.__qualname__}(email, first)>"


def test_annotations_on_instances_are_refused_by_name(db):
    from django.db.models import Value

    annotated = CompiledQuery(lambda email: User.objects.filter(email=email).annotate(x=Value(1)), email=str)

    with pytest.raises(ImproperlyConfigured, match="annotations on model instances are not supported"):
        annotated.first(email="x")


def test_a_time_argument_reaches_the_driver_as_the_orm_passes_it(make_user):
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    make_user("ana@example.com", last_login=moment)
    since = CompiledQuery(
        lambda after, email: User.objects.filter(last_login__gte=after, email=email), after=datetime, email=str
    )

    assert since.first(after=moment, email="ana@example.com").email == "ana@example.com"
    assert since.first(after=moment + timedelta(microseconds=1), email="ana@example.com") is None
    assert since.first(after=moment.astimezone(timezone.get_fixed_timezone(600)), email="ana@example.com")
