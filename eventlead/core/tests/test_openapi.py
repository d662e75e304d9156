"""Every operation documents the errors it can answer, in the one error shape (eventlead/core/openapi.py)."""

import pytest
from rest_framework import status

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
            if int(code) >= 400 and label != "GET /api/v1/health":  # health's 503 is its own report
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
