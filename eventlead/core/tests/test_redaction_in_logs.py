"""Redaction where secrets would be written: log.ApiRequest, the configured handlers, log.ApplicationError."""

import io
import logging

import pytest

from eventlead.core.redaction import RedactingFilter
from logging_app.models import ApiRequest, ApplicationError
from logging_app.request_log import get_buffer

pytestmark = pytest.mark.django_db

TOKEN = "Zk3-x_9QpLinvite"
JWT = (
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImtleS0xMDB-IiwidHlwIjoiSldUIn0"
    ".eyJzdWIiOiI0Iiwibm90ZSI6In5-Pj4_NCJ9"
    ".LOzM4O2ImQ-uybZBF7VUsUwWV-qeTA-Wld9k16qGEPk"
)


@pytest.fixture
def console(monkeypatch):
    """What the console handler built from settings.LOGGING writes, while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    # Not setStream: it flushes the previous stream, which may be a test runner's, already closed.
    monkeypatch.setattr(handler, "stream", stream)
    return stream


def test_secrets_in_the_query_string_and_invitation_path_are_redacted_in_the_api_request_row(api_client):
    api_client.get(
        f"/api/v1/invitations/{TOKEN}/decline?newPassword=hunter2-Long&CODE=123456&signature=c2ln&key=k3y"
        "&authorization=Basic%20dXNlcjpwYXNz&access_token=at-123&next=%2Faccept%3Ftoken%3Dnested-1&page=2"
    )
    get_buffer().flush()

    row = ApiRequest.objects.get()
    assert row.path == "/api/v1/invitations/[redacted]/decline"
    assert row.query_string == (
        "newPassword=[redacted]&CODE=[redacted]&signature=[redacted]&key=[redacted]&authorization=[redacted]"
        "&access_token=[redacted]&next=%2Faccept%3Ftoken%3D[redacted]&page=2"
    )


def test_a_session_key_in_a_path_is_redacted_in_the_api_request_row_and_on_the_console(auth_client, console):
    session_key = "Zk3-x_9QpSessionKey"
    ended = auth_client.delete(f"/api/v1/auth/sessions/{session_key}")  # no such session: 404
    revoke_others = auth_client.post("/api/v1/auth/sessions/revoke-others")
    get_buffer().flush()

    assert (ended.status_code, revoke_others.status_code) == (404, 204)
    paths = set(ApiRequest.objects.values_list("path", flat=True))
    assert {"/api/v1/auth/sessions/[redacted]", "/api/v1/auth/sessions/revoke-others"} <= paths
    assert "Not Found: /api/v1/auth/sessions/[redacted]" in console.getvalue().splitlines()
    assert session_key not in console.getvalue() and not any(session_key in path for path in paths)


def test_a_not_found_invitation_link_logged_by_django_leaves_the_console_handler_redacted(api_client, console):
    response = api_client.get(f"/api/v1/invitations/{TOKEN}")

    assert response.status_code == 404
    assert "Not Found: /api/v1/invitations/[redacted]" in console.getvalue().splitlines()
    assert TOKEN not in console.getvalue()


def test_a_record_any_logger_sends_to_the_console_handler_is_redacted(console):
    logging.getLogger("eventlead.anything").warning("retrying with %s and password=%s", f"Bearer {JWT}", "hunter2")

    assert console.getvalue() == "retrying with Bearer [redacted] and password=[redacted]\n"


def test_an_unhandled_error_is_stored_and_printed_without_its_secrets(api_client, console, monkeypatch):
    from companies import apis

    def explode(token):
        raise RuntimeError(
            f"no invitation for /api/v1/invitations/{token}/accept with newPassword=hunter2-Long "
            f"and Authorization: Bearer {JWT}"
        )

    monkeypatch.setattr(apis.invitations, "invitation_by_token", explode)
    api_client.raise_request_exception = False

    assert api_client.get(f"/api/v1/invitations/{TOKEN}").status_code == 500

    redacted = (
        "no invitation for /api/v1/invitations/[redacted]/accept with newPassword=[redacted] "
        "and Authorization: Bearer [redacted]"
    )
    error = ApplicationError.objects.get()
    assert (error.path, error.message) == ("/api/v1/invitations/[redacted]", redacted)
    assert error.stack_trace.startswith("Traceback (most recent call last):\n")
    assert error.stack_trace.endswith(f"RuntimeError: {redacted}\n")
    printed = console.getvalue()
    assert printed.startswith("Internal Server Error: /api/v1/invitations/[redacted]\nTraceback")
    assert printed.endswith(f"RuntimeError: {redacted}\n")
    for secret in (TOKEN, JWT, "hunter2"):
        assert secret not in error.stack_trace and secret not in printed


# --- Every handler settings.LOGGING configures (issue 13, finding 4) -------------------------------


def _configured_handlers():
    """``(logger, handler)`` for every handler on every logger, except pytest's own capture and the
    libraries' NullHandlers."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    return [
        (logger, handler)
        for logger in loggers
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler) and not type(handler).__module__.startswith("_pytest")
    ]


