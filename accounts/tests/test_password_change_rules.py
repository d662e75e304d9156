"""Changing the password while signed in: the rules it applies and the records it leaves."""

import pytest
from django.utils import timezone

from accounts.models import User
from auditing.models import ActivityLog, AuditUser
from eventlead.core.exceptions import ValidationFailed
from logging_app.models import AuthEvent

from .http_support import API, WEAK_PASSWORDS, client, error

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
NEW_PASSWORD = "Another-long-passphrase-42"


def change(access, current=PASSWORD, new=NEW_PASSWORD):
    return client(access).post(
        f"{API}auth/password-change", {"currentPassword": current, "newPassword": new}, format="json"
    )


@pytest.mark.parametrize(("weak", "messages"), WEAK_PASSWORDS)
def test_a_change_to_a_weak_password_is_refused_and_changes_nothing(user, login, weak, messages):
    tokens = login()

    response = change(tokens["access"], new=weak)

    assert (response.status_code, response.json()) == (
        400,
        error(response, "validation_error", ValidationFailed.message, {"newPassword": messages}),
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client(tokens["access"]).get(f"{API}users/me").status_code == 200
    assert not AuthEvent.objects.filter(event_type="password_changed").exists()


def test_a_change_is_logged_and_audited_as_the_user_then_signs_in_afresh(user, login):
    access = login()["access"]
    before = timezone.now()

    response = change(access)

    assert response.status_code == 200
    assert list(AuthEvent.objects.filter(event_type="password_changed").values_list("user_id", "email")) == [
        (user.pk, user.email)
    ]
    actions = list(ActivityLog.objects.filter(entity_id=str(user.pk)).order_by("pk").values_list("action", "user_id"))
    assert actions[-2:] == [("password_changed", user.pk), ("user_logged_in", user.pk)]
    password_row, login_row = AuditUser.objects.filter(user_id=user.pk).order_by("-pk")[:2][::-1]
    assert (password_row.operation, password_row.changed_by_id, password_row.changed_fields) == (
        "update",
        user.pk,
        ["AccessTokenVersion", "LastPasswordChange", "RefreshTokenVersion"],
    )
    assert "LastLoginAt" in login_row.changed_fields
    user.refresh_from_db()
    assert user.last_password_change >= before


def test_a_wrong_current_password_changes_nothing_and_logs_nothing(user, login):
    tokens = login()

    response = change(tokens["access"], current="Not-my-password-1")

    assert (response.status_code, response.json()) == (
        400,
        error(
            response,
            "validation_error",
            ValidationFailed.message,
            {"currentPassword": ["The current password is incorrect."]},
        ),
    )
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password(PASSWORD)
    assert (stored.access_token_version, stored.refresh_token_version) == (1, 1)
    assert not AuthEvent.objects.filter(event_type="password_changed").exists()
