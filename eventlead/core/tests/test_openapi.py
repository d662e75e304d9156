"""Every operation documents the errors it can answer, in the one error shape (eventlead/core/openapi.py)."""

import jsonschema
import pytest
from rest_framework import status
from rest_framework.exceptions import ValidationError

from eventlead.core.exceptions import api_exception_handler
from eventlead.testing.openapi import assert_documented, openapi_document

pytestmark = pytest.mark.django_db
ERROR_RESPONSE = {"$ref": "#/components/schemas/ErrorResponse"}


def _operations():
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_response_has_the_error_shape_and_every_operation_can_fail_with_500_and_503():
    for label, operation in _operations():
        responses = operation["responses"]
        assert {"500", "503"} <= set(responses), label
        for code, response in responses.items():
            # health's 503 is its own report; a 414 is the HTTP server's, before the API.
            if int(code) >= 400 and label != "GET /api/v1/health" and code != "414":
                assert response["content"]["application/json"]["schema"] == ERROR_RESPONSE, (label, code)


@pytest.mark.parametrize(
    "label, expected, absent",
    [
        ("GET /api/v1/users/me", {"401", "403"}, {"400", "404", "429"}),
        ("POST /api/v1/auth/signup", {"400", "429"}, {"401", "403", "404"}),
        (
            "PATCH /api/v1/companies/{company_id}/members/{user_company_id}",
            {"400", "401", "403", "404", "409"},
            {"429"},
        ),
        ("GET /api/v1/invitations/{token}", {"404"}, {"400", "401", "403"}),
        ("GET /api/v1/abr/search", {"400", "401", "403", "429"}, {"404"}),
    ],
)
def test_each_operation_documents_the_errors_its_input_auth_and_rate_limit_allow(label, expected, absent):
    operation = dict(_operations())[label]

    assert expected <= set(operation["responses"])
    assert not absent & set(operation["responses"])


def test_every_operation_taking_parameters_documents_the_servers_414_in_its_own_html():
    for label, operation in _operations():
        if operation.get("parameters"):
            assert operation["responses"]["414"]["content"] == {"text/html": {"schema": {"type": "string"}}}, label
        else:
            assert "414" not in operation["responses"], label


def test_member_removal_documents_its_reason_body():
    delete = openapi_document()["paths"]["/api/v1/companies/{company_id}/members/{user_company_id}"]["delete"]

    assert delete["requestBody"]["required"] is True
    body = delete["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert openapi_document()["components"]["schemas"][body]["required"] == ["reason"]


def test_a_field_error_as_sent_fits_the_documented_error_shape(api_client):
    response = api_client.post("/api/v1/auth/signup", {"email": "not-an-email"}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert set(response.json()["error"]) == {"code", "message", "fields", "requestId"}
    assert_documented(response)


def test_an_unauthenticated_call_fits_the_documented_error_shape(api_client):
    response = api_client.get("/api/v1/users/me")

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert_documented(response)


def test_path_ids_are_documented_as_integers_in_the_id_range():
    parameters = openapi_document()["paths"]["/api/v1/companies/{company_id}/members/{user_company_id}"]["patch"][
        "parameters"
    ]

    assert [(p["name"], p["schema"]) for p in parameters] == [
        ("company_id", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}),
        ("user_company_id", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}),
    ]


def test_nested_field_errors_as_the_handler_nests_them_fit_the_documented_error_shape(rf):
    """A nested object's errors nest by field, a list's by position (eventlead/core/exceptions.py)."""
    nested = {
        "invitations": {"0": {"role": ["Give a string."]}},
        "rows": [{}, {"email": ["Enter a valid email address."]}],
        "name": ["This field is required."],
    }
    response = api_exception_handler(ValidationError(nested), {"request": rf.post("/api/v1/companies")})
    document = openapi_document()

    jsonschema.validate(response.data, {**ERROR_RESPONSE, "components": document["components"]})
    assert response.data["error"]["fields"] == nested


def test_a_message_list_in_place_of_nested_errors_is_off_the_documented_shape():
    document = openapi_document()
    body = {"error": {"code": "validation_error", "message": "m", "fields": {"rows": [["not", "flat"]]}}}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, {**ERROR_RESPONSE, "components": document["components"]})


def test_the_not_only_whitespace_pattern_refuses_exactly_what_drf_trims_away():
    import re

    from eventlead.core.openapi import NOT_ONLY_WHITESPACE

    disagreements = [
        hex(code)
        for code in range(0x110000)
        if (re.fullmatch(NOT_ONLY_WHITESPACE, chr(code)) is None) != chr(code).isspace()
    ]

    assert disagreements == []


def test_a_required_text_field_is_documented_as_more_than_whitespace():
    from eventlead.core.openapi import NOT_ONLY_WHITESPACE

    schemas = openapi_document()["components"]["schemas"]

    assert schemas["RefreshInputRequest"]["properties"]["refresh"]["pattern"] == NOT_ONLY_WHITESPACE
    assert schemas["MemberRemoveInputRequest"]["properties"]["reason"]["pattern"] == NOT_ONLY_WHITESPACE
    # A field that may be blank gets none.
    assert "pattern" not in schemas["CompanyUpdateInputRequest"]["properties"]["customDisplayName"]


def test_a_value_of_only_whitespace_is_refused_as_the_document_says(api_client):
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": "\f \u3000"}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()["error"]["fields"]) == ["refresh"]
