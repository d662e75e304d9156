"""log.ApiRequest and log.ApplicationError: every request recorded, cheaply and without secrets."""

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from logging_app.models import ApiRequest, ApplicationError, AuthEvent
from logging_app.request_log import RequestLogBuffer, get_buffer

pytestmark = pytest.mark.django_db


def test_every_api_request_becomes_one_row(api_client, auth_client, user):
    for _ in range(3):
        api_client.get("/api/v1/health?x=1")
    auth_client.get("/api/v1/users/me", HTTP_X_REQUEST_ID="6f1c3c9e-9d4e-4a7e-8a51-1f2b3c4d5e6f")
    api_client.get("/admin/login/")  # not an API path: not logged here

    written = get_buffer().flush()

    assert written == ApiRequest.objects.count() == 5  # 3 health, the login that made auth_client, users/me
    me = ApiRequest.objects.get(path="/api/v1/users/me")
    assert (me.method, me.status_code, me.user_id, str(me.request_id)) == (
        "GET",
        200,
        user.pk,
        "6f1c3c9e-9d4e-4a7e-8a51-1f2b3c4d5e6f",
    )
    assert me.response_bytes > 0 and me.duration_ms >= 0 and me.ip_address == "127.0.0.1"
    assert ApiRequest.objects.filter(path="/api/v1/health", query_string="x=1").count() == 3


def test_secrets_are_redacted_from_paths_and_query_strings(api_client):
    api_client.get("/api/v1/invitations/secret-invite-token?token=abc&password=hunter2&page=2")
    get_buffer().flush()

    row = ApiRequest.objects.get()
    assert row.path == "/api/v1/invitations/[redacted]"
    assert row.query_string == "token=[redacted]&password=[redacted]&page=2"


def test_company_is_recorded_when_the_path_names_one(auth_client, user):
    auth_client.get("/api/v1/companies/42/members")
    get_buffer().flush()

    assert ApiRequest.objects.get(path="/api/v1/companies/42/members").company_id == 42


def test_request_logging_can_be_turned_off(api_client, settings):
    settings.REQUEST_LOGGING = False  # read when the client's handler builds its middleware

    api_client.get("/api/v1/health")

    assert get_buffer().pending() == 0


def test_a_full_buffer_drops_and_counts_instead_of_blocking():
    buffer = RequestLogBuffer(capacity=2, batch_size=10, flush_seconds=0)
    for n in range(5):
        buffer.add({"n": n})

    assert (buffer.pending(), buffer.dropped) == (2, 3)


def test_a_failed_write_keeps_the_rows_for_the_next_flush(monkeypatch):
    buffer = RequestLogBuffer(capacity=10, batch_size=10, flush_seconds=0)
    row = dict(
        request_id="6f1c3c9e-9d4e-4a7e-8a51-1f2b3c4d5e6f",
        method="GET",
        path="/api/v1/health",
        status_code=200,
        duration_ms=1,
        created_date=timezone.now(),
    )
    buffer.add(row)

    def refuse(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(ApiRequest.objects, "bulk_create", refuse)
    assert buffer.flush() == 0 and buffer.pending() == 1
    monkeypatch.undo()
    assert buffer.flush() == 1 and ApiRequest.objects.count() == 1


def test_an_unhandled_error_is_recorded_with_its_request_id(client, monkeypatch):
    from accounts import apis

    def explode(*args, **kwargs):
        raise RuntimeError("boom with token=abc123 inside")

    monkeypatch.setattr(apis.services, "password_reset_request", explode)
    client.raise_request_exception = False
    response = client.post("/api/v1/auth/password-reset", {"email": "a@example.com"}, content_type="application/json")

    error = ApplicationError.objects.get()
    assert str(error.request_id) == response.json()["error"]["requestId"] == response["X-Request-ID"]
    assert (error.error_type, error.method, error.path) == (
        "builtins.RuntimeError",
        "POST",
        "/api/v1/auth/password-reset",
    )
    assert error.message == "boom with token=[redacted] inside"
    assert "Traceback" in error.stack_trace and "abc123" not in error.stack_trace


def test_purge_logs_removes_old_log_rows_in_batches_and_keeps_audit_rows():
    from datetime import timedelta

    from auditing.models import ActivityLog
    from auditing.services import activity_record

    old = timezone.now() - timedelta(days=91)
    for n in range(7):
        AuthEvent.objects.create(event_type="login_failed", email=f"{n}@x.org", created_date=old)
    AuthEvent.objects.create(event_type="login_failed", email="recent@x.org")
    activity_record(action="kept", entity="Thing")

    call_command("purge_logs", batch_size=3, verbosity=0)

    assert list(AuthEvent.objects.values_list("email", flat=True)) == ["recent@x.org"]
    assert ActivityLog.objects.count() == 1


def test_a_row_the_database_refuses_is_dropped_and_the_rest_are_written():
    from django.db import DataError

    buffer = RequestLogBuffer(capacity=10, batch_size=10, flush_seconds=0)
    good = dict(
        request_id="6f1c3c9e-9d4e-4a7e-8a51-1f2b3c4d5e6f",
        method="GET",
        path="/api/v1/health",
        status_code=200,
        duration_ms=1,
        created_date=timezone.now(),
    )
    for path in ("/api/v1/a", "/api/v1/bad", "/api/v1/c"):
        buffer.add({**good, "path": path})
    original_create = ApiRequest.objects.create

    def refuse_bad(**row):
        if row["path"] == "/api/v1/bad":
            raise DataError("invalid byte sequence")
        return original_create(**row)

    def refuse_batch(*args, **kwargs):
        raise DataError("invalid byte sequence")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ApiRequest.objects, "bulk_create", refuse_batch)
        patch.setattr(ApiRequest.objects, "create", refuse_bad)
        assert buffer.flush() == 2

    assert sorted(ApiRequest.objects.values_list("path", flat=True)) == ["/api/v1/a", "/api/v1/c"]
    assert (buffer.pending(), buffer.dropped) == (0, 1)
