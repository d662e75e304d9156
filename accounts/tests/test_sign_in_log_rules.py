"""The address a sign-in with an unknown address is logged under, when folding makes it longer than the log's column."""

import pytest

from accounts.models import normalize_email
from eventlead.core.exceptions import InvalidCredentials
from logging_app.models import AuthEvent

from .http_support import error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unthrottled")]

PASSWORD = "Correct-horse-battery-9"
# 252 characters: labels of at most 63, the last one all letters (a top-level domain).
DOMAIN = ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 60])


def test_an_unknown_address_longer_than_the_column_once_folded_is_logged_cut_to_the_column(post, user):
    typed = "\u00df@" + DOMAIN  # 254 as typed, the most the login takes; "ß" folds to "ss": 255
    assert (len(typed), len(normalize_email(typed))) == (254, 255)

    response = post("auth/login", {"email": typed, "password": PASSWORD})

    assert (response.status_code, response.json()) == (
        401,
        error(response, "invalid_credentials", InvalidCredentials.message),
    )
    logged = "ss@" + DOMAIN[:-1]
    assert len(logged) == AuthEvent._meta.get_field("email").max_length
    assert list(AuthEvent.objects.values_list("event_type", "user_id", "email", "failure_reason")) == [
        ("login_failed", None, logged, "unknown_email")
    ]
