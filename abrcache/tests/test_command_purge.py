"""manage.py purge_abr_cache: everything, the expired entries, or every copy of one ABN."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from abrcache.models import ABRSearch
from abrcache.services import abr_search

pytestmark = pytest.mark.django_db


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_abr_cache", *args, stdout=out)
    return out.getvalue().strip()


def keys() -> set[tuple[str, str]]:
    return set(ABRSearch.objects.values_list("search_type", "search_value"))


@pytest.fixture
def cached(fake_abr):
    """Harbourside (51824753556) cached by ABN and by name; Southern Cross by ACN and name."""
    for search_type, value in [
        ("abn", "51824753556"),
        ("name", "harbourside"),
        ("acn", "004085616"),
        ("name", "southern cross"),
        ("abn", "53004085616"),
    ]:
        abr_search(search_type=search_type, value=value)
    return keys()


def test_without_options_everything_is_deleted(cached):
    assert purge() == "Deleted 5 ABR cache entries."
    assert keys() == set()


def test_expired_deletes_only_entries_past_their_expiry(fake_abr):
    long_ago = datetime.now(UTC) - timedelta(days=91)
    abr_search(search_type="abn", value="51824753556", now=long_ago)
    abr_search(search_type="acn", value="004085616")

    assert purge("--expired") == "Deleted 1 ABR cache entry."
    assert keys() == {("acn", "004085616")}


def test_an_abn_is_deleted_with_every_search_whose_answer_holds_it(cached):
    # A name search that mentions the digits without returning that ABN must stay.
    ABRSearch.objects.create(
        search_type="name",
        search_value="shop 51824753556",
        result_count=1,
        cached_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(days=1),
        response_json={
            "Message": "",
            "Names": [
                {
                    "Abn": "72629951766",
                    "Name": "Shop 51824753556",
                    "AbnStatus": "0000000001",
                    "IsCurrent": True,
                    "NameType": "Business Name",
                    "Postcode": "",
                    "Score": 99,
                    "State": "",
                }
            ],
        },
    )

    assert purge("--abn", "51 824 753 556") == "Deleted 2 ABR cache entries."
    assert keys() == {
        ("acn", "004085616"),
        ("name", "southern cross"),
        ("abn", "53004085616"),
        ("name", "shop 51824753556"),
    }


def test_an_abn_found_through_an_acn_search_is_deleted_there_too(cached):
    assert purge("--abn", "53004085616") == "Deleted 3 ABR cache entries."
    assert keys() == {("abn", "51824753556"), ("name", "harbourside")}


def test_an_abn_with_nothing_cached_deletes_nothing(cached):
    assert purge("--abn", "11123456780") == "Deleted 0 ABR cache entries."
    assert keys() == cached


def test_something_that_is_not_an_abn_is_refused(cached):
    with pytest.raises(CommandError, match="not an ABN"):
        purge("--abn", "5182475355")
    assert keys() == cached
