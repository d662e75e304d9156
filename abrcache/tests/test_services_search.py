"""abr_search: validation before any call, cache hit/miss/expiry, stale answers, failures."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from abrcache.models import ABRSearch
from abrcache.services import (
    MESSAGE_ABR_UNAVAILABLE,
    MESSAGE_INVALID_ABN,
    MESSAGE_INVALID_ACN,
    MESSAGE_INVALID_NAME,
    abr_search,
)
from eventlead.core.exceptions import UpstreamUnavailable, ValidationFailed

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TTL = timedelta(days=90)  # validation.abr_cache_days as seeded


def entry(search_type="abn", search_value="51824753556"):
    return ABRSearch.objects.get(search_type=search_type, search_value=search_value)


def test_a_miss_asks_abr_once_and_stores_the_answer(fake_abr):
    result = abr_search(search_type="abn", value="51 824 753 556", now=T0)

    assert (result.search_type, result.search_value) == ("abn", "51824753556")
    assert (result.cached, result.stale, result.cached_at) == (False, False, T0)
    assert [r["entity_name"] for r in result.results] == ["HARBOURSIDE EVENTS TRUST"]
    assert fake_abr.request_count == 1
    stored = entry()
    assert (stored.cached_at, stored.expires_at, stored.result_count) == (T0, T0 + TTL, 1)
    assert (stored.hit_count, stored.last_hit_at) == (0, None)
    assert stored.response_json["EntityName"] == "HARBOURSIDE EVENTS TRUST"


def test_a_hit_does_not_ask_abr_and_counts_the_hit(fake_abr):
    first = abr_search(search_type="abn", value="51824753556", now=T0)
    abr_search(search_type="abn", value="51824753556", now=T0 + timedelta(hours=1))
    second = abr_search(search_type="abn", value="51824753556", now=T0 + timedelta(days=2))

    assert fake_abr.request_count == 1
    assert (second.cached, second.stale, second.cached_at) == (True, False, T0)
    assert second.results == first.results
    assert (entry().hit_count, entry().last_hit_at) == (2, T0 + timedelta(days=2))


def test_names_share_an_entry_whatever_their_case_and_spacing(fake_abr):
    abr_search(search_type="name", value="Harbourside   Events", now=T0)
    again = abr_search(search_type="name", value="  HARBOURSIDE events ", now=T0)

    assert (again.search_value, again.cached) == ("harbourside events", True)
    assert fake_abr.request_count == 1
    assert fake_abr.requests[0][1]["name"] == "harbourside events"


def test_an_entry_is_fresh_up_to_its_expiry_and_refetched_one_second_later(fake_abr):
    abr_search(search_type="abn", value="51824753556", now=T0)

    at_expiry = abr_search(search_type="abn", value="51824753556", now=T0 + TTL)
    assert (at_expiry.cached, fake_abr.request_count) == (True, 1)

    later = T0 + TTL + timedelta(seconds=1)
    past_expiry = abr_search(search_type="abn", value="51824753556", now=later)
    assert (past_expiry.cached, past_expiry.stale, past_expiry.cached_at) == (False, False, later)
    assert fake_abr.request_count == 2
    refreshed = entry()
    assert (refreshed.cached_at, refreshed.expires_at) == (later, later + TTL)
    assert refreshed.hit_count == 1  # a lifetime count of the key: a refresh keeps it


def test_the_lifetime_comes_from_the_abr_cache_days_setting(fake_abr, set_setting):
    set_setting("validation.abr_cache_days", 7)

    abr_search(search_type="acn", value="004085616", now=T0)

    assert entry("acn", "004085616").expires_at == T0 + timedelta(days=7)


def test_no_record_found_is_an_empty_answer_that_is_cached(fake_abr):
    first = abr_search(search_type="abn", value="72629951766", now=T0)
    second = abr_search(search_type="abn", value="72629951766", now=T0)

    assert (first.results, first.cached, second.results, second.cached) == ([], False, [], True)
    assert fake_abr.request_count == 1
    assert entry("abn", "72629951766").result_count == 0


@pytest.mark.parametrize(
    ("search_type", "value", "field", "message"),
    [
        ("abn", "51824753557", "abn", MESSAGE_INVALID_ABN),  # check digit wrong
        ("abn", "5182475355", "abn", MESSAGE_INVALID_ABN),  # 10 digits
        ("abn", "51-824-753-556", "abn", MESSAGE_INVALID_ABN),
        ("abn", "5182475355x", "abn", MESSAGE_INVALID_ABN),
        ("acn", "004085617", "acn", MESSAGE_INVALID_ACN),
        ("acn", "51824753556", "acn", MESSAGE_INVALID_ACN),  # an ABN is not an ACN
        ("name", " \t ", "name", MESSAGE_INVALID_NAME),
    ],
)
def test_an_impossible_search_is_refused_before_calling_abr(fake_abr, search_type, value, field, message):
    with pytest.raises(ValidationFailed) as refused:
        abr_search(search_type=search_type, value=value, now=T0)

    assert refused.value.fields == {field: [message]}
    assert fake_abr.request_count == 0
    assert not ABRSearch.objects.exists()


def break_abr(fake_abr, settings, how):
    if how == "down":
        fake_abr.stop()
    elif how == "http-500":
        fake_abr.status = 500
    elif how == "slow":
        settings.ABR_TIMEOUT_SECONDS = 0.2
        fake_abr.delay = 5
    elif how == "garbage":
        fake_abr.body = b"<html>Maintenance</html>"
    elif how == "guid-refused":
        settings.ABR_GUID = "00000000-0000-0000-0000-000000000000"


FAILURES = ["down", "http-500", "slow", "garbage", "guid-refused"]


@pytest.mark.parametrize("how", FAILURES)
def test_abr_failing_with_nothing_cached_is_upstream_unavailable(fake_abr, settings, how):
    break_abr(fake_abr, settings, how)

    with pytest.raises(UpstreamUnavailable) as failed:
        abr_search(search_type="abn", value="51824753556", now=T0)

    assert failed.value.message == MESSAGE_ABR_UNAVAILABLE
    assert not ABRSearch.objects.exists()  # a failure is never cached as "nothing found"


@pytest.mark.parametrize("how", FAILURES)
def test_abr_failing_serves_an_expired_entry_as_stale(fake_abr, settings, how):
    abr_search(search_type="abn", value="51824753556", now=T0)
    break_abr(fake_abr, settings, how)
    much_later = T0 + TTL + timedelta(days=30)

    result = abr_search(search_type="abn", value="51824753556", now=much_later)

    assert (result.cached, result.stale, result.cached_at) == (True, True, T0)
    assert [r["abn"] for r in result.results] == ["51824753556"]
    stored = entry()
    assert (stored.cached_at, stored.expires_at) == (T0, T0 + TTL)  # untouched: next search retries ABR
    assert (stored.hit_count, stored.last_hit_at) == (1, much_later)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_misses_store_one_entry_without_errors(fake_abr):
    threads, start = 10, threading.Barrier(10)
    # Every thread has missed before ABR answers, and all get the answer at once, so they race
    # to insert the same key (a naive check-then-insert fails this with IntegrityError).
    fake_abr.hold(threads)
    results, errors = [], []

    def search():
        try:
            start.wait()
            results.append(abr_search(search_type="abn", value="51824753556"))
        except Exception as error:  # noqa: BLE001 (collected and asserted below)
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=search) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert fake_abr.request_count == threads
    assert {r.results[0]["abn"] for r in results} == {"51824753556"}
    assert ABRSearch.objects.count() == 1
