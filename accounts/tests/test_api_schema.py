"""The accounts API answers only what its OpenAPI document says (found by tests/fuzz)."""

import pytest
from rest_framework import status

from accounts.models import User
from eventlead.testing.openapi import assert_documented
from reference.models import UserStatus

pytestmark = pytest.mark.django_db


def test_a_wrong_password_is_a_documented_401(api_client, user):
    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": "Wrong-password-1"}, format="json"
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert_documented(response)


def test_an_unverified_email_is_a_documented_403(api_client, user, password):
    User.objects.filter(pk=user.pk).update(status=UserStatus.objects.get(code=UserStatus.PENDING))

    response = api_client.post("/api/v1/auth/login", {"email": user.email, "password": password}, format="json")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert_documented(response)


def test_refreshing_with_a_bad_token_is_a_documented_401(api_client):
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": "0"}, format="json")

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert_documented(response)
