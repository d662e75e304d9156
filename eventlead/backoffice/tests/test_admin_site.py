"""The back office as a whole: what it lists, what it hides, how it counts large tables."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from abrcache.models import ABRSearch
from eventlead.backoffice.options import EstimatedCountPaginator
from eventlead.backoffice.site import APP_TITLES
from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures)
from logging_app.models import ApiRequest

pytestmark = pytest.mark.django_db


def test_the_index_lists_the_apps_in_the_admins_words(admin_client):  # noqa: F811
    apps = admin_client.get("/admin/").context["app_list"]

    assert [app["name"] for app in apps] == list(APP_TITLES.values())


@pytest.mark.parametrize("model", [Group, OutstandingToken, BlacklistedToken, DBTaskResult])
def test_unused_and_secret_holding_tables_are_not_in_the_back_office(model):
    assert not admin.site.is_registered(model)


def test_abr_searches_cannot_be_a_model_admin():
    """Why the ABR cache has a page of its own: Django refuses composite primary keys."""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="composite primary key"):
        admin.AdminSite().register(ABRSearch)


def test_two_factor_devices_are_listed_without_their_keys(admin_client, system_admin):  # noqa: F811
    device = TOTPDevice.objects.create(user=system_admin, name="phone", confirmed=True)

    body = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()

    assert device.key not in body and "qrcode" not in body
    with pytest.raises(NoReverseMatch):  # django-otp's own admin page with the QR code is not installed
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk])


def add_requests(count):
    ApiRequest.objects.bulk_create(
        [
            ApiRequest(request_id=uuid.uuid4(), method="GET", path="/", status_code=200, duration_ms=1)
            for _ in range(count)
        ]
    )


def test_a_long_list_is_counted_only_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 5)
    add_requests(8)

    paginator = EstimatedCountPaginator(ApiRequest.objects.order_by("-id"), 2)

    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 5
    assert "LIMIT 5" in queries[-1]["sql"]
    assert EstimatedCountPaginator(ApiRequest.objects.filter(pk__lt=0), 2).count == 0


@pytest.mark.postgres
def test_an_unfiltered_big_table_takes_the_planner_estimate_on_postgresql(monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 5)
    add_requests(40)
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "log"."ApiRequest"')

    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(ApiRequest.objects.order_by("-id"), 10).count

    assert count == 40
    assert len(queries) == 1 and "reltuples" in queries[0]["sql"] and "COUNT(" not in queries[0]["sql"]
    # A filtered list is not estimated: it is counted up to the cap.
    assert EstimatedCountPaginator(ApiRequest.objects.filter(status_code=200), 10).count == 5


def test_the_date_hierarchy_lists_the_calendar_between_the_first_and_last_rows(admin_client):  # noqa: F811
    from datetime import datetime

    from django.utils import timezone

    for day in (datetime(2026, 1, 15, 10), datetime(2026, 3, 2, 10)):
        ApiRequest.objects.create(
            request_id=uuid.uuid4(),
            method="GET",
            path="/",
            status_code=200,
            duration_ms=1,
            created_date=timezone.make_aware(day),
        )

    with CaptureQueriesContext(connection) as queries:
        body = admin_client.get("/admin/logging_app/apirequest/").content.decode()

    # One year of rows: Django opens the year and lists its months, February (no rows) included.
    assert [month for month in ("January 2026", "February 2026", "March 2026") if month in body] == [
        "January 2026",
        "February 2026",
        "March 2026",
    ]
    assert not [query for query in queries if "DISTINCT" in query["sql"]]
