"""One reset or verification link used by twenty requests at once works exactly once.

Mirrors ``test_concurrency.test_one_refresh_token_used_twenty_times_at_once_rotates_once``:
real threads, each on its own connection, on real PostgreSQL (SQLite serialises writers).
"""

from collections import Counter

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import User, UserEmailVerificationToken, UserPasswordResetToken
from eventlead.core.exceptions import TokenInvalid
from eventlead.testing.threads import run_together
from logging_app.models import AuthEvent
from reference.models import UserStatus

from .http_support import last_link_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

THREADS = 20


def post(path, body):
    response = APIClient().post(f"/api/v1/{path}", body, format="json")
    return response.status_code, response.json() if response.content else None


def refusals(answers) -> set:
    return {(body["error"]["code"], body["error"]["message"]) for status, body in answers if status != 200}


def test_one_reset_link_used_twenty_times_at_once_sets_one_password(make_user):
    user = make_user(email="racer@example.com")
    assert post("auth/password-reset", {"email": user.email})[0] == 202
    token = last_link_token()
    passwords = [f"Winning-passphrase-{n:02d}" for n in range(THREADS)]

    answers = run_together(
        lambda password: post("auth/password-reset/confirm", {"token": token, "newPassword": password}), passwords
    )

    assert Counter(status for status, _ in answers) == {200: 1, 400: THREADS - 1}
    assert refusals(answers) == {("token_invalid", TokenInvalid.message)}
    [winner] = [password for password, (status, _) in zip(passwords, answers, strict=True) if status == 200]
    user.refresh_from_db()
    assert [password for password in passwords if user.check_password(password)] == [winner]
    assert AuthEvent.objects.filter(user=user, event_type="password_reset_completed").count() == 1
    assert UserPasswordResetToken.objects.filter(user=user, used_at__isnull=True).count() == 0
    assert post("auth/login", {"email": user.email, "password": winner})[0] == 200


def test_one_verification_link_used_twenty_times_at_once_verifies_once():
    status, _ = post(
        "auth/signup",
        {"email": "racer@example.com", "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "Lovelace"},
    )
    assert status == 202 and len(mail.outbox) == 1
    token = last_link_token()

    answers = run_together(lambda _: post("auth/verify-email", {"token": token}), range(THREADS))

    assert Counter(status for status, _ in answers) == {200: 1, 400: THREADS - 1}
    assert [body for status, body in answers if status == 200] == [{"verified": True}]
    assert refusals(answers) == {("token_invalid", TokenInvalid.message)}
    user = User.objects.get(email="racer@example.com")
    assert user.status.code == UserStatus.ACTIVE and user.email_verified_at is not None
    assert AuthEvent.objects.filter(user=user, event_type="email_verified").count() == 1
    assert UserEmailVerificationToken.objects.filter(user=user, used_at__isnull=True).count() == 0
