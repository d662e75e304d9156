import re
from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_for(login, make_user):
    """An API client signed in as a (new) user with this email."""

    def make(email):
        from accounts.models import User

        if not User.objects.filter(email=email).exists():
            make_user(email)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(email=email)['access']}")
        return client

    return make


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Make a request and run its on-commit callbacks (emails), as a committed request would."""

    def do(client, method, path, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method)(f"/api/v1/{path}", body, format="json")

    return do


@pytest.fixture
def company(auth_client, send):
    """A company created over the API by ``user`` (member@example.com), its admin."""
    response = send(auth_client, "post", "companies", {"companyName": "Acme Events", "countryCode": "AU"})
    assert response.status_code == 201, response.content
    return response.json()


def link_token(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]
