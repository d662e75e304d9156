"""No session identifier or token ever lands in a ``log`` or ``audit`` table.

After a flow that uses every session operation (sign-ins from two devices, a refresh, a reuse,
revoking a session, revoking the others, re-authentication, logout, a password change, a
"this wasn't me" link and the reset it sends), every column of every row of every model whose
table is in the ``log`` or ``audit`` schema is read, and none may hold a session key, a JWT
issued during the flow, a token's ``jti`` or the token of an emailed link. Those tables are read
by support staff and kept for years (audit: seven); a session key there is a handle on a live
session, a token a way in.
"""

import json
import re
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.apps import apps
from django.core import mail

from accounts.models import UserSession
from auditing.models import ActivityLog, AuditUser
from logging_app.models import ApiRequest, AuthEvent, EmailDelivery
from logging_app.request_log import get_buffer
from logging_app.services import auth_event_record

from .http_support import API, client

pytestmark = pytest.mark.django_db

EMAIL = "member@example.com"
NEW_PASSWORD = "Another-long-passphrase-42"
THIRD_PASSWORD = "Yet-another-passphrase-77"
LAPTOP = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537",
    "REMOTE_ADDR": "203.0.113.7",
}
PHONE = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "REMOTE_ADDR": "198.51.100.23",
}
# Names a session identifier goes by, as a field and as a column.
SESSION_FIELD_NAMES = {"session_token", "sessiontoken", "session_key", "sessionkey"}


def log_and_audit_models() -> list:
    return [model for model in apps.get_models() if model._meta.db_table.startswith(("log.", "audit."))]


def as_text(value) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def secrets_found(secrets: dict[str, str]) -> list[tuple[str, object, str, str]]:
    """Every ``(table, row id, column, what)`` where one of ``secrets`` (what -> value) is stored."""
    get_buffer().flush()
    found = []
    for model in log_and_audit_models():
        columns = [field.attname for field in model._meta.concrete_fields]
        for row in model.objects.values_list(*columns):
            values = dict(zip(columns, row, strict=True))
            for column, value in values.items():
                text = as_text(value)
                found += [
                    (model._meta.db_table, values[model._meta.pk.attname], column, what)
                    for what, secret in secrets.items()
                    if secret in text
                ]
    return found


def link_tokens() -> list[str]:
    """The ``token=`` of every link in every email sent."""
    links = [link for message in mail.outbox for link in re.findall(r"https?://\S+", message.body)]
    return [token for link in links for token in parse_qs(urlparse(link).query).get("token", [])]


@pytest.fixture
def api(django_capture_on_commit_callbacks):
    """Call the API from ``device``, as ``access``'s user when given, keeping every JWT issued;
    the on-commit callbacks (the emails) run, as after a committed request."""

    class Api:
        def __init__(self):
            self.issued: list[str] = []

        def call(self, method, device, path, body=None, access=None, expect=200):
            send = getattr(client(access), method)
            with django_capture_on_commit_callbacks(execute=True):
                if body is None:
                    response = send(f"{API}{path}", **device)
                else:
                    response = send(f"{API}{path}", body, format="json", **device)
            assert response.status_code == expect, response.content
            if response.content and response.status_code == 200:
                self.issued += [v for k, v in response.json().items() if k in ("access", "refresh")]
            return response.json() if response.content else None

        def post(self, device, path, body=None, access=None, expect=200):
            return self.call("post", device, path, body or {}, access, expect)

    return Api()


