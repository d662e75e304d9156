"""The email rate limit: keyed on any body the client sends, never failing on it."""

from types import SimpleNamespace

import pytest
from rest_framework import status

from accounts.throttles import EmailRateThrottle

pytestmark = pytest.mark.django_db
EMAIL_THROTTLED = ["auth/signup", "auth/verify-email/resend", "auth/password-reset"]


@pytest.mark.parametrize("path", EMAIL_THROTTLED)
def test_a_json_body_that_is_not_an_object_is_a_400_not_a_500(api_client, path):
    response = api_client.post(f"/api/v1/{path}", [{"email": "a@example.com"}], format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("path", EMAIL_THROTTLED)
def test_an_email_no_cache_key_could_hold_is_a_400_not_a_500(api_client, path):
    # A NUL byte and 300 characters: PostgreSQL refused both in the database cache's key column.
    response = api_client.post(f"/api/v1/{path}", {"email": "a\x00" + "b" * 300}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST


def _key(email) -> str:
    throttle = EmailRateThrottle()
    throttle.scope = "signup"
    return throttle.get_cache_key(SimpleNamespace(data={"email": email}), view=None)


def test_every_form_of_one_address_shares_one_cache_key():
    assert _key("Ada@Example.com") == _key(" ada@example.com ") == _key("ＡＤＡ@example.com")


@pytest.mark.parametrize("email", ["a\x00b@example.com", "b" * 300 + "@example.com", "\ud800@example.com"])
def test_the_cache_key_is_a_fixed_length_digest_whatever_the_address(email):
    key = _key(email)

    assert key.startswith("throttle_signup-email_")
    assert len(key) == len("throttle_signup-email_") + 64 and key.isascii()
