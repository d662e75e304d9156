"""The API-wide contract: error shape, camelCase, health, OpenAPI, JWT hardening."""

import base64
import json
import time

import jwt
import pytest
from django.conf import settings
from django.db import DatabaseError
from rest_framework import status

pytestmark = pytest.mark.django_db


def test_health_answers_200_when_the_database_answers(api_client):
    response = api_client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_does_not(api_client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = api_client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_unknown_api_path_is_a_json_404_with_request_id(api_client):
    response = api_client.get("/api/v1/nothing-here", HTTP_X_REQUEST_ID="0b7f2a1e-4c1d-4f2a-9a57-5f3b1f6e9c11")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "requestId": "0b7f2a1e-4c1d-4f2a-9a57-5f3b1f6e9c11"}
    }
    assert response["X-Request-ID"] == "0b7f2a1e-4c1d-4f2a-9a57-5f3b1f6e9c11"


def test_an_invalid_request_id_is_replaced(api_client):
    response = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="not-a-uuid; drop table")

    assert response["X-Request-ID"] != "not-a-uuid; drop table"
    assert len(response["X-Request-ID"]) == 36


def test_method_not_allowed_and_malformed_json_use_the_error_shape(api_client):
    wrong_method = api_client.get("/api/v1/auth/login")
    malformed = api_client.post("/api/v1/auth/login", data="{not json", content_type="application/json")

    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "parse_error"


def test_validation_errors_name_fields_in_camel_case(api_client):
    response = api_client.post("/api/v1/auth/signup", {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"email", "password", "firstName", "lastName"}
    assert fields["email"] == ["Enter a valid email address."]


def test_an_unhandled_error_is_a_500_in_the_error_shape_without_a_trace(client, monkeypatch):
    from accounts import apis

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(apis.services, "password_reset_request", explode)
    client.raise_request_exception = False
    response = client.post("/api/v1/auth/password-reset", {"email": "a@example.com"}, content_type="application/json")

    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "server_error" and "requestId" in body["error"]
    assert "secret internals" not in response.content.decode() and "Traceback" not in response.content.decode()


def test_openapi_schema_describes_every_endpoint(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = set(schema["paths"])
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/auth/token/refresh",
        "/api/v1/auth/logout-all",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/users/me",
        "/api/v1/reference/{name}",
    ]:
        assert path in paths
    login_body = schema["components"]["schemas"]["LoginInputRequest"]
    assert set(login_body["properties"]) == {"email", "password"}
    assert "firstName" in schema["components"]["schemas"]["SignupInputRequest"]["properties"]


def test_swagger_ui_is_served_without_a_cdn(api_client):
    page = api_client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


def _token(header: dict, payload: dict, key: bytes = b"") -> str:
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64(header)}.{b64(payload)}."


@pytest.fixture
def claims(login):
    tokens = login()
    return tokens, jwt.decode(tokens["access"], options={"verify_signature": False})


def _me(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.get("/api/v1/users/me")


def test_valid_access_token_works(api_client, claims):
    tokens, _ = claims
    assert _me(api_client, tokens["access"]).status_code == 200


@pytest.mark.parametrize("attack", ["alg_none", "hs512", "tampered", "expired", "refresh_as_bearer", "secret_key"])
def test_forged_or_misused_tokens_are_401(api_client, claims, attack):
    tokens, payload = claims
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    forged = {
        "alg_none": lambda: _token({"alg": "none", "typ": "JWT"}, payload),
        "hs512": lambda: jwt.encode(payload, key, algorithm="HS512"),
        "tampered": lambda: (
            tokens["access"].rsplit(".", 2)[0]
            + "."
            + base64.urlsafe_b64encode(json.dumps({**payload, "sub": "999"}).encode()).rstrip(b"=").decode()
            + "."
            + tokens["access"].rsplit(".", 1)[1]
        ),
        "expired": lambda: jwt.encode({**payload, "exp": int(time.time()) - 1}, key, algorithm="HS256"),
        "refresh_as_bearer": lambda: tokens["refresh"],
        "secret_key": lambda: jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256"),
    }[attack]()

    response = _me(api_client, forged)

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json()["error"]["code"] == "token_invalid"


def test_signing_key_is_not_the_secret_key():
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY
    assert settings.SIMPLE_JWT["ALGORITHM"] == "HS256"


def test_reference_lists_active_rows_with_their_columns(api_client):
    response = api_client.get("/api/v1/reference/countries")

    assert response.status_code == 200
    rows = response.json()
    assert [row["countryCode"] for row in rows] == ["AU"]
    assert rows[0]["code"] == "au" and rows[0]["taxName"] == "GST" and rows[0]["currencyCode"] == "AUD"
    assert set(rows[0]) >= {"code", "displayName", "description", "sortOrder", "taxRate", "integrationConfig"}
    roles = api_client.get("/api/v1/reference/user-company-roles").json()
    assert [r["code"] for r in roles] == ["company_admin", "company_user", "company_viewer"]


def test_reference_unknown_name_is_404(api_client):
    response = api_client.get("/api/v1/reference/passwords")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_cors_allows_only_configured_origins(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.eventlead.example"]

    allowed = api_client.get("/api/v1/health", HTTP_ORIGIN="https://app.eventlead.example")
    refused = api_client.get("/api/v1/health", HTTP_ORIGIN="https://evil.example")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.eventlead.example"
    assert "Access-Control-Allow-Origin" not in refused


def test_schema_declares_bearer_authentication(api_client):
    schema = json.loads(api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)

    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/v1/users/me"]["get"]["security"]


def test_an_unreachable_database_is_a_fast_503_in_the_error_shape(auth_client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = auth_client.get("/api/v1/users/me")

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "server closed" not in response.content.decode()
