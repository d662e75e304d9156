"""log.ABRLookup in the back office: read-only, dated, filtered by outcome, a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from eventlead.backoffice.testing import admin_client, assert_read_only, system_admin  # noqa: F401 (fixtures)
from logging_app.models import AbrLookup

pytestmark = pytest.mark.django_db

URL = "/admin/logging_app/abrlookup/"
# The session and the admin, the capped count, the rows, and the date hierarchy's first and
# last dates twice (Django's tag, then CalendarQuerySet listing the years), as every log list;
# PostgreSQL first asks the planner for the table's size (an unfiltered list).
LIST_QUERIES = 6


def lookup(outcome="hit", search_type="abn", **fields):
    return AbrLookup.objects.create(outcome=outcome, search_type=search_type, **fields)


def listed(client, **query) -> list[AbrLookup]:
    response = client.get(URL, query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_lookups_are_read_only_for_every_admin(admin_client):  # noqa: F811
    assert_read_only(admin_client, AbrLookup, lookup())


def test_the_list_is_dated_newest_first_and_not_fully_counted(admin_client):  # noqa: F811
    older = lookup(created_date=timezone.now() - timedelta(days=2))
    newer = lookup()

    response = admin_client.get(URL)

    changelist = response.context["cl"]
    assert (changelist.date_hierarchy, changelist.full_result_count) == ("created_date", None)
    assert list(changelist.result_list) == [newer, older]


def test_lookups_are_filtered_by_outcome_and_search_type(admin_client):  # noqa: F811
    hit, miss, stale = lookup("hit"), lookup("miss", "name"), lookup("stale")
    failed = lookup("failed", "acn")

    assert listed(admin_client, outcome__exact="miss") == [miss]
    assert listed(admin_client, outcome__in="stale,failed") == [failed, stale]
    assert listed(admin_client, search_type__exact="abn") == [stale, hit]


@pytest.mark.parametrize("rows", [1, 100])
def test_the_list_runs_a_fixed_number_of_queries(admin_client, django_assert_num_queries, rows):  # noqa: F811
    AbrLookup.objects.bulk_create(AbrLookup(search_type="abn", outcome="hit") for _ in range(rows))
    estimate = 1 if connection.vendor == "postgresql" else 0

    with django_assert_num_queries(LIST_QUERIES + estimate):
        assert admin_client.get(URL).status_code == 200
