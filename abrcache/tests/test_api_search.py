"""GET /api/v1/abr/search over HTTP, with whole JSON bodies."""

import json

import pytest
from rest_framework import status

from abrcache.models import ABRSearch
from abrcache.serializers import MESSAGE_ONE_PARAMETER
from abrcache.services import MESSAGE_ABR_UNAVAILABLE, MESSAGE_INVALID_ABN, MESSAGE_INVALID_ACN, NAME_MAX_LENGTH
from configuration.settings_store import get_setting
from eventlead.testing.openapi import assert_documented, openapi_document

pytestmark = pytest.mark.django_db

URL = "/api/v1/abr/search"
TOO_LONG = "Ensure this field has no more than {} characters."

HARBOURSIDE = {
    "abn": "51824753556",
    "acn": "",
    "entityName": "HARBOURSIDE EVENTS TRUST",
    "entityTypeCode": "FXT",
    "entityType": "Fixed Unit Trust",
    "abnStatus": "Active",
    "abnStatusEffectiveFrom": "2000-07-01",
    "businessNames": ["Harbourside Expos", "Sydney Trade Shows"],
    "gstRegistered": True,
    "gstRegisteredFrom": "2000-07-01",
    "state": "NSW",
    "postcode": "2000",
    "addressDate": "2019-03-14",
}


def cached_at(search_type, search_value) -> str:
    """The entry's CachedAt as the API renders it (ISO 8601, UTC as Z)."""
    value = ABRSearch.objects.get(search_type=search_type, search_value=search_value).cached_at
    return value.isoformat().replace("+00:00", "Z")


def error(response, code, message, fields=None) -> dict:
    body = {"code": code, "message": message, "requestId": response["X-Request-ID"]}
    if fields:
        body["fields"] = fields
    return {"error": body}


def test_abn_search_answers_from_abr_then_from_the_cache(auth_client, fake_abr):
    first = auth_client.get(URL, {"abn": "51 824 753 556"})
    second = auth_client.get(URL, {"abn": "51824753556"})

    expected = {
        "searchType": "abn",
        "searchValue": "51824753556",
        "cachedAt": cached_at("abn", "51824753556"),
        "stale": False,
        "results": [HARBOURSIDE],
    }
    assert first.status_code == status.HTTP_200_OK
    assert first.json() == {**expected, "cached": False}
    assert second.json() == {**expected, "cached": True}
    assert fake_abr.request_count == 1


def test_acn_search_gives_the_companys_abn_record(auth_client, fake_abr):
    response = auth_client.get(URL, {"acn": "004 085 616"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "searchType": "acn",
        "searchValue": "004085616",
        "cached": False,
        "stale": False,
        "cachedAt": cached_at("acn", "004085616"),
        "results": [
            {
                "abn": "53004085616",
                "acn": "004085616",
                "entityName": "SOUTHERN CROSS CONVENTIONS PTY LTD",
                "entityTypeCode": "PRV",
                "entityType": "Australian Private Company",
                "abnStatus": "Active",
                "abnStatusEffectiveFrom": "1999-11-01",
                "businessNames": [],
                "gstRegistered": False,
                "gstRegisteredFrom": None,
                "state": "VIC",
                "postcode": "3000",
                "addressDate": "2019-03-14",
            }
        ],
    }


def test_name_search_lists_matches(auth_client, fake_abr):
    response = auth_client.get(URL, {"name": "Sydney  TRADE"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "searchType": "name",
        "searchValue": "sydney trade",
        "cached": False,
        "stale": False,
        "cachedAt": cached_at("name", "sydney trade"),
        "results": [
            {
                "abn": "51824753556",
                "name": "Sydney Trade Shows",
                "nameType": "Business Name",
                "abnStatusCode": "0000000001",
                "isCurrent": True,
                "state": "NSW",
                "postcode": "2000",
                "score": 90,
            }
        ],
    }


def test_no_record_found_is_200_with_no_results_and_cached(auth_client, fake_abr):
    auth_client.get(URL, {"abn": "72629951766"})
    response = auth_client.get(URL, {"abn": "72629951766"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "searchType": "abn",
        "searchValue": "72629951766",
        "cached": True,
        "stale": False,
        "cachedAt": cached_at("abn", "72629951766"),
        "results": [],
    }
    assert fake_abr.request_count == 1


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"abn": "51824753557"}, {"abn": [MESSAGE_INVALID_ABN]}),
        ({"acn": "004085617"}, {"acn": [MESSAGE_INVALID_ACN]}),
    ],
)
def test_a_checksum_invalid_number_is_400_without_calling_abr(auth_client, fake_abr, query, fields):
    response = auth_client.get(URL, query)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", "The request has invalid fields.", fields)
    assert fake_abr.request_count == 0


@pytest.mark.parametrize("query", [{}, {"abn": "51824753556", "name": "harbourside"}, {"other": "x"}])
def test_exactly_one_search_parameter_is_required(auth_client, fake_abr, query):
    response = auth_client.get(URL, query)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(
        response, "validation_error", "The request has invalid fields.", {"nonFieldErrors": [MESSAGE_ONE_PARAMETER]}
    )
    assert fake_abr.request_count == 0


