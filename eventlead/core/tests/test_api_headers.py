"""Response headers: no caching of API answers, and the Content-Security-Policy.

Every operation of the schema is called, so an endpoint added later is covered without being
listed. Errors are covered in test_api_error_pages.py.
"""

import re

import pytest
from rest_framework.test import APIClient

from .api_operations import api_operations

pytestmark = pytest.mark.django_db

OPERATIONS = api_operations()
# The only answers a cache may keep: public, the same for everyone, and chosen so by their view.
CACHEABLE = {"GET /api/v1/reference/{name}": "public, max-age=300"}


def _call(client: APIClient, operation, values):
    client.raise_request_exception = False
    return client.generic(operation.method, operation.url(values), "{}", content_type="application/json")


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_operation_answers_no_store(company_admin, operation):
    response = _call(company_admin.client, operation, company_admin.values)

    assert response.status_code < 500, response.content
    assert response["Cache-Control"] == CACHEABLE.get(str(operation), "no-store")


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_operation_answers_no_store_anonymously(api_client, operation):
    values = {
        "company_id": 1,
        "invitation_id": 1,
        "user_company_id": 1,
        "token": "a-token",
        "name": "countries",
        "session_id": "a-session",
    }

    response = _call(api_client, operation, values)

    assert response.status_code < 500, response.content
    assert response["Cache-Control"] == CACHEABLE.get(str(operation), "no-store")


def test_a_cacheable_view_still_answers_its_errors_no_store(api_client):
    response = api_client.get("/api/v1/reference/no-such-table")

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_the_token_answers_are_not_stored(api_client, user, password):
    login = api_client.post("/api/v1/auth/login", {"email": user.email, "password": password}, format="json")
    refresh = api_client.post("/api/v1/auth/token/refresh", {"refresh": login.json()["refresh"]}, format="json")

    assert (login.status_code, refresh.status_code) == (200, 200)
    assert login["Cache-Control"] == refresh["Cache-Control"] == "no-store"


def test_pages_outside_the_api_keep_their_own_cache_policy(client):
    response = client.get("/admin/login/")

    # Django's admin marks its pages never_cache itself; the API's rule does not apply there.
    assert "no-store" in response["Cache-Control"]
    assert response["Cache-Control"] != "no-store"


def _policy(response) -> dict[str, str]:
    return dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )


STRICT_DIRECTIVES = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/health", "/api/v1/nothing-here", "/admin/nothing-here/"])
def test_every_page_carries_the_content_security_policy(client, path):
    response = client.get(path)

    assert _policy(response) == STRICT_DIRECTIVES


def test_the_admin_runs_no_inline_script(client):
    from accounts.models import User

    User.objects.create_superuser("admin@example.com", "Admin-password-123", first_name="A", last_name="A")
    client.login(username="admin@example.com", password="Admin-password-123")

    page = client.get("/admin/").content.decode()

    assert "System administration" in page or "Site administration" in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


def test_swagger_ui_runs_only_its_own_script_by_nonce(client):
    response = client.get("/api/docs/")

    policy = _policy(response)
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9+/=]+)'", policy.pop("script-src")).group(1)
    assert policy == {name: value for name, value in STRICT_DIRECTIVES.items() if name != "script-src"}
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert inline_scripts == [f' nonce="{nonce}"']
    assert client.get("/api/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"]  # one per request
