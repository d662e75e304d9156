"""Helpers for the accounts rule tests: JSON over the API, emailed links, exact error bodies."""

import re
from urllib.parse import parse_qs, urlparse

from django.core import mail
from rest_framework.test import APIClient

from eventlead.core.exceptions import PasswordExpired, TokenExpired, TokenInvalid

API = "/api/v1/"
MESSAGE_ACCESS_UNREADABLE = "The access token is invalid or expired."
MESSAGE_ACCESS_REFUSED = "The access token is no longer valid."


def client(access: str | None = None) -> APIClient:
    api = APIClient()
    if access:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api


def last_link_token() -> str:
    """The ``token=`` of the link in the newest email."""
    url = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


def error(response, code: str, message: str, fields: dict | None = None) -> dict:
    """The one error shape of spec/api.md, with this response's request id."""
    body = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    body["requestId"] = response["X-Request-ID"]
    return {"error": body}


def token_invalid(response) -> dict:
    return error(response, "token_invalid", TokenInvalid.message)


def token_expired(response) -> dict:
    return error(response, "token_expired", TokenExpired.message)


def password_expired(response) -> dict:
    return error(response, "password_expired", PasswordExpired.message)


def access_refused(response) -> dict:
    return error(response, "token_invalid", MESSAGE_ACCESS_REFUSED)


def access_unreadable(response) -> dict:
    return error(response, "token_invalid", MESSAGE_ACCESS_UNREADABLE)


# A password each rule refuses, with the message it answers (the user is member@example.com).
WEAK_PASSWORDS = [
    ("Zq8-xk3", ["Use at least 8 characters."]),
    ("onlyletterslong", ["Use both letters and digits."]),
    ("password1", ["This password is too common."]),
    ("member@example.com1", ["The password is too similar to the email."]),
]