@pytest.fixture
def full_flow(user, api, password, unthrottled):
    """Every session operation once, from two devices; return the JWTs issued along the way."""
    sign_in = {"email": EMAIL, "password": password}
    laptop = api.post(LAPTOP, "auth/login", sign_in)
    phone = api.post(PHONE, "auth/login", sign_in)  # a new device: a security email
    api.post(LAPTOP, "auth/token/refresh", {"refresh": laptop["refresh"]})
    api.post(PHONE, "auth/token/refresh", {"refresh": laptop["refresh"]}, expect=401)  # reuse: that session ends

    laptop = api.post(LAPTOP, "auth/login", sign_in)
    listed = api.call("get", LAPTOP, "auth/sessions", access=laptop["access"])
    [phone_session] = [session["sessionId"] for session in listed["results"] if not session["current"]]
    api.call("delete", LAPTOP, f"auth/sessions/{phone_session}", access=laptop["access"], expect=204)
    api.post(PHONE, "auth/token/refresh", {"refresh": phone["refresh"]}, expect=401)

    api.post(PHONE, "auth/login", sign_in)
    fresh = api.post(LAPTOP, "auth/reauthenticate", {"password": password}, access=laptop["access"])
    api.post(LAPTOP, "auth/sessions/revoke-others", access=fresh["access"], expect=204)
    api.post(LAPTOP, "auth/logout", {"refresh": laptop["refresh"]}, access=fresh["access"], expect=204)

    laptop = api.post(LAPTOP, "auth/login", sign_in)
    changed = api.post(
        LAPTOP, "auth/password-change", {"currentPassword": password, "newPassword": NEW_PASSWORD}, laptop["access"]
    )
    api.call("get", LAPTOP, "users/me", access=changed["access"])
    api.post(PHONE, "auth/secure-account", {"token": link_tokens()[0]})  # the new device's notice
    api.call("get", LAPTOP, "users/me", access=changed["access"], expect=401)
    api.post(LAPTOP, "auth/password-reset/confirm", {"token": link_tokens()[-1], "newPassword": THIRD_PASSWORD})
    assert UserSession.objects.filter(ended_at__isnull=True).count() == 0
    get_buffer().flush()  # log.ApiRequest rows wait in the buffer until written
    return api.issued


def flow_secrets(issued: list[str]) -> dict[str, str]:
    """Every secret of the flow, named: session keys, JWTs, their ``jti``, emailed tokens."""
    sessions = UserSession.objects.order_by("id").values_list("id", "session_key")
    secrets = {f"key of session {session_id}": key for session_id, key in sessions}
    for n, token in enumerate(issued):
        claims = jwt.decode(token, options={"verify_signature": False})
        secrets[f"{claims['token_type']} JWT {n}"] = token
        secrets[f"jti of {claims['token_type']} JWT {n}"] = claims["jti"]
    secrets |= {f"emailed token {n}": token for n, token in enumerate(link_tokens())}
    return secrets


def test_no_session_key_or_token_is_stored_in_a_log_or_audit_table(full_flow):
    secrets = flow_secrets(full_flow)
    # The flow really made what is searched, and the tables searched really hold its rows.
    assert UserSession.objects.count() == 6
    assert sum(name.startswith("refresh JWT") for name in secrets) == 7
    assert len(link_tokens()) == 5  # three security notices, the reset link, the reset's notice
    for model in (ApiRequest, AuthEvent, EmailDelivery, ActivityLog, AuditUser):
        assert model.objects.exists(), model._meta.db_table

    assert secrets_found(secrets) == []


def test_no_user_snapshot_holds_a_session_identifier(full_flow, user):
    snapshots = AuditUser.objects.filter(user=user)
    assert snapshots.count() > 5
    for snapshot in snapshots:
        names = {*snapshot.changed_fields, *(snapshot.old_values or {}), *(snapshot.new_values or {})}
        assert not {name for name in names if name.lower() in SESSION_FIELD_NAMES}, snapshot.pk
    for entry in ActivityLog.objects.all():
        names = {*(entry.old_values or {}), *(entry.new_values or {})}
        assert not {name for name in names if name.lower() in SESSION_FIELD_NAMES}, entry.pk


def test_the_search_finds_a_session_key_put_in_any_log_column(user, api, password):
    """The search above can fail: a session key written where none belongs is found."""
    api.post(LAPTOP, "auth/login", {"email": EMAIL, "password": password})
    session_key = UserSession.objects.get().session_key
    assert secrets_found({"session key": session_key}) == []

    event = auth_event_record(event_type="session_ended", user=user, failure_reason=session_key)
    entry = ActivityLog.objects.create(action="session_ended", entity_type="User", new_values={"sid": session_key})

    assert secrets_found({"session key": session_key}) == [
        ("log.AuthEvent", event.pk, "failure_reason", "session key"),
        ("audit.ActivityLog", entry.pk, "new_values", "session key"),
    ]
