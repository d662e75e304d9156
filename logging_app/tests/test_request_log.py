"""log.ApiRequest and log.ApplicationError: every request recorded, cheaply and without secrets."""

import uuid

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


def test_purge_logs_empties_every_log_table_of_its_old_rows():
    from datetime import timedelta

    from logging_app.models import AbrLookup, ApiRequest, ApplicationError, EmailDelivery

    old = timezone.now() - timedelta(days=91)
    AbrLookup.objects.create(search_type="abn", outcome="hit", created_date=old)
    ApiRequest.objects.create(
        request_id=uuid.uuid4(), method="GET", path="/", status_code=200, duration_ms=1, created_date=old
    )
    ApplicationError.objects.create(error_type="E", created_date=old)
    EmailDelivery.objects.create(recipient_email="a@x.org", email_type="invitation", subject="s", created_date=old)
    AuthEvent.objects.create(event_type="login_failed", email="old@x.org", created_date=old)

    call_command("purge_logs", verbosity=0)

    tables = (AbrLookup, ApiRequest, ApplicationError, EmailDelivery, AuthEvent)
    assert [model.objects.count() for model in tables] == [0] * len(tables)


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


# --- Secrets in what a request sends (issue 13, finding 4) ---------------------------------------

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0In0.w7gXEUmocE7wVgn5gc7XGBJOIpjKcXPL2jW_Zv9UQKg"

# (query string as sent, as stored): each sensitive name in each case style loses its value.
QUERY_SECRETS = [
    ("access_token=at-1", "access_token=[redacted]"),
    ("accessToken=at-1", "accessToken=[redacted]"),
    ("ACCESS-TOKEN=at-1", "ACCESS-TOKEN=[redacted]"),
    ("refresh=rt-1", "refresh=[redacted]"),
    ("jwt=x1", "jwt=[redacted]"),
    ("id_token=x1", "id_token=[redacted]"),
    ("csrftoken=x1", "csrftoken=[redacted]"),
    ("newPassword=hunter2", "newPassword=[redacted]"),
    ("current_password=hunter2", "current_password=[redacted]"),
    ("new-password=hunter2", "new-password=[redacted]"),
    ("client_secret=s1", "client_secret=[redacted]"),
    ("clientSecret=s1", "clientSecret=[redacted]"),
    ("code=123456", "code=[redacted]"),
    ("authCode=123456", "authCode=[redacted]"),
    ("otp=123456", "otp=[redacted]"),
    ("otp_code=123456", "otp_code=[redacted]"),
    ("key=k1", "key=[redacted]"),
    ("api_key=k1", "api_key=[redacted]"),
    ("apiKey=k1", "apiKey=[redacted]"),
    ("x-api-key=k1", "x-api-key=[redacted]"),
    ("authorization=Basic%20dXNlcjpwYXNz", "authorization=[redacted]"),
    ("Authorization=Bearer%20at-1", "Authorization=[redacted]"),
    ("signature=c2ln", "signature=[redacted]"),
    ("X-Amz-Signature=c2ln", "X-Amz-Signature=[redacted]"),
    ("sig=c2ln", "sig=[redacted]"),
    ("sessionid=s1", "sessionid=[redacted]"),
    ("guid=g1", "guid=[redacted]"),
    (f"q={JWT}", "q=[redacted]"),
    (f"q=see+{JWT}+here", "q=see+[redacted]+here"),
    ("q=Basic%20dXNlcjpwYXNz", "q=Basic+[redacted]"),
    ("q=%7B%22password%22%3A%22hunter2%22%7D", "q=%7B%22password%22%3A%22[redacted]%22%7D"),
    ("next=%2Fverify-email%3Ftoken%3Dv1", "next=%2Fverify-email%3Ftoken%3D[redacted]"),
    ("next=%2Freset-password%3Ftoken%3Dr1", "next=%2Freset-password%3Ftoken%3D[redacted]"),
    ("next=%2Fapi%2Fv1%2Finvitations%2Fi1%2Faccept", "next=%2Fapi%2Fv1%2Finvitations%2F[redacted]%2Faccept"),
    ("page=2&postcode=3000&keyword=tea", "page=2&postcode=3000&keyword=tea"),  # nothing secret
]


@pytest.mark.parametrize(("sent", "stored"), QUERY_SECRETS, ids=[sent.split("=")[0] for sent, _ in QUERY_SECRETS])
def test_a_secret_in_the_query_string_is_redacted_in_the_request_log(api_client, sent, stored):
    api_client.get(f"/api/v1/health?{sent}")
    get_buffer().flush()

    assert ApiRequest.objects.get().query_string == stored


