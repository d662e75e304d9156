"""Ids in paths: a number beyond the id range is a JSON 404, never a 500 (found by tests/fuzz)."""

import pytest
from rest_framework import status

from logging_app.models import ApiRequest
from logging_app.request_log import get_buffer

pytestmark = pytest.mark.django_db
BEYOND = [2**31, 10**30]  # just past a 32-bit id; past SQLite's 64-bit integer


@pytest.mark.parametrize("number", BEYOND)
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "companies/{n}"),
        ("get", "companies/{n}/members"),
        ("patch", "companies/{company}/members/{n}"),
        ("post", "companies/{company}/invitations/{n}/cancel"),
    ],
)
def test_an_id_beyond_the_id_range_is_a_json_404(auth_client, company, method, path, number):
    url = "/api/v1/" + path.format(n=number, company=company["companyId"])

    response = getattr(auth_client, method)(url, {}, format="json")

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json()["error"]["code"] == "not_found"


def test_the_request_log_records_a_request_for_an_id_beyond_the_range(auth_client):
    get_buffer().clear()  # the login that made auth_client
    auth_client.get(f"/api/v1/companies/{2**31}/members")

    assert get_buffer().flush() == 1
    assert ApiRequest.objects.get().company_id is None
