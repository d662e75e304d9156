"""The password-change services at their own API: the time they are given, and a failure while locked.

Both the API's change (``password_change``) and the back office's (``user_password_change``)
check the current password first, counting a wrong one toward the lockout.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User, UserPasswordResetToken
from accounts.services import (
    LOCKED_REASON_FAILED_LOGINS,
    current_password_check,
    password_change,
    password_reset_token_issue,
    user_password_change,
)
from eventlead.core.exceptions import ValidationFailed
from logging_app.models import AuthEvent, EmailDelivery

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
NEW_PASSWORD = "Another-long-passphrase-42"
CHANGES = [password_change, user_password_change]


def given_time():
    """A moment the services are told is now: two days before the clock, so it cannot be taken for it."""
    return (timezone.now() - timedelta(days=2)).replace(microsecond=0)


def failures(user) -> list[tuple[str, str]]:
    return list(
        AuthEvent.objects.filter(user=user, event_type__in=["login_failed", "account_locked"])
        .order_by("pk")
        .values_list("event_type", "failure_reason")
    )


def test_a_wrong_current_password_is_counted_at_the_time_given_and_the_lock_runs_from_it(user, set_setting):
    set_setting("security.max_failed_login_attempts", 1)
    set_setting("security.lockout_minutes", 20)
    now = given_time()

    with pytest.raises(ValidationFailed):
        current_password_check(user=user, password="Guess-number-1", now=now)

    user.refresh_from_db()
    assert (user.failed_login_attempts, user.last_failed_login_at) == (1, now)
    assert (user.is_locked, user.locked_until) == (True, now + timedelta(minutes=20))


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_with_a_wrong_current_password_counts_it_at_the_time_given(user, change):
    now = given_time()

    with pytest.raises(ValidationFailed):
        change(user=user, current_password="Guess-number-1", new_password=NEW_PASSWORD, now=now)

    user.refresh_from_db()
    assert (user.failed_login_attempts, user.last_failed_login_at) == (1, now)
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_is_stamped_with_the_time_given_and_ends_the_open_reset_links_then(user, change):
    password_reset_token_issue(user=user)
    now = given_time()

    change(user=user, current_password=PASSWORD, new_password=NEW_PASSWORD, now=now)

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.last_password_change == now
    assert list(UserPasswordResetToken.objects.filter(user=user).values_list("used_at", flat=True)) == [now]


def test_the_apis_change_starts_the_new_session_at_the_time_given(user):
    now = given_time()

    tokens = password_change(user=user, current_password=PASSWORD, new_password=NEW_PASSWORD, now=now)

    assert set(tokens) >= {"access", "refresh"}
    user.refresh_from_db()
    assert user.last_login == now


def test_a_wrong_current_password_while_locked_is_counted_but_neither_extends_the_lock_nor_locks_again(
    user, set_setting
):
    """Only a check let in just before the lock gets here (a race); the lock set once must stand.

    Locking again would push the end of the lock out, email the owner a second time and end
    the sessions again: each failure by the guesser would extend the owner's lock-out.
    """
    set_setting("security.max_failed_login_attempts", 3)
    set_setting("security.lockout_minutes", 20)
    locked_until = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    User.objects.filter(pk=user.pk).update(
        is_locked=True, locked_until=locked_until, locked_reason=LOCKED_REASON_FAILED_LOGINS, failed_login_attempts=3
    )
    user.refresh_from_db()
    versions = (user.access_token_version, user.refresh_token_version)

    with pytest.raises(ValidationFailed):
        current_password_check(user=user, password="Guess-number-4")

    user.refresh_from_db()
    assert (user.is_locked, user.locked_until, user.failed_login_attempts) == (True, locked_until, 4)
    assert (user.access_token_version, user.refresh_token_version) == versions
    assert failures(user) == [("login_failed", "wrong_current_password")]
    assert not EmailDelivery.objects.filter(email_type="account_locked").exists()