def test_a_secret_in_the_path_or_the_user_agent_is_redacted_in_the_request_log(api_client):
    api_client.get(
        f"/api/v1/reference/{JWT}",
        HTTP_USER_AGENT=f"curl/8.5 (password=hunter2) Bearer at-1 {JWT}",
    )
    get_buffer().flush()

    row = ApiRequest.objects.get()
    assert (row.path, row.user_agent) == (
        "/api/v1/reference/[redacted]",
        "curl/8.5 (password=[redacted] Bearer [redacted] [redacted]",  # a value runs to whitespace,
    )


# --- Headers the request log reads: any text at all (issue 13, finding 14) ------------------------


@pytest.mark.parametrize(
    ("content_length", "recorded"),
    [
        ("12", 12),
        (" 12\t", 12),
        ("007", 7),
        ("abc", 0),
        ("", 0),
        ("-5", 0),
        ("+5", 0),
        ("1_000", 0),
        ("1.5", 0),
        ("12, 12", 0),
        ("\u0663", 0),  # ARABIC-INDIC DIGIT THREE: int() reads it
        ("2147483647", 2147483647),
        ("2147483648", 2147483647),  # past the 32-bit column: capped
        ("99999999999999999999999", 2147483647),
        ("9" * 5000, 2147483647),  # int() refuses more than 4,300 digits
        ("0" * 5000 + "12", 12),
    ],
)
def test_any_content_length_is_recorded_without_failing_the_request(api_client, content_length, recorded):
    response = api_client.get("/api/v1/health", CONTENT_LENGTH=content_length)

    assert response.status_code == 200
    assert get_buffer().flush() == 1
    assert ApiRequest.objects.get().request_bytes == recorded


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("caf\u00c3\u00a9/1.0", "caf\u00e9/1.0"),  # UTF-8 bytes, as a WSGI server hands them over
        ("bad\u00ff\u00fe/1.0", "bad\ufffd\ufffd/1.0"),  # bytes that are not UTF-8
        ("nul\x00/1.0", "nul\ufffd/1.0"),
        ("\u2603 snow/1.0", "\u2603 snow/1.0"),  # text no server could have sent: kept as is
        ("x" * 600, "x" * 500),
    ],
    ids=["utf-8", "not-utf-8", "nul", "not-latin-1", "too-long"],
)
def test_any_user_agent_is_recorded_as_text_without_failing_the_request(api_client, sent, stored):
    response = api_client.get("/api/v1/health", HTTP_USER_AGENT=sent)

    assert response.status_code == 200
    assert get_buffer().flush() == 1
    assert ApiRequest.objects.get().user_agent == stored


def test_a_query_string_of_raw_bytes_is_recorded_as_text(api_client):
    # "q=café" sent unencoded, and a byte that is no UTF-8, as a WSGI server decodes them.
    response = api_client.get("/api/v1/health", QUERY_STRING="q=caf\u00c3\u00a9&r=\u00ff")

    assert response.status_code == 200
    assert get_buffer().flush() == 1
    assert ApiRequest.objects.get().query_string == "q=caf%C3%A9&r=%EF%BF%BD"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_raw_request_with_garbage_headers_to_a_live_server_is_answered_and_logged(live_server):
    """Over a socket to Django's own server (what runserver runs), bytes exactly as a client sends them."""
    import socket
    from urllib.parse import urlparse

    address = urlparse(live_server.url)
    request = (
        b"GET /api/v1/health?token=t1&page=2 HTTP/1.1\r\n"
        + f"Host: {address.hostname}:{address.port}\r\n".encode()
        + b"Content-Length: abc\r\n"
        + b"User-Agent: caf\xc3\xa9 \xff Bearer at-1\r\n"
        + b"Connection: close\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert get_buffer().flush() == 1
    row = ApiRequest.objects.get()
    assert (row.path, row.query_string, row.request_bytes, row.user_agent) == (
        "/api/v1/health",
        "token=[redacted]&page=2",
        0,
        "caf\u00e9 \ufffd Bearer [redacted]",
    )


def test_a_row_that_cannot_be_built_is_logged_and_the_request_still_answered(api_client, monkeypatch, caplog):
    from logging_app import request_log

    def broken(*args):
        raise ValueError("a header no parser foresaw")

    monkeypatch.setattr(request_log, "_row", broken)

    response = api_client.get("/api/v1/health")

    assert response.status_code == 200
    assert get_buffer().pending() == 0
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("logging_app.request_log", "ERROR", "Could not build the request log row for /api/v1/health")
    ]
