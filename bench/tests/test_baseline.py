"""The baseline view exists for the bench only, and does no authentication."""

import pytest
from rest_framework import status


@pytest.mark.urls("bench.urls")
def test_bare_view_answers_without_checking_credentials(api_client):
    # A malformed token is refused by every authenticated view; the baseline never reads it.
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get("/api/v1/bench/bare")

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"status": "ok"}


@pytest.mark.urls("bench.urls")
@pytest.mark.django_db
def test_bench_urls_keep_the_project_urls(api_client):
    assert api_client.get("/api/v1/health").status_code == status.HTTP_200_OK
    assert api_client.get("/api/v1/users/me").status_code == status.HTTP_401_UNAUTHORIZED


def test_production_urls_do_not_mount_the_bare_view(client):
    assert client.get("/api/v1/bench/bare").status_code == status.HTTP_404_NOT_FOUND
