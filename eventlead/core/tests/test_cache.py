"""The database cache: Django's cache API as before, no count per write, and live entries never evicted."""

from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eventlead.core import cache as cache_module
from eventlead.core.cache import DatabaseCache

pytestmark = pytest.mark.django_db


def rows() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM django_cache")
        return dict(cursor.fetchall())


def expire(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE django_cache SET expires = %s WHERE cache_key LIKE %s",
            [timezone.now() - timedelta(seconds=1), f"%:{key}"],
        )


def test_the_throttles_cache_is_this_backend():
    assert isinstance(caches["default"], DatabaseCache)


def test_the_cache_api_behaves_as_djangos():
    assert cache.add("a", 1, 60) is True
    assert cache.add("a", 2, 60) is False  # live: kept
    cache.set("b", {"history": [1.5, 2.5]}, 60)
    cache.set("b", {"history": [3.5]}, 60)  # replaced
    assert cache.touch("a", 120) is True
    assert cache.touch("missing", 120) is False
    assert cache.incr("a") == 2

    assert cache.get_many(["a", "b", "missing"]) == {"a": 2, "b": {"history": [3.5]}}
    cache.delete("a")
    assert cache.get("a", "gone") == "gone"


def test_an_expired_entry_can_be_added_again_and_never_persists(monkeypatch):
    cache.set("k", "old", 60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE django_cache SET expires = %s", [timezone.now() - timedelta(minutes=1)])

    assert cache.get("k") is None
    assert cache.add("k", "new", 60) is True
    assert cache.get("k") == "new"
    cache.set("forever", "x", None)
    assert cache.get("forever") == "x"


def test_a_write_does_not_count_the_table(monkeypatch):
    monkeypatch.setattr(DatabaseCache, "_expired_deleted_at", float("-inf"))  # due now
    cache.set("first", 1, 60)  # this write deletes expired rows
    with CaptureQueriesContext(connection) as queries:
        cache.set("second", 2, 60)

    statements = [q["sql"].split()[0].upper() for q in queries]
    assert not any("COUNT(" in q["sql"].upper() for q in queries)
    assert statements.count("DELETE") == 0 and "INSERT" in statements


def test_live_entries_are_never_evicted_however_many_and_expired_ones_go_once_a_minute(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(DatabaseCache, "_expired_deleted_at", float("-inf"))
    monkeypatch.setattr(caches["default"], "_max_entries", 3)  # Django's backend would cull past this
    for n in range(10):
        cache.set(f"live-{n}", n, 600)  # the first deletes expired rows (none); the rest are within a minute
    expire("live-0")
    assert len(rows()) == 10

    clock[0] += 61
    cache.set("another", 1, 600)  # due: the one expired row goes
    after_first = set(rows())
    expire("live-1")
    clock[0] += 30
    cache.set("within-a-minute", 1, 600)  # not due: the expired row stays
    kept = set(rows())
    clock[0] += 31
    cache.set("after-a-minute", 1, 600)  # due again

    assert len(after_first) == 10 and ":1:live-0" not in after_first
    assert ":1:live-1" in kept
    assert ":1:live-1" not in rows()
    assert cache.get_many([f"live-{n}" for n in range(2, 10)]) == {f"live-{n}": n for n in range(2, 10)}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_set_is_one_upsert(monkeypatch):
    monkeypatch.setattr(DatabaseCache, "_expired_deleted_at", float("inf"))  # not due
    cache.set("k", "first", 60)
    with CaptureQueriesContext(connection) as queries:
        cache.set("k", "second", 60)
        cache.set("new", {"n": 1}, None)

    assert [q["sql"].split()[0] for q in queries] == ["INSERT", "INSERT"]
    assert "ON CONFLICT" in queries[0]["sql"]
    assert cache.get_many(["k", "new"]) == {"k": "second", "new": {"n": 1}}
    assert not connection.in_atomic_block


@pytest.mark.parametrize("transactional", [False, True])
def test_a_value_expires_when_its_timeout_says(transactional, request, monkeypatch):
    if transactional:
        request.getfixturevalue("transactional_db")  # outside a transaction: the upsert
    monkeypatch.setattr(DatabaseCache, "_expired_deleted_at", float("inf"))
    before = timezone.now().replace(microsecond=0)
    cache.set("timed", 1, 90)
    cache.set("forever", 1, None)

    expires = {key.split(":")[-1]: aware(value) for key, value in rows().items()}

    assert before + timedelta(seconds=89) <= expires["timed"] <= before + timedelta(seconds=92)
    assert expires["forever"].year == 9999


def aware(value):
    """A stored expiry as an aware datetime (SQLite hands it back naive, in UTC)."""
    from datetime import UTC

    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value
