"""Redaction where secrets would be written: log.ApiRequest, the configured console handler, log.ApplicationError."""

import io
import logging

import pytest

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
