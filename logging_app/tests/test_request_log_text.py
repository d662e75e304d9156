"""Request log rows hold only text every database accepts (found by tests/fuzz on PostgreSQL)."""

import pytest

from logging_app.models import ApiRequest
from logging_app.request_log import get_buffer

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_path_is_stored_as_a_replacement_character_and_logging_carries_on(api_client):
    api_client.get("/api/v1/reference/a%00b")
    api_client.get("/api/v1/health")

    assert get_buffer().flush() == 2
    assert get_buffer().pending() == 0
    assert set(ApiRequest.objects.values_list("path", flat=True)) == {"/api/v1/reference/a\ufffdb", "/api/v1/health"}
