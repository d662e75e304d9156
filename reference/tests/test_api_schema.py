"""GET /api/v1/reference/{name} answers the list its OpenAPI document describes (found by tests/fuzz)."""

import pytest

from eventlead.testing.openapi import assert_documented

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["countries", "user-company-roles"])
def test_reference_rows_are_the_documented_list(api_client, name):
    response = api_client.get(f"/api/v1/reference/{name}")

    assert isinstance(response.json(), list) and response.json()
    assert_documented(response)
