"""Sign-up and email verification: what a verification link changes, and what it must leave alone."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.addresses import MESSAGE_INVALID
from accounts.models import User, UserEmailVerificationToken
from accounts.services import email_verification_token_issue
from accounts.tokens import hash_token
from auditing.models import ActivityLog, AuditUser
from eventlead.core.exceptions import InvalidCredentials, ValidationFailed
from logging_app.models import EmailDelivery
from reference.models import UserStatus

from .http_support import error, last_link_token, token_expired, token_invalid

pytestmark = pytest.mark.django_db

EMAIL = "new@example.com"
PASSWORD = "Long-enough-pass-1"


@pytest.fixture
def signed_up(post):
    """A pending account made through the API, and the token of its verification link."""
    assert (
        post(
            "auth/signup", {"email": EMAIL, "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace"}
        ).status_code
        == 202
    )
    return User.objects.get(email=EMAIL), last_link_token()


def set_status(user, code):
    User.objects.filter(pk=user.pk).update(status=UserStatus.objects.get(code=code))


def test_verifying_a_suspended_account_records_the_address_but_leaves_it_suspended(post, signed_up):
    user, token = signed_up
    set_status(user, UserStatus.SUSPENDED)

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (200, {"verified": True})
    user.refresh_from_db()
    assert user.status.code == UserStatus.SUSPENDED
    assert user.email_verified_at is not None
    login = post("auth/login", {"email": EMAIL, "password": PASSWORD})
    assert (login.status_code, login.json()) == (401, error(login, "invalid_credentials", InvalidCredentials.message))


def test_verifying_a_pending_account_makes_it_active_and_able_to_sign_in(post, signed_up):
    user, token = signed_up

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (200, {"verified": True})
    user.refresh_from_db()
    assert user.status.code == UserStatus.ACTIVE
    assert post("auth/login", {"email": EMAIL, "password": PASSWORD}).status_code == 200


def test_verifying_one_account_leaves_every_other_account_as_it_was(post, signed_up, make_user):
    user, token = signed_up
    other = make_user(
        email="other@example.com", email_verified_at=None, status_id=UserStatus.objects.get(code=UserStatus.PENDING).pk
    )

    assert post("auth/verify-email", {"token": token}).status_code == 200

    other.refresh_from_db()
    assert (other.status.code, other.email_verified_at) == (UserStatus.PENDING, None)


def test_verifying_an_already_verified_address_keeps_the_first_time_and_the_status(post, make_user):
    first_verified = timezone.now() - timedelta(days=30)
    user = make_user(email_verified_at=first_verified)
    # A link made after verification, as a retried sign-up email makes one.
    token = email_verification_token_issue(user=user)

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (200, {"verified": True})
    user.refresh_from_db()
    assert user.email_verified_at == first_verified
    assert user.status.code == UserStatus.ACTIVE


def test_verification_is_recorded_in_the_audit_trail_as_the_user(post, signed_up):
    user, token = signed_up

    post("auth/verify-email", {"token": token})

    change = AuditUser.objects.filter(user_id=user.pk).latest("pk")
    assert (change.operation, change.changed_by_id) == ("update", user.pk)
    assert change.changed_fields == ["EmailVerifiedAt", "StatusID"]
    assert change.old_values == {"EmailVerifiedAt": None, "StatusID": user.status_id}
    user.refresh_from_db()
    assert change.new_values == {"EmailVerifiedAt": user.email_verified_at.isoformat(), "StatusID": user.status_id}
    action = ActivityLog.objects.latest("pk")
    assert (action.action, action.entity_type, action.entity_id, action.user_id) == (
        "email_verified",
        "User",
        str(user.pk),
        user.pk,
    )


def test_an_expired_verification_link_is_refused_and_changes_nothing(post, signed_up):
    user, token = signed_up
    UserEmailVerificationToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (400, token_expired(response))
    user.refresh_from_db()
    assert (user.status.code, user.email_verified_at) == (UserStatus.PENDING, None)
    assert UserEmailVerificationToken.objects.get(token_hash=hash_token(token)).used_at is None


def test_a_verification_link_lasts_the_configured_hours_from_when_it_was_issued(post, make_user, set_setting):
    set_setting("auth.email_verification_hours", 2)
    user = make_user(email_verified_at=None, status_id=UserStatus.objects.get(code=UserStatus.PENDING).pk)
    issued = timezone.now() - timedelta(hours=3)
    stale = email_verification_token_issue(user=user, now=issued)
    stored = UserEmailVerificationToken.objects.get(token_hash=hash_token(stale))
    assert (stored.created_date, stored.expires_at) == (issued, issued + timedelta(hours=2))

    response = post("auth/verify-email", {"token": stale})

    assert (response.status_code, response.json()) == (400, token_expired(response))
    fresh = email_verification_token_issue(user=user, now=timezone.now() - timedelta(hours=1))
    assert post("auth/verify-email", {"token": fresh}).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token-we-issued", "x" * 200])
def test_an_unknown_verification_token_is_refused(post, signed_up, token):
    user, _ = signed_up

    response = post("auth/verify-email", {"token": token})

    assert (response.status_code, response.json()) == (400, token_invalid(response))
    user.refresh_from_db()
    assert (user.status.code, user.email_verified_at) == (UserStatus.PENDING, None)


def test_a_used_verification_link_is_refused_the_second_time(post, signed_up):
    _, token = signed_up
    assert post("auth/verify-email", {"token": token}).status_code == 200

    again = post("auth/verify-email", {"token": token})

    assert (again.status_code, again.json()) == (400, token_invalid(again))


# Sign-up ---------------------------------------------------------------------------------------


def test_the_sign_up_emails_name_themselves(post, make_user):
    make_user(email="known@example.com")

    for email in (EMAIL, "known@example.com"):
        post("auth/signup", {"email": email, "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace"})

    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([EMAIL], "Verify your EventLead email address"),
        (["known@example.com"], "Someone tried to sign up with your email address"),
    ]


def test_sign_up_stores_the_names_and_the_password_time_and_is_audited_as_the_new_user(post):
    before = timezone.now()

    post("auth/signup", {"email": EMAIL, "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace"})

    user = User.objects.get(email=EMAIL)
    assert (user.first_name, user.last_name, user.status.code) == ("Ada", "Lovelace", UserStatus.PENDING)
    assert before <= user.last_password_change <= timezone.now()
    change = AuditUser.objects.get(user_id=user.pk)
    assert (change.operation, change.changed_by_id, change.old_values) == ("insert", user.pk, None)
    assert change.new_values["Email"] == EMAIL and "PasswordHash" not in change.new_values
    action = ActivityLog.objects.get()
    assert (action.action, action.entity_type, action.entity_id, action.user_id) == (
        "user_signed_up",
        "User",
        str(user.pk),
        user.pk,
    )


def test_sign_up_refuses_a_password_like_the_address_or_the_names(post):
    for password in ("new@example.com1", "Ada-Lovelace-1"):
        response = post(
            "auth/signup", {"email": EMAIL, "password": password, "firstName": "Ada", "lastName": "Lovelace"}
        )

        assert response.status_code == 400
        assert response.json()["error"]["fields"]["password"][0].startswith("The password is too similar to the")
    assert not User.objects.exists()


def test_the_notice_to_an_existing_account_is_logged_against_that_account(post, make_user):
    known = make_user(email="known@example.com")

    post("auth/signup", {"email": "Known@Example.com", "password": PASSWORD, "firstName": "Ada", "lastName": "L"})

    assert list(EmailDelivery.objects.values_list("email_type", "recipient_email", "user_id")) == [
        ("signup_existing_account", "known@example.com", known.pk)
    ]


# 188 characters as typed, but each 60-"ß" label is far longer than 63 once IDNA2008 writes it in
# ASCII (the stored form): no address.
LONG_WHEN_NORMALIZED = "a@" + ".".join(["\u00df" * 60] * 3) + ".com"


def test_sign_up_refuses_an_address_too_long_once_normalized_and_creates_nothing(post):
    response = post(
        "auth/signup", {"email": LONG_WHEN_NORMALIZED, "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace"}
    )

    assert (response.status_code, response.json()) == (
        400,
        error(
            response,
            "validation_error",
            ValidationFailed.message,
            {"email": [MESSAGE_INVALID]},
        ),
    )
    assert not User.objects.exists()
    assert mail.outbox == []


EXACTLY_254 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"


@pytest.mark.parametrize(
    ("typed", "status"),
    # 254 typed; with one "ß" the label's ASCII (punycode) form is longer: 255 or more once stored.
    [(EXACTLY_254, 202), (EXACTLY_254.replace("d", "\u00df", 1), 400)],
)
def test_sign_up_takes_an_address_of_up_to_254_characters_once_normalized(post, typed, status):
    assert len(typed) == 254

    response = post("auth/signup", {"email": typed, "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace"})

    assert response.status_code == status
    assert User.objects.exists() == (status == 202)


def test_resend_to_a_verified_address_sends_nothing(post, make_user):
    make_user(email=EMAIL)

    response = post("auth/verify-email/resend", {"email": EMAIL})

    assert response.status_code == 202
    assert mail.outbox == []