def _redacts(filterer):
    return any(isinstance(f, RedactingFilter) for f in filterer.filters)


def test_every_configured_handler_redacts():
    """Ours carry the filter; a library's own handler (mssql-python's stderr one) sits on a logger
    that carries it, so every record reaching it was redacted first."""
    pairs = _configured_handlers()

    assert {handler.name for _, handler in pairs} >= {"console", "django.server"}
    assert [(logger.name, handler) for logger, handler in pairs if not (_redacts(handler) or _redacts(logger))] == []


def test_a_development_server_request_line_is_printed_redacted(monkeypatch):
    handler = next(h for h in logging.getLogger("django.server").handlers if h.name == "django.server")
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)

    logging.getLogger("django.server").info(
        '"%s" %s %s',
        f"GET /api/v1/invitations/{TOKEN}?code=123456&page=2 HTTP/1.1",
        "404",
        "58",
        extra={"status_code": 404, "server_time": "02/Dec/2026 10:00:00"},
    )

    assert stream.getvalue() == (
        '[02/Dec/2026 10:00:00] "GET /api/v1/invitations/[redacted]?code=[redacted]&page=2 HTTP/1.1" 404 58\n'
    )


LOGGED_SECRETS = [
    ("reset link http://localhost:3000/reset-password?token=%s sent", "Zk3", "token=[redacted] sent"),
    ("verify at /verify-email?token=%s", "Zk3", "token=[redacted]"),
    ("body %s", '{"password": "hunter2", "email": "a@x.org"}', '{"password": "[redacted]", "email": "a@x.org"}'),
    ("data %r", {"newPassword": "hunter2", "page": 2}, "{'newPassword': '[redacted]', 'page': 2}"),
    ("upstream said %s", "Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"),
    ("header %s", "X-Api-Key: k3y", "X-Api-Key: [redacted]"),
    ("otp %s", "otp_code=123456", "otp_code=[redacted]"),
    ("token inside%s", JWT, "inside[redacted]"),
]


@pytest.mark.parametrize(("template", "argument", "printed"), LOGGED_SECRETS)
def test_a_secret_given_to_any_logger_is_printed_redacted(console, template, argument, printed):
    logging.getLogger("eventlead.anything").warning(template, argument)

    assert printed in console.getvalue()
    assert "hunter2" not in console.getvalue() and "dXNlcjpwYXNz" not in console.getvalue()


def test_an_application_error_carrying_secrets_is_stored_and_printed_without_them(api_client, console, monkeypatch):
    from companies import apis

    def explode(token):
        raise ValueError(
            f'upstream refused {{"password": "hunter2", "otp": 123456}} with Authorization: Basic dXNlcjpwYXNz '
            f"for http://localhost:3000/verify-email?token=v3rify and {JWT}"
        )

    monkeypatch.setattr(apis.invitations, "invitation_by_token", explode)
    api_client.raise_request_exception = False

    assert api_client.get(f"/api/v1/invitations/{TOKEN}").status_code == 500

    redacted = 'upstream refused {"password": "[redacted]", "otp": [redacted]} with Authorization: Basic [redacted]'
    error = ApplicationError.objects.get()
    assert error.message == redacted
    assert error.stack_trace.endswith(f"ValueError: {redacted}\n")
    for secret in ("hunter2", "123456", "dXNlcjpwYXNz", "v3rify", JWT, TOKEN):
        assert secret not in error.message and secret not in error.stack_trace and secret not in console.getvalue()
