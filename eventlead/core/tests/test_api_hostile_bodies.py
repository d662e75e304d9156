"""Hostile JSON bodies on every endpoint: bounded before parsing, answered in the error shape.

About 1 KB of nested brackets used to exhaust the recursion of the camelCase parser: a 500, a
20,000-character log.ApplicationError row and a 225 KB traceback per request, anonymously.
"""

import io
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import status
from rest_framework.test import APIClient

from eventlead.core.exceptions import MESSAGE_PAYLOAD_TOO_LARGE, PayloadTooLarge
from eventlead.core.parsers import MAX_DEPTH, MESSAGE_TOO_DEEP, CamelCaseJSONParser, nesting_depth
from eventlead.testing.openapi import assert_documented, openapi_document
from logging_app.models import ApplicationError

from .api_operations import api_operations

pytestmark = pytest.mark.django_db

OPERATIONS = api_operations()
WITH_BODY = [operation for operation in OPERATIONS if operation.has_body]
# About 1 KB each, as in the attack: arrays, objects, and the two mixed.
NESTED_BODIES = {
    "arrays": "[" * 500 + "]" * 500,
    "objects": '{"a":' * 200 + "1" + "}" * 200,
    "mixed": '{"token": [' * 100 + "1" + "]}" * 100,
}
TOO_DEEP = {"error": {"code": "validation_error", "message": MESSAGE_TOO_DEEP}}


def _without_request_id(body: dict) -> dict:
    body["error"].pop("requestId", None)
    return body


def _send(client: APIClient, method: str, url: str, body: str, **extra):
    client.raise_request_exception = False  # as a real server: a 500 is a response, not a test error
    return getattr(client, method.lower())(url, data=body, content_type="application/json", **extra)


def _nested(levels: int) -> list:
    """A JSON value ``levels`` deep: a list of a list ... of 1."""
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_every_operation_with_a_body_is_covered():
    # The schema is the list; the endpoints of the attack report must be in it.
    paths = {operation.path for operation in WITH_BODY}
    assert {
        "/api/v1/auth/verify-email",
        "/api/v1/invitations/{token}/accept",
        "/api/v1/invitations/{token}/decline",
        "/api/v1/companies/{company_id}",
    } <= paths


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/") and hasattr(pattern.callback, "cls"):
            yield route, pattern.callback.cls


def test_every_api_view_parses_with_the_bounded_parser():
    """No view swaps in a parser of its own (views outside the schema included)."""
    views = dict(_api_views(get_resolver().url_patterns))

    assert len(views) >= len({operation.path for operation in OPERATIONS})
    for route, view in views.items():
        assert view.parser_classes == [CamelCaseJSONParser], route


@pytest.mark.parametrize("shape", NESTED_BODIES)
@pytest.mark.parametrize("operation", WITH_BODY, ids=str)
def test_a_deeply_nested_body_is_a_400_on_every_operation(company_admin, operation, shape):
    response = _send(company_admin.client, operation.method, operation.url(company_admin.values), NESTED_BODIES[shape])

    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.content
    assert_documented(response)
    assert _without_request_id(response.json()) == TOO_DEEP
    assert not ApplicationError.objects.exists()


@pytest.mark.parametrize("operation", [operation for operation in WITH_BODY if operation.public], ids=str)
def test_a_deeply_nested_body_is_a_400_anonymously(api_client, operation):
    values = {"token": "an-invitation-token"}

    response = _send(api_client, operation.method, operation.url(values), NESTED_BODIES["arrays"])

    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.content
    assert _without_request_id(response.json()) == TOO_DEEP
    assert not ApplicationError.objects.exists()


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_changes_nothing(auth_client, user):
    # The body object is the first level.
    at_limit = json.dumps({"firstName": "Ana", "ignored": _nested(MAX_DEPTH - 1)})
    over_limit = json.dumps({"firstName": "Bea", "ignored": _nested(MAX_DEPTH)})

    accepted = _send(auth_client, "PATCH", "/api/v1/users/me", at_limit)
    refused = _send(auth_client, "PATCH", "/api/v1/users/me", over_limit)

    assert accepted.status_code == status.HTTP_200_OK, accepted.content
    assert refused.status_code == status.HTTP_400_BAD_REQUEST
    assert _without_request_id(refused.json()) == TOO_DEEP
    user.refresh_from_db()
    assert user.first_name == "Ana"


def test_brackets_inside_strings_are_text_not_nesting(auth_client, user):
    title = '[{"' * 20 + "\\" + "]}" * 5  # 40 brackets, were they structure

    response = _send(auth_client, "PATCH", "/api/v1/users/me", json.dumps({"roleTitle": title}))

    assert response.status_code == status.HTTP_200_OK, response.content
    user.refresh_from_db()
    assert user.role_title == title


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"[[["', 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}], "c": "]]]"}', 4),
        ('["\\"[", [[]]]', 3),
        ("[" * 100_000, 100_000),  # unclosed: still counted, without recursion
        ('"\\"' * 100_000, 0),  # an unterminated string of escapes: no backtracking either
    ],
)
def test_nesting_depth_counts_open_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_a_body_over_the_size_limit_is_a_413(api_client, settings):
    body = json.dumps({"token": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = _send(api_client, "POST", "/api/v1/auth/verify-email", body)

    assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    assert_documented(response)
    assert _without_request_id(response.json()) == {
        "error": {"code": "payload_too_large", "message": MESSAGE_PAYLOAD_TOO_LARGE}
    }
    assert not ApplicationError.objects.exists()


def test_every_operation_with_a_body_documents_the_413():
    paths = openapi_document()["paths"]

    for operation in WITH_BODY:
        responses = paths[operation.path][operation.method.lower()]["responses"]
        assert responses["413"]["description"].startswith("payload_too_large"), operation


def test_the_parser_holds_any_stream_to_the_size_limit(settings):
    """Django checks Content-Length before DRF reads the body; the parser does not rely on it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    parser = CamelCaseJSONParser()

    assert parser.parse(io.BytesIO(b'{"addressLine1": "' + b"x" * 80 + b'"}')) == {"address_line1": "x" * 80}
    with pytest.raises(PayloadTooLarge):
        parser.parse(io.BytesIO(b'{"addressLine1": "' + b"x" * 81 + b'"}'))


def test_a_body_in_a_compressing_charset_is_a_parse_error_not_a_500(api_client):
    response = api_client.generic(
        "POST",
        "/api/v1/auth/verify-email",
        b'{"token": "x"}',
        content_type="application/json; charset=bz2_codec",
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["code"] == "parse_error"
    assert not ApplicationError.objects.exists()


def test_camel_case_keys_with_digits_reach_their_fields(company_admin):
    from companies.models import Company

    company_id = company_admin.values["company_id"]
    changes = {"addressLine1": "Level 2, 1 Harbour Street", "addressLine2": "Sydney Olympic Park"}

    response = company_admin.client.patch(f"/api/v1/companies/{company_id}", changes, format="json")

    assert response.status_code == status.HTTP_200_OK, response.content
    assert {key: response.json()[key] for key in changes} == changes
    company = Company.objects.get(pk=company_id)
    assert (company.address_line1, company.address_line2) == ("Level 2, 1 Harbour Street", "Sydney Olympic Park")
