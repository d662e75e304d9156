"""What was typed as the address of a failed sign-in is logged only when it is an address.

Issue 13, finding 5: a password typed into the email field of a sign-in form was stored in
``log.AuthEvent.Email``, in plain text, for anyone who reads the logs.
"""

import pytest
from django.test import Client
from rest_framework import status
from rest_framework.test import APIClient

from logging_app.models import AuthEvent
from logging_app.services import loggable_email

pytestmark = pytest.mark.django_db

SECRET = "Tr0ub4dor&3-horse-battery"
# 64 + 1 + 189 characters: the longest address the column holds, and one character more.
LONGEST = "l" * 64 + "@" + ".".join(["x" * 61, "y" * 61, "z" * 61]) + ".com"
TOO_LONG = "l" * 64 + "@" + ".".join(["x" * 62, "y" * 61, "z" * 61]) + ".com"


def logged_text(event: AuthEvent) -> str:
    """Every text column of the row, joined: where a typed secret could have landed."""
    return " ".join(str(getattr(event, field.attname)) for field in AuthEvent._meta.concrete_fields)


@pytest.mark.parametrize(
    "typed",
    [SECRET, f"{SECRET}@", f"@{SECRET}", f"{SECRET} @example.com", f"{SECRET}@example..com"],
)
def test_a_password_typed_as_the_address_of_an_api_sign_in_is_not_logged(typed, user):
    response = APIClient().post("/api/v1/auth/login", {"email": typed, "password": "anything"}, format="json")

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    [event] = AuthEvent.objects.all()
    assert (event.event_type, event.email, event.failure_reason) == ("login_failed", "", "unknown_email")
    assert SECRET.lower() not in logged_text(event).lower()


def test_a_password_typed_as_the_address_of_a_back_office_sign_in_is_not_logged(user):
    response = Client().post("/admin/login/", {"username": SECRET, "password": "anything"})

    assert response.status_code == status.HTTP_200_OK  # the form again, with Django's message
    [event] = AuthEvent.objects.all()
    assert (event.event_type, event.email) == ("login_failed", "")
    assert SECRET.lower() not in logged_text(event).lower()


def test_an_unknown_address_is_still_logged(user):
    response = APIClient().post(
        "/api/v1/auth/login", {"email": "nobody@example.com", "password": "anything"}, format="json"
    )

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert list(AuthEvent.objects.values_list("email", "failure_reason")) == [("nobody@example.com", "unknown_email")]


def test_only_an_address_that_fits_the_column_is_kept():
    assert (len(LONGEST), len(TOO_LONG)) == (254, 255)
    assert (loggable_email(LONGEST), loggable_email(TOO_LONG)) == (LONGEST, "")
