"""Guessing the current password on the password change: limited per user and counted toward the lockout."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.services import (
    LOCKED_REASON_FAILED_LOGINS,
    MESSAGE_WRONG_CURRENT_PASSWORD,
    RefreshTokenInvalid,
    current_password_check,
)
from accounts.throttles import DEFAULT_RATES
from eventlead.core.exceptions import ValidationFailed
from logging_app.models import AuthEvent

from .http_support import API, access_refused, client, error

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
NEW_PASSWORD = "Another-long-passphrase-42"


@pytest.fixture
def rates(set_setting):
    """Set some of ``security.rate_limits``; the others are lifted."""

    def set_rates(**changes):
        set_setting("security.rate_limits", json.dumps({**dict.fromkeys(DEFAULT_RATES, "1000/min"), **changes}))

    return set_rates


def sign_in(post, email="member@example.com", password=PASSWORD):
    response = post("auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def change(post, access, current, new=NEW_PASSWORD):
    return post("auth/password-change", {"currentPassword": current, "newPassword": new}, access)


def wrong_current_password(response) -> dict:
    return error(
        response, "validation_error", ValidationFailed.message, {"currentPassword": [MESSAGE_WRONG_CURRENT_PASSWORD]}
    )


def failures(user) -> list[tuple[str, str]]:
    return list(
        AuthEvent.objects.filter(user=user, event_type__in=["login_failed", "account_locked"])
        .order_by("pk")
        .values_list("event_type", "failure_reason")
    )


def test_wrong_current_passwords_lock_the_account_and_end_every_session(post, user, set_setting, rates):
    rates()
    set_setting("security.max_failed_login_attempts", 3)
    set_setting("security.lockout_minutes", 20)
    guesser = sign_in(post)  # a stolen session, say
    other_device = sign_in(post)

    answers = [change(post, guesser["access"], f"Guess-number-{n}") for n in range(3)]

    assert [(r.status_code, r.json()) for r in answers] == [(400, wrong_current_password(r)) for r in answers]
    user.refresh_from_db()
    assert (user.is_locked, user.locked_reason, user.failed_login_attempts) == (True, LOCKED_REASON_FAILED_LOGINS, 3)
    assert user.locked_until > timezone.now() + timedelta(minutes=19)
    assert failures(user) == [("login_failed", "wrong_current_password")] * 3 + [
        ("account_locked", "too_many_failures")
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [([user.email], "Your EventLead account has been locked")]
    # Every session ends: the guesser's and the owner's other device, access and refresh alike.
    for tokens in (guesser, other_device):
        refused = client(tokens["access"]).get(f"{API}users/me")
        assert (refused.status_code, refused.json()) == (401, access_refused(refused))
        refresh = post("auth/token/refresh", {"refresh": tokens["refresh"]})
        assert (refresh.status_code, refresh.json()) == (
            401,
            error(refresh, "token_invalid", RefreshTokenInvalid.message),
        )
    # Nor do they come back when the lock runs out; the password, which never changed, signs in.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert client(guesser["access"]).get(f"{API}users/me").status_code == 401
    assert post("auth/token/refresh", {"refresh": other_device["refresh"]}).status_code == 401
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert sign_in(post)["access"]


def test_wrong_passwords_at_login_and_at_the_change_add_up_to_one_lockout(post, user, set_setting, rates):
    rates()
    set_setting("security.max_failed_login_attempts", 3)
    tokens = sign_in(post)
    assert post("auth/login", {"email": user.email, "password": "Guess-at-login-1"}).status_code == 401

    assert change(post, tokens["access"], "Guess-number-1").status_code == 400
    assert not User.objects.get(pk=user.pk).is_locked
    assert change(post, tokens["access"], "Guess-number-2").status_code == 400

    assert User.objects.get(pk=user.pk).is_locked
    assert failures(user) == [
        ("login_failed", "wrong_password"),
        ("login_failed", "wrong_current_password"),
        ("login_failed", "wrong_current_password"),
        ("account_locked", "too_many_failures"),
    ]


def test_the_right_current_password_clears_the_count(post, user, set_setting, rates):
    rates()
    set_setting("security.max_failed_login_attempts", 3)
    tokens = sign_in(post)
    for n in range(2):
        assert change(post, tokens["access"], f"Guess-number-{n}").status_code == 400

    assert change(post, tokens["access"], PASSWORD).status_code == 200

    user.refresh_from_db()
    assert (user.failed_login_attempts, user.is_locked) == (0, False)
    assert user.check_password(NEW_PASSWORD)


def test_a_lock_whose_time_is_up_is_lifted_so_the_next_guesses_lock_again(user, set_setting):
    """A lock that ran out (set before locks ended sessions, or by hand) must not block the next one."""
    set_setting("security.max_failed_login_attempts", 2)
    User.objects.filter(pk=user.pk).update(
        is_locked=True, locked_until=timezone.now() - timedelta(seconds=1), failed_login_attempts=2
    )
    user.refresh_from_db()

    for n in range(2):
        with pytest.raises(ValidationFailed):
            current_password_check(user=user, password=f"Guess-number-{n}")

    user.refresh_from_db()
    assert (user.is_locked, user.failed_login_attempts) == (True, 2)
    assert user.locked_until > timezone.now()
    assert failures(user)[-1] == ("account_locked", "too_many_failures")


def test_the_change_is_throttled_per_user_in_the_error_shape(post, user, make_user, set_setting, rates):
    rates(passwordChange="2/min")
    set_setting("security.max_failed_login_attempts", 100)
    tokens = sign_in(post)
    other = make_user("colleague@example.com")
    colleague = sign_in(post, other.email)  # from the same client address
    for n in range(2):
        assert change(post, tokens["access"], f"Guess-number-{n}").status_code == 400

    throttled = change(post, tokens["access"], PASSWORD)

    assert throttled.status_code == 429
    body = throttled.json()
    assert body == {
        "error": {"code": "throttled", "message": body["error"]["message"], "requestId": throttled["X-Request-ID"]}
    }
    assert body["error"]["message"].startswith("Request was throttled.")
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)  # the throttled change did nothing
    assert User.objects.get(pk=user.pk).failed_login_attempts == 2
    assert change(post, colleague["access"], PASSWORD).status_code == 200


def test_the_change_is_throttled_by_default_when_the_setting_lacks_the_key(post, user, set_setting):
    """A database seeded before ``passwordChange`` existed still limits the change."""
    set_setting("security.rate_limits", json.dumps({"login": "1000/min"}))
    set_setting("security.max_failed_login_attempts", 100)
    tokens = sign_in(post)
    allowed = int(DEFAULT_RATES["passwordChange"].split("/")[0])

    answers = [change(post, tokens["access"], f"Guess-number-{n}").status_code for n in range(allowed + 1)]

    assert answers == [400] * allowed + [429]
