"""The ABR cache page of the back office: read-only entries, and purging them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abrcache.admin import MESSAGE_ABN_NEEDED
from abrcache.models import ABRSearch
from abrcache.services import MESSAGE_INVALID_ABN
from auditing.models import ActivityLog
from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/admin/abrcache/abrsearch/"
ABN = "51824753556"


@pytest.fixture
def entries():
    now = timezone.now()

    def entry(search_type, value, expires_in_days, payload):
        return ABRSearch.objects.create(
            search_type=search_type,
            search_value=value,
            response_json=payload,
            result_count=1,
            cached_at=now,
            expires_at=now + timedelta(days=expires_in_days),
        )

    return [
        entry("abn", ABN, 30, {"Abn": ABN, "EntityName": "HARBOURSIDE EVENTS TRUST", "Message": ""}),
        entry("name", "harbourside", 30, {"Message": "", "Names": [{"Abn": ABN, "Name": "Harbourside Expos"}]}),
        entry("name", "old bay", -1, {"Message": "", "Names": [{"Abn": "11123456780", "Name": "Old Bay"}]}),
    ]


def remaining():
    return sorted(ABRSearch.objects.values_list("search_value", flat=True))


def test_the_index_lists_the_abr_cache_page(admin_client):  # noqa: F811
    body = admin_client.get("/admin/").content.decode()

    assert f'<a href="{URL}">ABR searches</a>' in body and "ABR cache" in body


def test_the_page_lists_entries_and_filters_them(admin_client, entries):  # noqa: F811
    def shown(**query):
        return sorted(entry.search_value for entry in admin_client.get(URL, query).context["page"])

    assert shown() == [ABN, "harbourside", "old bay"]
    assert shown(type="name") == ["harbourside", "old bay"]
    assert shown(q="OLD") == ["old bay"]


def test_the_page_is_for_admins_only(client, make_user, entries):
    client.force_login(make_user())

    assert client.get(URL).status_code == 302
    assert client.post(URL, {"scope": "all"}).status_code == 302
    assert len(remaining()) == 3


@pytest.mark.parametrize(
    ("form", "left"),
    [
        ({"scope": "expired"}, [ABN, "harbourside"]),
        ({"scope": "abn", "abn": "51 824 753 556"}, ["old bay"]),
        ({"scope": "all"}, []),
    ],
)
def test_purging_removes_entries_and_is_recorded(admin_client, system_admin, entries, form, left):  # noqa: F811
    response = admin_client.post(URL, form, follow=True)

    assert remaining() == left
    removed = 3 - len(left)
    assert [str(m) for m in response.context["messages"]] == [
        f"Removed {removed} cached ABR entr{'ies' if removed != 1 else 'y'}."
    ]
    purge = ActivityLog.objects.get(action="abr_cache_purged")
    assert purge.user == system_admin and purge.new_values["removed"] == removed


@pytest.mark.parametrize(("abn", "error"), [("", MESSAGE_ABN_NEEDED), ("51 824 753 557", MESSAGE_INVALID_ABN)])
def test_purging_by_abn_needs_a_valid_abn(admin_client, entries, abn, error):  # noqa: F811
    response = admin_client.post(URL, {"scope": "abn", "abn": abn})

    assert response.context["form"].errors["abn"] == [error]
    assert len(remaining()) == 3
