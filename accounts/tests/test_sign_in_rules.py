"""Sign-in bookkeeping: why each refusal is logged, how a lock is set and lifted, and whose."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.services import _expire_lock, credentials_check
from auditing.models import ActivityLog, AuditUser
from eventlead.core.exceptions import EmailNotVerified, InvalidCredentials
from logging_app.models import AuthEvent
from reference.models import UserStatus

from .http_support import API, client, error

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
LOCKED_REASON = "Too many failed sign-in attempts."


def login(post, email, password=PASSWORD):
    return post("auth/login", {"email": email, "password": password})


def events(event_type, **filters):
    return list(
        AuthEvent.objects.filter(event_type=event_type, **filters)
        .order_by("pk")
        .values_list("user_id", "email", "failure_reason")
    )


def status_id(code):
    return UserStatus.objects.get(code=code).pk


# Why a refusal is logged ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong_password", "wrong_password"),
        ("locked", "account_locked"),
        ("suspended", "suspended"),
        ("pending", "email_not_verified"),
    ],
)
def test_each_refused_sign_in_of_an_account_is_logged_with_its_reason(post, make_user, case, reason):
    fields = {
        "wrong_password": {},
        "locked": {"is_locked": True, "locked_until": timezone.now() + timedelta(minutes=5)},
        "suspended": {"status_id": status_id(UserStatus.SUSPENDED)},
        "pending": {"status_id": status_id(UserStatus.PENDING), "email_verified_at": None},
    }[case]
    user = make_user(**fields)

    response = login(post, "Member@Example.com", "Wrong-password-1" if case == "wrong_password" else PASSWORD)

    if case == "pending":
        assert (response.status_code, response.json()) == (
            403,
            error(response, "email_not_verified", EmailNotVerified.message),
        )
    else:
        assert (response.status_code, response.json()) == (
            401,
            error(response, "invalid_credentials", InvalidCredentials.message),
        )
    assert events("login_failed") == [(user.pk, "member@example.com", reason)]
    assert events("login_success") == []


def test_a_sign_in_is_logged_and_audited_as_the_user(post, user):
    assert login(post, user.email).status_code == 200

    assert events("login_success") == [(user.pk, user.email, "")]
    change = AuditUser.objects.get(user_id=user.pk)  # make_user writes none
    assert (change.operation, change.changed_by_id) == ("update", user.pk)
    assert change.changed_fields == ["LastLoginAt"]  # the session token is a secret: never in the trail
    assert change.old_values == {"LastLoginAt": None}
    action = ActivityLog.objects.get()
    assert (action.action, action.entity_type, action.entity_id, action.user_id) == (
        "user_logged_in",
        "User",
        str(user.pk),
        user.pk,
    )


def test_a_sign_in_with_an_unknown_address_is_logged_under_that_address(post, user):
    login(post, "  Nobody@Example.COM ")

    assert events("login_failed") == [(None, "nobody@example.com", "unknown_email")]


def test_an_unknown_text_that_is_no_address_once_normalized_is_not_logged(post, user):
    # 188 characters; "ß" case-folds to "ss", which makes 120-character domain labels: no address.
    typed = "a@" + ".".join(["\u00df" * 60] * 3) + ".com"

    response = login(post, typed)

    assert (response.status_code, response.json()) == (
        401,
        error(response, "invalid_credentials", InvalidCredentials.message),
    )
    assert events("login_failed") == [(None, "", "unknown_email")]


# Setting a lock -------------------------------------------------------------------------------


def test_a_lock_from_failed_sign_ins_refuses_the_sessions_while_it_lasts_and_ends_none(post, user, set_setting):
    """Anyone who knows the address can cause this lock: it must not sign the owner out for good."""
    set_setting("security.max_failed_login_attempts", 3)
    tokens = login(post, user.email).json()
    for attempt in range(3):
        login(post, user.email, f"Wrong-password-{attempt}")

    assert client(tokens["access"]).get(f"{API}users/me").status_code == 401
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    assert client(tokens["access"]).get(f"{API}users/me").status_code == 200
    assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 200


def test_the_failure_that_reaches_the_limit_locks_with_a_reason_an_event_an_audit_row_and_an_email(
    post, user, set_setting
):
    set_setting("security.max_failed_login_attempts", 3)
    for attempt in range(3):
        login(post, user.email, f"Wrong-password-{attempt}")

    user.refresh_from_db()
    assert (user.is_locked, user.locked_reason, user.failed_login_attempts) == (True, LOCKED_REASON, 3)
    assert events("login_failed") == [(user.pk, user.email, "wrong_password")] * 3
    assert events("account_locked") == [(user.pk, user.email, "too_many_failures")]
    change = AuditUser.objects.filter(user_id=user.pk).latest("pk")
    assert (change.operation, change.changed_by_id) == ("update", None)
    assert {"IsLocked", "LockedUntil", "LockedReason"} <= set(change.changed_fields)
    assert (change.old_values["IsLocked"], change.new_values["IsLocked"]) == (False, True)
    assert change.new_values["LockedReason"] == LOCKED_REASON
    action = ActivityLog.objects.get(action="account_locked")
    assert (action.entity_type, action.entity_id, action.user_id) == ("User", str(user.pk), None)
    assert [(m.to, m.subject) for m in mail.outbox] == [([user.email], "Your EventLead account has been locked")]


def test_a_lock_runs_from_the_failure_that_set_it(post, user):
    failed_at = timezone.now() - timedelta(minutes=31)
    for attempt in range(5):
        with pytest.raises(InvalidCredentials):
            credentials_check(email=user.email, password=f"Wrong-password-{attempt}", now=failed_at)

    user.refresh_from_db()
    assert (user.is_locked, user.last_failed_login_at, user.locked_until) == (
        True,
        failed_at,
        failed_at + timedelta(minutes=30),
    )
    assert login(post, user.email).status_code == 200  # the 30 minutes are over


def test_a_lock_falls_only_on_the_account_that_failed(post, make_user, set_setting):
    user = make_user()
    # Failures counted under a higher limit, below it then, at or above the lowered one now.
    bystander = make_user(email="bystander@example.com", failed_login_attempts=4)
    set_setting("security.max_failed_login_attempts", 2)

    for attempt in range(2):
        login(post, user.email, f"Wrong-password-{attempt}")

    user.refresh_from_db()
    bystander.refresh_from_db()
    assert user.is_locked
    assert (bystander.is_locked, bystander.locked_until, bystander.locked_reason) == (False, None, "")
    assert events("account_locked") == [(user.pk, user.email, "too_many_failures")]


# Lifting a lock -------------------------------------------------------------------------------


def lock(user, *, until):
    User.objects.filter(pk=user.pk).update(
        is_locked=True, locked_until=until, locked_reason=LOCKED_REASON, failed_login_attempts=5
    )


def test_a_lock_whose_time_is_up_is_lifted_whole_and_logged(post, make_user):
    user = make_user()
    lock(user, until=timezone.now() - timedelta(seconds=1))

    response = login(post, user.email, "Wrong-password-1")

    assert response.status_code == 401
    user.refresh_from_db()
    assert (user.is_locked, user.locked_until, user.locked_reason) == (False, None, "")
    assert user.failed_login_attempts == 1  # the count started afresh, then this failure
    assert events("account_unlocked") == [(user.pk, user.email, "lock_expired")]


def test_lifting_one_accounts_lock_leaves_other_locks_alone(post, make_user):
    user = make_user()
    other = make_user(email="other@example.com")
    expired = timezone.now() - timedelta(seconds=1)
    lock(user, until=expired)
    lock(other, until=expired)

    assert login(post, user.email).status_code == 200

    other.refresh_from_db()
    assert (other.is_locked, other.locked_until, other.locked_reason, other.failed_login_attempts) == (
        True,
        expired,
        LOCKED_REASON,
        5,
    )
    assert events("account_unlocked") == [(user.pk, user.email, "lock_expired")]


def test_a_lock_without_an_end_is_never_lifted_by_time(post, make_user):
    user = make_user()
    lock(user, until=None)

    response = login(post, user.email)

    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials")
    user.refresh_from_db()
    assert (user.is_locked, user.locked_reason) == (True, LOCKED_REASON)
    assert events("account_unlocked") == []
    assert events("login_failed") == [(user.pk, user.email, "account_locked")]


def test_a_lock_set_after_the_expired_one_was_read_is_not_lifted(make_user):
    """Two requests interleaved: this one read the old, expired lock; another has locked again since."""
    user = make_user()
    now = timezone.now()
    lock(user, until=now - timedelta(seconds=1))
    stale = User.objects.get(pk=user.pk)
    lock(user, until=now + timedelta(minutes=30))

    _expire_lock(stale, now)

    user.refresh_from_db()
    assert (user.is_locked, user.locked_until, user.locked_reason) == (True, now + timedelta(minutes=30), LOCKED_REASON)
    assert events("account_unlocked") == []


# Refreshing and signing out -------------------------------------------------------------------


def test_a_refresh_is_logged_for_the_user(post, user, login):
    tokens = login()

    assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 200

    assert events("token_refreshed") == [(user.pk, user.email, "")]


def test_logout_is_logged_for_the_user(post, user, login):
    tokens = login()

    response = client(tokens["access"]).post(f"{API}auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert events("logout") == [(user.pk, user.email, "")]


def test_logout_all_is_logged_and_audited_as_the_user(post, user, login):
    tokens = login()

    response = client(tokens["access"]).post(f"{API}auth/logout-all")

    assert response.status_code == 204
    assert events("logout_all") == [(user.pk, user.email, "")]
    change = AuditUser.objects.filter(user_id=user.pk).latest("pk")
    assert (change.operation, change.changed_by_id, change.changed_fields) == (
        "update",
        user.pk,
        ["AccessTokenVersion", "RefreshTokenVersion"],
    )
    assert (change.old_values, change.new_values) == (
        {"AccessTokenVersion": 1, "RefreshTokenVersion": 1},
        {"AccessTokenVersion": 2, "RefreshTokenVersion": 2},
    )
    action = ActivityLog.objects.latest("pk")
    assert (action.action, action.entity_type, action.entity_id, action.user_id) == (
        "logout_all",
        "User",
        str(user.pk),
        user.pk,
    )
