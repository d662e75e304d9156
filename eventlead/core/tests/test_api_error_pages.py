"""Errors raised outside DRF's views answer /api/ in the JSON error shape, never Django's HTML page.

Django renders them itself: an unknown Host, a body over DATA_UPLOAD_MAX_MEMORY_SIZE read by a
middleware, an unknown path, a middleware that fails. DEBUG is off here, as in production; the
last test runs the production settings themselves.
"""

import os
import subprocess
import sys
import textwrap

import pytest
from django.core.exceptions import PermissionDenied
from django.middleware.common import CommonMiddleware
from rest_framework import status

from eventlead.core.exceptions import (
    MESSAGE_BAD_REQUEST,
    MESSAGE_NOT_FOUND,
    MESSAGE_PAYLOAD_TOO_LARGE,
    MESSAGE_SERVER_ERROR,
)
from eventlead.core.exceptions import PermissionDeniedError as DomainPermissionDenied
from logging_app.models import ApplicationError

from .test_production_settings import PRODUCTION_ENV, ROOT

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"].pop("requestId") == response["X-Request-ID"]
    return body


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on (make run)"])
def browserless(client, settings, request):
    """The test client with DEBUG off, as in production, and on, as under ``make run``: Django
    renders its technical pages under DEBUG, and /api/ must answer JSON all the same."""
    settings.DEBUG = request.param
    client.raise_request_exception = False  # a 500 is a response, as on a real server
    return client


@pytest.fixture
def failing_middleware(monkeypatch):
    """Make CommonMiddleware, outside any view, fail with the given exception or read the body."""

    def fail_with(exception):
        def process_request(self, request):
            if exception == "read the body":
                _ = request.body  # as any middleware may, before DRF's parser
                return
            raise exception

        monkeypatch.setattr(CommonMiddleware, "process_request", process_request)

    return fail_with


def test_an_unknown_host_is_a_json_400(browserless):
    response = browserless.get("/api/v1/health", HTTP_HOST="attacker.example")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert _error(response) == {"error": {"code": "bad_request", "message": MESSAGE_BAD_REQUEST}}
    assert not ApplicationError.objects.exists()  # a client's mistake, not ours


def test_a_body_over_the_limit_read_outside_drf_is_a_json_413(browserless, settings, failing_middleware):
    failing_middleware("read the body")

    response = browserless.post(
        "/api/v1/auth/login", data="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="application/json"
    )

    assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    assert _error(response) == {"error": {"code": "payload_too_large", "message": MESSAGE_PAYLOAD_TOO_LARGE}}
    assert not ApplicationError.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/nothing-here", "/api/v2/health"])
def test_an_unknown_api_path_is_a_json_404(browserless, path):
    response = browserless.get(path)

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert _error(response) == {"error": {"code": "not_found", "message": MESSAGE_NOT_FOUND}}


def test_a_failure_outside_drf_is_a_json_500(browserless, failing_middleware):
    failing_middleware(RuntimeError("secret internals"))

    response = browserless.get("/api/v1/health")

    assert response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR
    assert _error(response) == {"error": {"code": "server_error", "message": MESSAGE_SERVER_ERROR}}


def test_a_refusal_outside_drf_is_a_json_403(browserless, failing_middleware):
    failing_middleware(PermissionDenied())

    response = browserless.get("/api/v1/health")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert _error(response) == {"error": {"code": "permission_denied", "message": DomainPermissionDenied.message}}


@pytest.mark.parametrize(
    ("fault", "expected_status"),
    # A body over the limit outside the API is Django's plain 400.
    [(RuntimeError("boom"), 500), (PermissionDenied(), 403), ("read the body", 400), ("unknown host", 400)],
)
def test_pages_outside_the_api_stay_django_html(browserless, settings, failing_middleware, fault, expected_status):
    if fault == "unknown host":
        response = browserless.get("/admin/login/", HTTP_HOST="attacker.example")
    else:
        failing_middleware(fault)
        response = browserless.post(
            "/admin/login/", data="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), content_type="text/plain"
        )

    assert response.status_code == expected_status
    assert response["Content-Type"].startswith("text/html")


PRODUCTION_PROBE = textwrap.dedent(
    """
    import json
    from unittest import mock

    from django.middleware.common import CommonMiddleware
    from django.test import Client

    def fail(self, request):
        raise RuntimeError("secret internals")

    client = Client(raise_request_exception=False, HTTP_HOST="api.eventlead.example", HTTP_X_FORWARDED_PROTO="https")
    answers = {"unknown path": client.get("/api/v1/nothing-here")}
    with mock.patch.object(CommonMiddleware, "process_request", fail):
        answers["failing middleware"] = client.get("/api/v1/health")
    answers["unknown host"] = client.get("/api/v1/health", HTTP_HOST="attacker.example")
    codes = {name: [a.status_code, a["Content-Type"], a.json()["error"]["code"]] for name, a in answers.items()}
    print(json.dumps(codes))
    """
)


def test_under_production_settings_errors_outside_drf_are_json(tmp_path):
    """The production settings' own middleware stack (whitenoise, HTTPS redirect) and handlers."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    env.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REQUEST_LOGGING="0")

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '{"unknown path": [404, "application/json", "not_found"], '
        '"failing middleware": [500, "application/json", "server_error"], '
        '"unknown host": [400, "application/json", "bad_request"]}'
    )


@pytest.mark.parametrize("content_length", ["abc", "1e3", " ", "-"])
@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/auth/login"])
def test_a_content_length_that_is_not_a_number_is_no_body_not_a_500(client, path, content_length):
    # Django's test client sets CONTENT_LENGTH from the body; ``extra`` overrides it, as a client could.
    response = client.post(
        path, data=b"email=x", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=content_length
    )

    assert response.status_code < 500
    assert not ApplicationError.objects.exists()
