"""Password reset and verification links: who they work for, what they change, what outlives them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User, UserEmailVerificationToken, UserPasswordResetToken
from accounts.tokens import hash_token
from auditing.models import ActivityLog, AuditUser
from eventlead.core.exceptions import InvalidCredentials, ValidationFailed
from logging_app.models import AuthEvent
from reference.models import UserStatus

from .http_support import API, WEAK_PASSWORDS, client, error, last_link_token, token_expired, token_invalid

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
NEW_PASSWORD = "Another-long-passphrase-42"


@pytest.fixture
def reset_link(post):
    """Ask for a reset of ``email`` over the API and return the emailed token."""

    def ask(email):
        assert post("auth/password-reset", {"email": email}).status_code == 202
        return last_link_token()

    return ask


def confirm(post, token, new_password=NEW_PASSWORD):
    return post("auth/password-reset/confirm", {"token": token, "newPassword": new_password})


def login(post, email, password):
    return post("auth/login", {"email": email, "password": password})


def soft_delete(user):
    User.objects.filter(pk=user.pk).update(is_deleted=True, deleted_date=timezone.now())


def status_id(code):
    return UserStatus.objects.get(code=code).pk


# Soft-deleted accounts ------------------------------------------------------------------------


def test_a_reset_link_stops_working_when_its_account_is_deleted(post, user, reset_link):
    token = reset_link(user.email)
    soft_delete(user)

    response = confirm(post, token)

    assert (response.status_code, response.json()) == (400, token_invalid(response))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert UserPasswordResetToken.objects.get(token_hash=hash_token(token)).used_at is None


def test_a_verification_link_stops_working_when_its_account_is_deleted(post):
    post(
        "auth/signup",
        {"email": "gone@example.com", "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "Lovelace"},
    )
    token = last_link_token()
    user = User.objects.get(email="gone@example.com")
    soft_delete(user)

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (400, token_invalid(response))
    user.refresh_from_db()
    assert (user.status.code, user.email_verified_at) == (UserStatus.PENDING, None)
    assert UserEmailVerificationToken.objects.get(token_hash=hash_token(token)).used_at is None


# What a reset refuses -------------------------------------------------------------------------


@pytest.mark.parametrize(("weak", "messages"), WEAK_PASSWORDS)
def test_a_reset_to_a_weak_password_is_refused_and_the_link_still_works(post, user, reset_link, weak, messages):
    token = reset_link(user.email)

    response = confirm(post, token, weak)

    assert (response.status_code, response.json()) == (
        400,
        error(response, "validation_error", ValidationFailed.message, {"newPassword": messages}),
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(weak)
    assert not AuthEvent.objects.filter(event_type="password_reset_completed").exists()
    assert confirm(post, token).status_code == 200


def test_an_expired_reset_link_is_refused_and_changes_nothing(post, user, reset_link):
    token = reset_link(user.email)
    UserPasswordResetToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = confirm(post, token)

    assert (response.status_code, response.json()) == (400, token_expired(response))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_unknown_reset_token_is_refused(post, user, reset_link):
    reset_link(user.email)

    response = confirm(post, "not-a-token-we-issued")

    assert (response.status_code, response.json()) == (400, token_invalid(response))


def test_a_verification_token_is_not_a_reset_token(post):
    post(
        "auth/signup",
        {"email": "mixed@example.com", "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "Lovelace"},
    )

    response = confirm(post, last_link_token())

    assert (response.status_code, response.json()) == (400, token_invalid(response))


# What a reset changes -------------------------------------------------------------------------


def test_a_reset_on_a_pending_account_verifies_it_activates_it_and_clears_its_failures(post, make_user, reset_link):
    user = make_user(email_verified_at=None, status_id=status_id(UserStatus.PENDING))
    for attempt in range(2):
        assert login(post, user.email, f"Wrong-password-{attempt}").status_code == 401
    user.refresh_from_db()
    assert (user.failed_login_attempts, user.status.code) == (2, UserStatus.PENDING)
    before = timezone.now()

    response = confirm(post, reset_link(user.email))

    assert (response.status_code, response.json()) == (
        200,
        {"detail": "Your password has been reset. Sign in with the new one."},
    )
    user.refresh_from_db()
    assert user.status.code == UserStatus.ACTIVE
    assert user.email_verified_at is not None and user.email_verified_at >= before
    assert user.failed_login_attempts == 0
    assert login(post, user.email, NEW_PASSWORD).status_code == 200


def test_a_reset_on_one_pending_account_leaves_other_pending_accounts_alone(post, make_user, reset_link):
    pending = status_id(UserStatus.PENDING)
    user = make_user(email_verified_at=None, status_id=pending)
    other = make_user(email="other@example.com", email_verified_at=None, status_id=pending)

    assert confirm(post, reset_link(user.email)).status_code == 200

    other.refresh_from_db()
    assert (other.status.code, other.email_verified_at) == (UserStatus.PENDING, None)
    assert other.check_password(PASSWORD)


def test_a_reset_keeps_the_first_verification_time(post, make_user, reset_link):
    verified = timezone.now() - timedelta(days=30)
    user = make_user(email_verified_at=verified)

    assert confirm(post, reset_link(user.email)).status_code == 200

    user.refresh_from_db()
    assert (user.email_verified_at, user.status.code) == (verified, UserStatus.ACTIVE)


def test_a_reset_on_a_suspended_account_changes_the_password_but_not_the_suspension(post, make_user, reset_link):
    user = make_user(email_verified_at=None, status_id=status_id(UserStatus.SUSPENDED))

    assert confirm(post, reset_link(user.email)).status_code == 200

    user.refresh_from_db()
    assert user.status.code == UserStatus.SUSPENDED
    assert user.check_password(NEW_PASSWORD)
    refused = login(post, user.email, NEW_PASSWORD)
    assert (refused.status_code, refused.json()) == (
        401,
        error(refused, "invalid_credentials", InvalidCredentials.message),
    )


def test_a_reset_lifts_the_whole_lock_and_restarts_the_password_age(post, make_user, reset_link):
    user = make_user()
    User.objects.filter(pk=user.pk).update(
        is_locked=True,
        locked_until=timezone.now() + timedelta(hours=1),
        locked_reason="Too many failed sign-in attempts.",
        failed_login_attempts=5,
        last_password_change=timezone.now() - timedelta(days=400),
    )
    before = timezone.now()

    assert confirm(post, reset_link(user.email)).status_code == 200

    user.refresh_from_db()
    assert (user.is_locked, user.locked_until, user.locked_reason, user.failed_login_attempts) == (False, None, "", 0)
    assert user.last_password_change >= before
    tokens = login(post, user.email, NEW_PASSWORD).json()
    assert client(tokens["access"]).get(f"{API}users/me").status_code == 200  # not password_expired


def test_a_reset_ends_every_session_and_clears_the_session_token(post, user, reset_link):
    tokens = login(post, user.email, PASSWORD).json()
    user.refresh_from_db()
    assert user.session_token

    assert confirm(post, reset_link(user.email)).status_code == 200

    user.refresh_from_db()
    assert user.session_token == ""
    assert client(tokens["access"]).get(f"{API}users/me").status_code == 401
    assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401


def test_a_reset_is_recorded_as_auth_events_and_in_the_audit_trail(post, user, reset_link):
    confirm(post, reset_link(user.email))

    assert list(
        AuthEvent.objects.filter(event_type__startswith="password_reset")
        .order_by("pk")
        .values_list("event_type", "user_id", "email")
    ) == [("password_reset_requested", user.pk, user.email), ("password_reset_completed", user.pk, user.email)]
    action = ActivityLog.objects.filter(action="password_reset").get()
    assert (action.entity_type, action.entity_id, action.user_id) == ("User", str(user.pk), user.pk)
    change = AuditUser.objects.filter(user_id=user.pk).latest("pk")
    assert (change.operation, change.changed_by_id, change.changed_fields) == (
        "update",
        user.pk,
        ["AccessTokenVersion", "LastPasswordChange", "RefreshTokenVersion"],
    )


# What outlives a password change ---------------------------------------------------------------


def test_a_password_change_voids_the_users_unused_reset_links_but_not_other_users(post, make_user, reset_link):
    user = make_user()
    other = make_user(email="other@example.com")
    own_link = reset_link(user.email)
    others_link = reset_link(other.email)
    tokens = login(post, user.email, PASSWORD).json()

    changed = post(
        "auth/password-change", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, access=tokens["access"]
    )

    assert changed.status_code == 200
    refused = confirm(post, own_link, "Yet-another-passphrase-7")
    assert (refused.status_code, refused.json()) == (400, token_invalid(refused))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert confirm(post, others_link).status_code == 200


def test_a_used_reset_link_keeps_the_time_it_was_used(post, user, reset_link):
    token = reset_link(user.email)
    before = timezone.now()
    assert confirm(post, token).status_code == 200
    used_at = UserPasswordResetToken.objects.get(token_hash=hash_token(token)).used_at
    assert before <= used_at <= timezone.now()

    tokens = login(post, user.email, NEW_PASSWORD).json()
    post(
        "auth/password-change",
        {"currentPassword": NEW_PASSWORD, "newPassword": "Third-long-passphrase-3"},
        access=tokens["access"],
    )

    assert UserPasswordResetToken.objects.get(token_hash=hash_token(token)).used_at == used_at


# Whose links a new or used link touches ---------------------------------------------------------


def test_one_users_new_and_used_links_leave_other_users_links_working(post, make_user, reset_link, set_setting):
    set_setting("security.rate_limits", '{"passwordReset": "100/min"}')  # six calls from one client
    user = make_user()
    other = make_user(email="other@example.com")
    others_link = reset_link(other.email)
    first = reset_link(user.email)
    second = reset_link(user.email)  # voids ``first``, and only it

    assert confirm(post, first).status_code == 400
    assert confirm(post, second).status_code == 200
    assert confirm(post, others_link, "Others-new-passphrase-5").status_code == 200
    other.refresh_from_db()
    assert other.check_password("Others-new-passphrase-5")


def test_a_new_link_leaves_the_time_a_used_one_was_used(post, user, reset_link):
    used = reset_link(user.email)
    assert confirm(post, used).status_code == 200
    used_at = UserPasswordResetToken.objects.get(token_hash=hash_token(used)).used_at

    reset_link(user.email)

    assert UserPasswordResetToken.objects.get(token_hash=hash_token(used)).used_at == used_at


def test_the_reset_email_names_itself_and_the_link_expiry(post, user, reset_link):
    reset_link(user.email)

    assert mail.outbox[-1].subject == "Reset your EventLead password"
    assert "expires in 60 minutes" in mail.outbox[-1].body


def test_a_reset_token_keeps_the_address_the_reset_was_asked_from(user, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    from accounts.models import UserPasswordResetToken

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient(REMOTE_ADDR="198.51.100.44").post(
            "/api/v1/auth/password-reset", {"email": user.email}, format="json"
        )

    assert response.status_code == 202
    assert list(UserPasswordResetToken.objects.values_list("requested_ip", flat=True)) == ["198.51.100.44"]
