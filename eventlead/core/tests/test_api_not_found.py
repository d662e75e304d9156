"""Unknown paths under /api/ answer a JSON 404 whatever the method (found by tests/fuzz)."""

import pytest
from django.test import Client
from rest_framework import status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/companies/not-a-number/members"])
def test_an_unknown_api_path_is_a_json_404_not_the_csrf_page(method, path):
    browserless = Client(enforce_csrf_checks=True)  # as a real client: no CSRF cookie or token

    response = getattr(browserless, method)(path, data="{}", content_type="application/json")

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
