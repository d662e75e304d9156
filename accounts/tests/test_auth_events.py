"""Every event type of log.AuthEvent is written by the flow it names, with IP, agent and request id."""

import re
from datetime import timedelta

import jwt
import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from accounts.services import credentials_check
from logging_app.models import AuthEvent, AuthEventType

from .test_api_mfa import totp_code

pytestmark = pytest.mark.django_db


def jwt_claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_each_event_type_is_recorded(api_client, user, django_capture_on_commit_callbacks):
    def post(path, body=None, token=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(
                f"/api/v1/{path}", body or {}, format="json", HTTP_USER_AGENT="pytest-agent", **headers
            )

    password = "Correct-horse-battery-9"
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            "/api/v1/auth/signup",
            {"email": "ev@example.com", "password": "Long-enough-pass-1", "firstName": "E", "lastName": "V"},
            format="json",
        )
    post("auth/verify-email", {"token": re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)})
    tokens = post("auth/login", {"email": user.email, "password": password}).json()
    tokens = post("auth/token/refresh", {"refresh": tokens["refresh"]}).json()
    post("auth/logout", {"refresh": tokens["refresh"]}, token=tokens["access"])
    tokens = post("auth/login", {"email": user.email, "password": password}).json()
    post("auth/logout-all", token=tokens["access"])
    tokens = post("auth/login", {"email": user.email, "password": password}).json()
    post("auth/reauthenticate", {"password": password}, token=tokens["access"])
    other = post("auth/login", {"email": user.email, "password": password}).json()
    other_session = jwt_claims(other["access"])["sid"]
    with django_capture_on_commit_callbacks(execute=True):
        api_client.delete(f"/api/v1/auth/sessions/{other_session}", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    post("auth/token/refresh", {"refresh": tokens["refresh"]})
    post("auth/token/refresh", {"refresh": tokens["refresh"]})  # reuse: the session ends, an email goes out
    post("auth/secure-account", {"token": re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)})
    tokens = post("auth/login", {"email": user.email, "password": password}).json()
    new_password = "Changed-passphrase-31"
    post("auth/password-change", {"currentPassword": password, "newPassword": new_password}, token=tokens["access"])
    post("auth/password-reset", {"email": user.email})
    post(
        "auth/password-reset/confirm",
        {"token": re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1), "newPassword": "Reset-passphrase-58"},
    )
    for _ in range(5):
        post("auth/login", {"email": user.email, "password": "wrong-password-1"})
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    credentials_check(email=user.email, password="Reset-passphrase-58")  # the lock has run out
    cache.clear()  # the login rate limit (10 a minute) is spent by now

    def send(method, path, body=None, token=None):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(api_client, method)(
                f"/api/v1/{path}", body or {}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )

    # MFA: on, new recovery codes, a sign-in's second step with one of them, off.
    password = "Reset-passphrase-58"
    tokens = post("auth/login", {"email": user.email, "password": password}).json()
    secret = post("auth/mfa/totp/setup", token=tokens["access"]).json()["secret"]
    post("auth/mfa/totp/confirm", {"code": totp_code(secret, timezone.now())}, token=tokens["access"])
    codes = post("auth/mfa/recovery-codes", token=tokens["access"]).json()["recoveryCodes"]
    challenge = post("auth/login", {"email": user.email, "password": password}).json()
    tokens = post("auth/mfa/verify", {"mfaToken": challenge["mfaToken"], "code": codes[0]}).json()
    assert send("delete", "auth/mfa/totp", token=tokens["access"]).status_code == 204
    # Email change, then closure.
    post("users/me/email", {"newEmail": "moved@example.org"}, token=tokens["access"])
    [confirm] = [message for message in mail.outbox if message.to == ["moved@example.org"]]
    post("users/me/email/confirm", {"token": re.search(r"token=([\w-]+)", confirm.body).group(1)})
    tokens = post("auth/login", {"email": "moved@example.org", "password": password}).json()
    assert send("delete", "users/me", {"password": password}, token=tokens["access"]).status_code == 204

    recorded = set(AuthEvent.objects.values_list("event_type", flat=True))
    assert recorded == set(AuthEventType.values)
    login = AuthEvent.objects.filter(event_type="login_success").first()
    assert (login.ip_address, login.user_agent, login.user_id) == ("127.0.0.1", "pytest-agent", user.pk)
    assert login.request_id is not None
