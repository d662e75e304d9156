"""The ABR client against a fake ABR over real HTTP: JSONP, error shapes, failures."""

import time
from datetime import UTC, date, datetime

import pytest

from abrcache import client
from eventlead.testing.fake_abr import GUID, HARBOURSIDE, MESSAGE_BAD_GUID

HARBOURSIDE_RESULT = {
    "abn": "51824753556",
    "acn": "",
    "entity_name": "HARBOURSIDE EVENTS TRUST",
    "entity_type_code": "FXT",
    "entity_type": "Fixed Unit Trust",
    "abn_status": "Active",
    "abn_status_effective_from": "2000-07-01",
    "business_names": ["Harbourside Expos", "Sydney Trade Shows"],
    "gst_registered": True,
    "gst_registered_from": "2000-07-01",
    "state": "NSW",
    "postcode": "2000",
    "address_date": "2019-03-14",
}


def test_abn_details_are_fetched_with_guid_and_callback_and_unwrapped(fake_abr):
    payload = client.fetch_abn("51824753556")

    assert payload == HARBOURSIDE
    assert fake_abr.requests == [("AbnDetails.aspx", {"abn": "51824753556", "guid": GUID, "callback": "callback"})]
    assert client.abn_results(payload) == [HARBOURSIDE_RESULT]


def test_acn_details_give_the_companys_abn_record(fake_abr):
    results = client.abn_results(client.fetch_acn("004085616"))

    assert [(r["abn"], r["acn"], r["gst_registered"], r["gst_registered_from"]) for r in results] == [
        ("53004085616", "004085616", False, None)
    ]
    assert fake_abr.requests[0][0] == "AcnDetails.aspx"


def test_matching_names_map_status_code_score_and_name_type(fake_abr):
    payload = client.fetch_names("old bay", max_results=5)

    assert client.name_results(payload) == [
        {
            "abn": "11123456780",
            "name": "OLD BAY EXHIBITIONS PTY LTD",
            "name_type": "Entity Name",
            "abn_status_code": "0000000002",
            "is_current": True,
            "state": "QLD",
            "postcode": "4000",
            "score": 90,
        },
        {
            "abn": "11123456780",
            "name": "Old Bay Expos",
            "name_type": "Business Name",
            "abn_status_code": "0000000002",
            "is_current": True,
            "state": "QLD",
            "postcode": "4000",
            "score": 90,
        },
    ]
    assert fake_abr.requests[0][1]["maxResults"] == "5"


@pytest.mark.parametrize("abn", ["72629951766", "12345678901"])  # unknown; not an ABN to ABR
def test_an_answer_about_the_query_is_an_empty_result_not_a_failure(fake_abr, abn):
    payload = client.fetch_abn(abn)

    assert payload["Message"] and payload["Gst"] is None and payload["BusinessName"] == []
    assert client.abn_results(payload) == []


def test_an_unrecognised_guid_is_a_failure(fake_abr, settings):
    settings.ABR_GUID = "00000000-0000-0000-0000-000000000000"

    with pytest.raises(client.AbrUnavailable, match=MESSAGE_BAD_GUID):
        client.fetch_abn("51824753556")
    with pytest.raises(client.AbrUnavailable, match=MESSAGE_BAD_GUID):
        client.fetch_names("harbourside")


def test_an_unknown_message_is_a_failure(fake_abr):
    fake_abr.body = b'callback({"Message": "Service temporarily unavailable", "Names": []})'

    with pytest.raises(client.AbrUnavailable, match="Service temporarily unavailable"):
        client.fetch_names("harbourside")


def test_a_trailing_semicolon_after_the_callback_is_accepted(fake_abr):
    fake_abr.body = b'callback({"Message": "", "Names": []});\r\n'

    assert client.name_results(client.fetch_names("nobody")) == []


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Maintenance</body></html>", b'{"Message": ""}', b"callback({not json})", b"callback([1, 2])"],
    ids=["html", "bare-json", "bad-json", "not-an-object"],
)
def test_a_body_that_is_not_jsonp_of_an_object_is_a_failure(fake_abr, body):
    fake_abr.body = body

    with pytest.raises(client.AbrUnavailable):
        client.fetch_abn("51824753556")


def test_an_http_error_status_is_a_failure(fake_abr):
    fake_abr.status = 500

    with pytest.raises(client.AbrUnavailable, match="HTTP 500"):
        client.fetch_abn("51824753556")


@pytest.mark.parametrize("base_url", ["file:///etc/", "ftp://127.0.0.1/json/"])
def test_a_base_url_that_is_not_http_is_a_failure_and_nothing_is_read(fake_abr, settings, base_url):
    settings.ABR_BASE_URL = base_url

    with pytest.raises(client.AbrUnavailable, match="not an http"):
        client.fetch_abn("51824753556")
    assert fake_abr.requests == []


def test_a_refused_connection_is_a_failure(fake_abr):
    fake_abr.stop()

    with pytest.raises(client.AbrUnavailable, match="ConnectionRefusedError|URLError"):
        client.fetch_abn("51824753556")


def test_a_slow_answer_times_out(fake_abr, settings):
    settings.ABR_TIMEOUT_SECONDS = 0.2
    fake_abr.delay = 5

    started = time.monotonic()
    with pytest.raises(client.AbrUnavailable, match="timed out"):
        client.fetch_abn("51824753556")

    assert time.monotonic() - started < 1.5
    assert fake_abr.request_count == 1


def test_company_fields_from_an_abn_result():
    verified_at = datetime(2026, 3, 2, 4, 5, 6, tzinfo=UTC)

    assert client.company_fields_from_abn(HARBOURSIDE_RESULT, verified_at=verified_at) == {
        "abn": "51824753556",
        "acn": None,
        "legal_entity_name": "HARBOURSIDE EVENTS TRUST",
        "business_names": ["Harbourside Expos", "Sydney Trade Shows"],
        "abn_status": "Active",
        "abn_status_effective_from": date(2000, 7, 1),
        "entity_type": "Fixed Unit Trust",
        "gst_registered": True,
        "gst_registered_from": date(2000, 7, 1),
        "abr_last_verified_at": verified_at,
    }


def test_company_fields_of_a_company_without_gst():
    result = {**HARBOURSIDE_RESULT, "acn": "004085616", "gst_registered": False, "gst_registered_from": None}

    fields = client.company_fields_from_abn(result, verified_at=datetime(2026, 1, 1, tzinfo=UTC))

    assert (fields["acn"], fields["gst_registered"], fields["gst_registered_from"]) == ("004085616", False, None)
