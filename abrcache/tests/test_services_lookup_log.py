"""abr_search records every lookup in log.ABRLookup: hit, miss, stale or failed, and never fails for it."""

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from abrcache import services
from abrcache.models import ABRSearch
from abrcache.services import abr_search
from abrcache.tests.test_services_search import TTL, break_abr
from eventlead.core.exceptions import UpstreamUnavailable, ValidationFailed
from logging_app.models import AbrLookup

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ABN = "51824753556"


def lookups():
    return list(AbrLookup.objects.order_by("id").values_list("search_type", "outcome", "created_date"))


def test_a_miss_is_recorded(fake_abr):
    abr_search(search_type="abn", value=ABN, now=T0)

    assert lookups() == [("abn", "miss", T0)]


def test_a_hit_is_recorded(fake_abr):
    abr_search(search_type="name", value="Harbourside Events", now=T0)
    abr_search(search_type="name", value="harbourside events", now=T0 + timedelta(hours=1))

    assert lookups() == [("name", "miss", T0), ("name", "hit", T0 + timedelta(hours=1))]
    assert fake_abr.request_count == 1


def test_a_refetch_past_expiry_is_a_miss(fake_abr):
    abr_search(search_type="acn", value="004085616", now=T0)
    later = T0 + TTL + timedelta(seconds=1)

    abr_search(search_type="acn", value="004085616", now=later)

    assert lookups() == [("acn", "miss", T0), ("acn", "miss", later)]


def test_a_stale_answer_is_recorded(fake_abr, settings):
    abr_search(search_type="abn", value=ABN, now=T0)
    break_abr(fake_abr, settings, "down")
    later = T0 + TTL + timedelta(days=1)

    assert abr_search(search_type="abn", value=ABN, now=later).stale

    assert lookups() == [("abn", "miss", T0), ("abn", "stale", later)]


def test_a_failure_with_nothing_cached_is_recorded(fake_abr, settings):
    break_abr(fake_abr, settings, "http-500")

    with pytest.raises(UpstreamUnavailable):
        abr_search(search_type="abn", value=ABN, now=T0)

    assert lookups() == [("abn", "failed", T0)]


def test_a_search_refused_before_asking_abr_is_not_a_lookup(fake_abr):
    with pytest.raises(ValidationFailed):
        abr_search(search_type="abn", value="51824753557", now=T0)

    assert lookups() == []


class RefusedOutcome(StrEnum):
    """Outcomes the CHECK constraint refuses: the database itself turns the row down."""

    HIT = "refused-hit"
    MISS = "refused-miss"
    STALE = "refused-stale"
    FAILED = "refused-failed"


def test_a_lookup_row_the_database_refuses_leaves_the_callers_transaction_usable(fake_abr, monkeypatch, caplog):
    monkeypatch.setattr(services, "AbrLookupOutcome", RefusedOutcome)

    with caplog.at_level(logging.ERROR, logger="abrcache.services"), transaction.atomic():
        result = abr_search(search_type="abn", value=ABN, now=T0)
        # After an error PostgreSQL refuses every statement of the transaction until a rollback;
        # the lookup's savepoint is what lets this one run.
        assert ABRSearch.objects.count() == 1

    assert (result.cached, result.results[0]["abn"]) == (False, ABN)
    assert lookups() == []
    assert "Could not record an ABR lookup (abn, refused-miss)" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_lookup_costs_one_insert_and_a_refused_row_is_only_logged(
    fake_abr, monkeypatch, caplog
):
    abr_search(search_type="abn", value=ABN, now=T0)

    with CaptureQueriesContext(connection) as queries:
        abr_search(search_type="abn", value=ABN, now=T0)
    statements = [query["sql"] for query in queries.captured_queries]
    assert sum("ABRLookup" in sql for sql in statements) == 1
    assert not any("SAVEPOINT" in sql.upper() for sql in statements)
    assert lookups()[-1] == ("abn", "hit", T0)

    monkeypatch.setattr(services, "AbrLookupOutcome", RefusedOutcome)
    with caplog.at_level(logging.ERROR, logger="abrcache.services"):
        again = abr_search(search_type="abn", value=ABN, now=T0)

    assert (again.cached, again.stale) == (True, False)
    assert len(lookups()) == 2
    assert "Could not record an ABR lookup (abn, refused-hit)" in caplog.text
