"""The accounts API takes each value only as its document types it (eventlead/core/strict.py).

DRF's fields would coerce them: ``"lastName": 0`` used to make an account named "0", and a
TOTP code sent as a number was read as its digits. And the password fields document the
static part of the password policy, read from its setting when the document is generated.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import status

from accounts.models import User
from eventlead.core.exceptions import MESSAGE_VALIDATION
from eventlead.core.strict import MESSAGE_WRONG_TYPE
from eventlead.testing.openapi import assert_documented

from .http_support import error

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "new@example.com", "password": "Harbour-View-7", "firstName": "Ana", "lastName": "Silva"}
TOO_LONG = "Ensure this field has no more than {} characters."


def wrong_type(expected: str, given: str) -> list[str]:
    return [MESSAGE_WRONG_TYPE.format(expected=expected, given=given)]


def invalid(response, fields: dict) -> dict:
    return error(response, "validation_error", MESSAGE_VALIDATION, fields)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"lastName": 0}, {"lastName": wrong_type("a string", "a number")}),
        ({"firstName": ["Ana"]}, {"firstName": wrong_type("a string", "an array")}),
        ({"email": {"address": "new@example.com"}}, {"email": wrong_type("a string", "an object")}),
        ({"password": 12345678901}, {"password": wrong_type("a string", "a number")}),
        ({"lastName": 0, "firstName": False}, {"lastName": wrong_type("a string", "a number"),
                                               "firstName": wrong_type("a string", "true or false")}),
        # Over maxLength as sent; DRF would have trimmed the spaces first and taken it.
        ({"lastName": "Silva" + " " * 100}, {"lastName": [TOO_LONG.format(100)]}),
    ],
    ids=["last_name_number", "first_name_array", "email_object", "password_number", "two_fields", "padded_name"],
)  # fmt: skip
def test_signup_takes_only_strings_where_the_document_says_string(post, changes, fields):
    response = post("auth/signup", {**SIGNUP, **changes})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == invalid(response, fields)
    assert_documented(response)
    assert not User.objects.exists()


def test_login_refuses_a_number_for_the_password_without_counting_a_failure(post, user):
    response = post("auth/login", {"email": user.email, "password": 12345678})

    assert response.json() == invalid(response, {"password": wrong_type("a string", "a number")})
    assert_documented(response)
    user.refresh_from_db()
    assert user.failed_login_attempts == 0


def test_a_totp_code_sent_as_a_number_is_refused_not_read_as_its_digits(auth_client):
    response = auth_client.post("/api/v1/auth/mfa/totp/confirm", {"code": 123456}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == invalid(response, {"code": wrong_type("a string", "a number")})
    assert_documented(response)


def test_an_mfa_verification_with_a_token_of_another_type_is_refused(post):
    response = post("auth/mfa/verify", {"mfaToken": True, "code": "123456"})

    assert response.json() == invalid(response, {"mfaToken": wrong_type("a string", "true or false")})


def test_an_email_change_to_a_number_is_refused(auth_client, user):
    response = auth_client.post("/api/v1/users/me/email", {"newEmail": 0}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == invalid(response, {"newEmail": wrong_type("a string", "a number")})
    assert_documented(response)


def test_a_profile_change_with_a_number_for_a_name_changes_nothing(auth_client, user):
    response = auth_client.patch("/api/v1/users/me", {"firstName": "Zoe", "lastName": 0}, format="json")

    assert response.json() == invalid(response, {"lastName": wrong_type("a string", "a number")})
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Mia", "Nguyen")


# The document ------------------------------------------------------------------------------


def _request_properties(document: dict, component: str) -> dict:
    return document["components"]["schemas"][component]["properties"]


def test_a_new_password_documents_the_policys_minimum_length_as_the_setting_is_when_generated(set_setting):
    set_setting("auth.password_min_length", 12)

    document = SchemaGenerator().get_schema(request=None, public=True)

    for component, field in [
        ("SignupInputRequest", "password"),
        ("PasswordResetConfirmInputRequest", "newPassword"),
        ("PasswordChangeInputRequest", "newPassword"),
        ("InvitationAcceptInputRequest", "password"),
    ]:
        schema = _request_properties(document, component)[field]
        assert (schema["minLength"], schema["maxLength"]) == (12, 256), component
        assert "auth.password_min_length" in schema["description"]
        assert "an administrator can change it at any time" in schema["description"]
    # A password the account already has may be shorter than today's policy.
    assert _request_properties(document, "LoginInputRequest")["password"]["minLength"] == 1
    assert _request_properties(document, "PasswordChangeInputRequest")["currentPassword"]["minLength"] == 1


def test_the_password_policy_the_document_states_is_the_one_enforced(post, set_setting):
    set_setting("auth.password_min_length", 12)

    response = post("auth/signup", {**SIGNUP, "password": "Harbour-7xy"})  # 11 characters

    assert response.json() == invalid(response, {"password": ["Use at least 12 characters."]})


def test_every_address_field_is_documented_as_an_email():
    document = SchemaGenerator().get_schema(request=None, public=True)

    for component, field in [
        ("SignupInputRequest", "email"),
        ("LoginInputRequest", "email"),
        ("EmailInputRequest", "email"),
        ("EmailChangeInputRequest", "newEmail"),
    ]:
        schema = _request_properties(document, component)[field]
        assert (schema["type"], schema["format"], schema["maxLength"]) == ("string", "email", 254), component