def test_a_blank_parameter_counts_as_absent_as_in_a_submitted_form(auth_client, fake_abr):
    blank_only = auth_client.get(URL, {"name": ""})
    blank_and_name = auth_client.get(URL, {"abn": "", "acn": "", "name": "harbourside events trust"})

    assert blank_only.json() == error(
        blank_only, "validation_error", "The request has invalid fields.", {"nonFieldErrors": [MESSAGE_ONE_PARAMETER]}
    )
    assert blank_and_name.status_code == status.HTTP_200_OK
    assert blank_and_name.json()["searchValue"] == "harbourside events trust"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        # Over maxLength as sent, though not once DRF has trimmed it (it was searched before).
        ({"name": " " * 10 + "a" * NAME_MAX_LENGTH}, {"name": [TOO_LONG.format(NAME_MAX_LENGTH)]}),
        ({"abn": "5" * 15}, {"abn": [TOO_LONG.format(14)]}),
        ({"abn": " 51824753556"}, {"abn": [MESSAGE_INVALID_ABN]}),
        ({"abn": "51-824-753-556"}, {"abn": [MESSAGE_INVALID_ABN]}),
        ({"abn": "5182475355\uff16"}, {"abn": [MESSAGE_INVALID_ABN]}),  # a fullwidth 6: a digit to Python's \d
        ({"acn": " "}, {"acn": [MESSAGE_INVALID_ACN]}),  # only an empty value counts as absent
        ({"acn": "004085616 "}, {"acn": [MESSAGE_INVALID_ACN]}),
    ],
    ids=["name_too_long_as_sent", "abn_too_long", "abn_leading_space", "abn_dashes", "abn_fullwidth_digit",
         "acn_space", "acn_trailing_space"],
)  # fmt: skip
def test_a_value_outside_its_documented_bounds_is_a_400_without_calling_abr(auth_client, fake_abr, query, fields):
    response = auth_client.get(URL, query)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", "The request has invalid fields.", fields)
    assert_documented(response)
    assert fake_abr.request_count == 0


def test_the_document_states_each_parameters_bounds_and_the_single_criterion(api_client):
    operation = openapi_document()["paths"]["/api/v1/abr/search"]["get"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    blank = {"type": "string", "maxLength": 0}  # an empty value counts as absent
    abn = {"type": "string", "pattern": "^[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}$", "maxLength": 14}
    acn = {"type": "string", "pattern": "^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$", "maxLength": 11}

    assert parameters == {
        "abn": {"oneOf": [abn, blank]},
        "acn": {"oneOf": [acn, blank]},
        "name": {"type": "string", "maxLength": NAME_MAX_LENGTH},
    }
    assert "exactly one criterion: abn, acn or name" in operation["description"]


def test_abr_down_with_nothing_cached_is_503_upstream_unavailable(auth_client, fake_abr):
    fake_abr.stop()

    response = auth_client.get(URL, {"abn": "51824753556"})

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == error(response, "upstream_unavailable", MESSAGE_ABR_UNAVAILABLE)


def test_abr_down_serves_an_expired_entry_marked_stale(auth_client, fake_abr):
    auth_client.get(URL, {"name": "old bay"})
    ABRSearch.objects.update(expires_at="2000-01-01T00:00:00Z")
    fake_abr.status = 503

    response = auth_client.get(URL, {"name": "old bay"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "searchType": "name",
        "searchValue": "old bay",
        "cached": True,
        "stale": True,
        "cachedAt": cached_at("name", "old bay"),
        "results": [
            {
                "abn": "11123456780",
                "name": "OLD BAY EXHIBITIONS PTY LTD",
                "nameType": "Entity Name",
                "abnStatusCode": "0000000002",
                "isCurrent": True,
                "state": "QLD",
                "postcode": "4000",
                "score": 90,
            },
            {
                "abn": "11123456780",
                "name": "Old Bay Expos",
                "nameType": "Business Name",
                "abnStatusCode": "0000000002",
                "isCurrent": True,
                "state": "QLD",
                "postcode": "4000",
                "score": 90,
            },
        ],
    }
    assert fake_abr.request_count == 2


def test_an_anonymous_caller_is_401(api_client, fake_abr):
    response = api_client.get(URL, {"abn": "51824753556"})

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(response, "not_authenticated", "Authentication credentials were not provided.")
    assert fake_abr.request_count == 0


def test_searches_are_rate_limited_by_the_abr_search_setting(auth_client, fake_abr, set_setting):
    set_setting("security.rate_limits", json.dumps({**get_setting("security.rate_limits"), "abrSearch": "2/min"}))

    answers = [auth_client.get(URL, {"abn": "51824753556"}).status_code for _ in range(3)]

    assert answers == [status.HTTP_200_OK, status.HTTP_200_OK, status.HTTP_429_TOO_MANY_REQUESTS]
    assert fake_abr.request_count == 1


def test_the_openapi_schema_documents_the_parameters_and_results(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)

    operation = schema["paths"]["/api/v1/abr/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"abn", "acn", "name"}
    output = schema["components"]["schemas"]["AbrSearchOutput"]["properties"]
    assert set(output) == {"searchType", "searchValue", "cached", "cachedAt", "stale", "results"}
    assert "entityName" in schema["components"]["schemas"]["AbnResultOutput"]["properties"]
    assert "nameType" in schema["components"]["schemas"]["NameMatchOutput"]["properties"]
