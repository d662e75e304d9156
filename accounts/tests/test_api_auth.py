"""Sign-up, verification, login, refresh, logout and password flows over HTTP."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.core import mail
from django.utils import timezone
from rest_framework import status

from accounts.models import User, UserEmailVerificationToken, UserPasswordResetToken
from accounts.tokens import hash_token
from eventlead.core.exceptions import InvalidCredentials
from logging_app.models import AuthEvent, EmailDelivery

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-long-passphrase-42"


@pytest.fixture
def post(api_client, django_capture_on_commit_callbacks):
    """POST JSON and run the on-commit callbacks (the emails) as a committed request would."""

    def do(path, body=None, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or api_client).post(f"/api/v1/{path}", body or {}, format="json")

    return do


def link_token(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


def bearer(client_factory, access):
    client = client_factory()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def client_factory():
    from rest_framework.test import APIClient

    return APIClient


def signup(post, email="new@example.com", password="Long-enough-pass-1"):
    return post("auth/signup", {"email": email, "password": password, "firstName": "Ada", "lastName": "Lovelace"})


# Sign-up --------------------------------------------------------------------------------------


def test_signup_creates_pending_user_and_emails_a_verification_link(post, settings):
    response = signup(post)

    assert response.status_code == status.HTTP_202_ACCEPTED
    assert response.json() == {"detail": "If the address can be used, an email with the next step is on its way."}
    user = User.objects.get(email="new@example.com")
    assert user.status.code == "pending"
    assert user.password.startswith("argon2$argon2id$")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert link_token(mail.outbox[0])
    assert mail.outbox[0].body.count(settings.FRONTEND_BASE_URL + "/verify-email?token=") == 1
    delivery = EmailDelivery.objects.get()
    assert (delivery.email_type, delivery.status, delivery.attempt_count) == ("email_verification", "sent", 1)


def test_signup_with_a_registered_email_answers_the_same_and_notifies_the_owner(post, user):
    response = signup(post, email="  MEMBER@Example.com ")

    assert response.status_code == status.HTTP_202_ACCEPTED
    assert response.json() == signup(post, email="fresh@example.com").json()
    assert User.objects.filter(email="member@example.com").count() == 1
    assert mail.outbox[0].to == ["member@example.com"]
    assert "already has one" in mail.outbox[0].body
    assert "token=" not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "Use at least 8 characters."),
        ("onlyletterslong", "Use both letters and digits."),
        ("password1", "This password is too common."),
    ],
)
def test_signup_refuses_weak_passwords_and_creates_nothing(post, password, message):
    response = signup(post, password=password)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert message in body["error"]["fields"]["password"]
    assert not User.objects.exists()
    assert mail.outbox == []


def test_password_rules_follow_app_settings_at_request_time(post, set_setting):
    set_setting("auth.password_min_length", 20)
    assert signup(post, password="Only-19-characters1").status_code == 400
    set_setting("auth.password_require_mixed", "false")
    set_setting("auth.password_min_length", 8)
    assert signup(post, password="lettersonly-passphrase").status_code == 202


def test_signup_accepts_a_long_unicode_passphrase_and_login_needs_it_exactly(post, api_client):
    passphrase = "correct horse battery staple 🐎 with 42 extra words ok!"
    signup(post, email="pp@example.com", password=passphrase)
    post("auth/verify-email", {"token": link_token(mail.outbox[0])})

    assert post("auth/login", {"email": "pp@example.com", "password": passphrase}).status_code == 200
    assert post("auth/login", {"email": "pp@example.com", "password": passphrase[:-1]}).status_code == 401


def test_a_4kb_password_is_refused_before_hashing(post):
    response = signup(post, password="a1" * 2048)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == ["Ensure this field has no more than 256 characters."]


def test_signup_ignores_fields_it_does_not_accept(post):
    body = {
        "email": "mass@example.com",
        "password": "Long-enough-pass-1",
        "firstName": "A",
        "lastName": "B",
        "isStaff": True,
        "status": "active",
        "isLocked": True,
        "failedLoginAttempts": 9,
        "accessTokenVersion": 99,
        "emailVerifiedAt": "2020-01-01T00:00:00Z",
        "userRole": "system_admin",
    }
    assert post("auth/signup", body).status_code == 202

    user = User.objects.get(email="mass@example.com")
    assert (user.status.code, user.user_role.code, user.is_locked) == ("pending", "company_user", False)
    assert (user.failed_login_attempts, user.access_token_version, user.email_verified_at) == (0, 1, None)


# Email verification ---------------------------------------------------------------------------


def test_verify_email_activates_the_account_once(post):
    signup(post)
    token = link_token(mail.outbox[0])

    response = post("auth/verify-email", {"token": token})

    assert response.status_code == 200
    assert response.json() == {"verified": True}
    user = User.objects.get(email="new@example.com")
    assert user.status.code == "active" and user.email_verified_at is not None
    assert AuthEvent.objects.filter(user=user, event_type="email_verified").count() == 1
    again = post("auth/verify-email", {"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "token_invalid"


def test_only_the_hash_of_a_verification_token_is_stored(post):
    signup(post)
    token = link_token(mail.outbox[0])

    stored = UserEmailVerificationToken.objects.get()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert len(token) >= 43  # 32 random bytes, base64url


def test_verification_token_expires_after_the_configured_hours(post):
    signup(post)
    token = link_token(mail.outbox[0])
    stored = UserEmailVerificationToken.objects.get()
    assert stored.expires_at - stored.created_date == timedelta(hours=24)

    from accounts.services import email_verify
    from eventlead.core.exceptions import TokenExpired

    with pytest.raises(TokenExpired):
        email_verify(token=token, now=stored.expires_at + timedelta(seconds=1))
    assert email_verify(token=token, now=stored.expires_at).status.code == "active"


def test_resend_invalidates_the_older_link_and_answers_the_same_for_unknown_addresses(post):
    signup(post)
    first = link_token(mail.outbox[0])

    known = post("auth/verify-email/resend", {"email": "new@example.com"})
    unknown = post("auth/verify-email/resend", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(mail.outbox) == 2
    assert post("auth/verify-email", {"token": first}).json()["error"]["code"] == "token_invalid"
    assert post("auth/verify-email", {"token": link_token(mail.outbox[1])}).status_code == 200


# Login, refresh, logout -----------------------------------------------------------------------


def test_login_returns_tokens_and_the_profile(post, user):
    response = post("auth/login", {"email": "Member@Example.com", "password": "Correct-horse-battery-9"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"] == {
        "userId": user.id,
        "email": "member@example.com",
        "firstName": "Mia",
        "lastName": "Nguyen",
        "phone": "",
        "roleTitle": "",
        "timezoneIdentifier": "Australia/Sydney",
        "profilePictureUrl": "",
        "emailVerifiedAt": body["user"]["emailVerifiedAt"],
        "status": "active",
        "lastLogin": body["user"]["lastLogin"],
        "mfaEnabled": False,
        "companies": [],
    }
    user.refresh_from_db()
    assert user.last_login is not None and user.session_token
    assert AuthEvent.objects.filter(user=user, event_type="login_success").count() == 1


@pytest.mark.parametrize("case", ["unknown", "wrong_password", "locked", "suspended"])
def test_login_failures_are_one_generic_401(post, user, case):
    email, password = "member@example.com", "Correct-horse-battery-9"
    if case == "unknown":
        email = "someone@example.com"
    elif case == "wrong_password":
        password = "Wrong-password-123"
    elif case == "locked":
        User.objects.filter(pk=user.pk).update(is_locked=True, locked_until=timezone.now() + timedelta(minutes=5))
    else:
        from reference.models import UserStatus

        User.objects.filter(pk=user.pk).update(status=UserStatus.objects.get(code="suspended"))

    response = post("auth/login", {"email": email, "password": password})

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": InvalidCredentials.message,
            "requestId": response["X-Request-ID"],
        }
    }


def test_unverified_email_is_reported_only_after_the_right_password(post):
    signup(post)
    wrong = post("auth/login", {"email": "new@example.com", "password": "Not-the-password-1"})
    right = post("auth/login", {"email": "new@example.com", "password": "Long-enough-pass-1"})

    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert right.status_code == 403
    assert right.json()["error"]["code"] == "email_not_verified"


def test_access_token_lifetime_follows_the_setting_for_the_next_token(post, user, set_setting, settings):
    first = post("auth/login", {"email": user.email, "password": "Correct-horse-battery-9"}).json()
    set_setting("auth.access_token_minutes", 42)
    second = post("auth/login", {"email": user.email, "password": "Correct-horse-battery-9"}).json()

    def lifetime(token):
        claims = jwt.decode(token, options={"verify_signature": False})
        return claims["exp"] - claims["iat"]

    assert lifetime(first["access"]) == 15 * 60
    assert lifetime(second["access"]) == 42 * 60
    refresh = jwt.decode(second["refresh"], options={"verify_signature": False})
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_refresh_rotates_and_the_old_refresh_token_dies(post, login):
    tokens = login()

    rotated = post("auth/token/refresh", {"refresh": tokens["refresh"]})
    replay = post("auth/token/refresh", {"refresh": tokens["refresh"]})

    assert rotated.status_code == 200 and set(rotated.json()) == {"access", "refresh"}
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_invalid"
    # A rotated token coming back is taken for theft: the session ends, with the tokens issued after it.
    assert post("auth/token/refresh", {"refresh": rotated.json()["refresh"]}).status_code == 401


def test_logout_kills_that_refresh_token_only(post, login, client_factory):
    device_a, device_b = login(), login()

    response = post("auth/logout", {"refresh": device_a["refresh"]}, client=bearer(client_factory, device_a["access"]))

    assert response.status_code == 204
    assert post("auth/token/refresh", {"refresh": device_a["refresh"]}).status_code == 401
    assert post("auth/token/refresh", {"refresh": device_b["refresh"]}).status_code == 200


def test_logout_all_rejects_every_earlier_token_at_once(post, login, client_factory):
    device_a, device_b = login(), login()

    response = post("auth/logout-all", client=bearer(client_factory, device_a["access"]))

    assert response.status_code == 204
    for device in (device_a, device_b):
        assert bearer(client_factory, device["access"]).get("/api/v1/users/me").status_code == 401
        assert post("auth/token/refresh", {"refresh": device["refresh"]}).status_code == 401
    fresh = login()
    assert bearer(client_factory, fresh["access"]).get("/api/v1/users/me").status_code == 200


@pytest.mark.parametrize("change", ["suspend", "soft_delete", "lock"])
def test_tokens_die_when_the_account_is_suspended_deleted_or_locked(post, user, login, client_factory, change):
    tokens = login()
    from reference.models import UserStatus

    fields = {
        "suspend": {"status": UserStatus.objects.get(code="suspended")},
        "soft_delete": {"is_deleted": True, "deleted_date": timezone.now()},
        "lock": {"is_locked": True, "locked_until": timezone.now() + timedelta(minutes=30)},
    }[change]
    User.objects.filter(pk=user.pk).update(**fields)

    assert bearer(client_factory, tokens["access"]).get("/api/v1/users/me").status_code == 401
    assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401


# Lockout --------------------------------------------------------------------------------------


def test_lockout_after_the_configured_failures_refuses_even_the_right_password(post, user):
    for _ in range(5):
        assert post("auth/login", {"email": user.email, "password": "Wrong-password-1"}).status_code == 401

    user.refresh_from_db()
    assert user.is_locked and user.failed_login_attempts == 5
    assert user.locked_until - user.last_failed_login_at == timedelta(minutes=30)
    assert post("auth/login", {"email": user.email, "password": "Correct-horse-battery-9"}).status_code == 401
    assert [m.subject for m in mail.outbox] == ["Your EventLead account has been locked"]
    assert AuthEvent.objects.filter(user=user, event_type="account_locked").count() == 1


def test_lock_lifts_when_its_time_is_up(user):
    from accounts.services import credentials_check, login_failure_register

    start = timezone.now()
    for _ in range(5):
        login_failure_register(user=user, now=start)
    user.refresh_from_db()
    with pytest.raises(InvalidCredentials):
        credentials_check(
            email=user.email, password="Correct-horse-battery-9", now=user.locked_until - timedelta(seconds=1)
        )

    assert credentials_check(email=user.email, password="Correct-horse-battery-9", now=user.locked_until) == user
    user.refresh_from_db()
    assert (user.is_locked, user.failed_login_attempts) == (False, 0)


def test_success_resets_the_failure_count(post, user):
    post("auth/login", {"email": user.email, "password": "Wrong-password-1"})
    post("auth/login", {"email": user.email, "password": "Correct-horse-battery-9"})

    user.refresh_from_db()
    assert user.failed_login_attempts == 0


def test_forged_forwarded_for_does_not_escape_the_login_throttle(post, user, set_setting, api_client):
    set_setting("security.rate_limits", '{"login": "3/min"}')
    codes = []
    for n in range(5):
        api_client.credentials(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        codes.append(post("auth/login", {"email": "x@example.com", "password": "whatever-1"}).status_code)

    assert codes == [401, 401, 401, 429, 429]
    throttled = post("auth/login", {"email": "x@example.com", "password": "whatever-1"}).json()
    assert throttled["error"]["code"] == "throttled"


# Password reset and change --------------------------------------------------------------------


def test_password_reset_flow_revokes_every_token_and_unlocks(post, user, login, client_factory):
    tokens = login()
    User.objects.filter(pk=user.pk).update(is_locked=True, locked_until=timezone.now() + timedelta(hours=1))

    assert post("auth/password-reset", {"email": user.email}).status_code == 202
    token = link_token(mail.outbox[0])
    response = post("auth/password-reset/confirm", {"token": token, "newPassword": NEW_PASSWORD})

    assert response.status_code == 200
    assert "access" not in response.json()
    user.refresh_from_db()
    assert not user.is_locked and user.check_password(NEW_PASSWORD)
    assert bearer(client_factory, tokens["access"]).get("/api/v1/users/me").status_code == 401
    assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 401
    assert (
        post("auth/password-reset/confirm", {"token": token, "newPassword": "Yet-another-pass-77"}).json()["error"][
            "code"
        ]
        == "token_invalid"
    )
    assert login(password=NEW_PASSWORD)["access"]


def test_password_reset_answers_the_same_for_unknown_addresses_and_leaves_lock_fields(post, user):
    known = post("auth/password-reset", {"email": user.email})
    unknown = post("auth/password-reset", {"email": "ghost@example.com"})

    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    assert len(mail.outbox) == 1
    user.refresh_from_db()
    assert (user.is_locked, user.failed_login_attempts) == (False, 0)


def test_reset_link_ignores_the_request_host(post, user, api_client, settings):
    api_client.credentials(HTTP_X_FORWARDED_HOST="evil.example")
    post("auth/password-reset", {"email": user.email})

    assert "evil.example" not in mail.outbox[0].body
    assert settings.FRONTEND_BASE_URL + "/reset-password?token=" in mail.outbox[0].body


def test_a_dotless_i_address_never_reaches_the_plain_i_account(post, user):
    User.objects.filter(pk=user.pk).update(email="mike@x.org")

    post("auth/password-reset", {"email": "mıke@x.org"})
    signup(post, email="mıke@x.org")

    assert all(message.to != ["mike@x.org"] for message in mail.outbox)


def test_reset_token_is_single_use_expires_and_a_new_one_voids_the_old(user):
    from accounts.services import password_reset_confirm, password_reset_token_issue
    from eventlead.core.exceptions import TokenExpired, TokenInvalid

    now = timezone.now()
    old = password_reset_token_issue(user=user, now=now)
    new = password_reset_token_issue(user=user, now=now)
    with pytest.raises(TokenInvalid):
        password_reset_confirm(token=old, new_password=NEW_PASSWORD, now=now)
    expires = UserPasswordResetToken.objects.get(token_hash=hash_token(new)).expires_at
    assert expires - now == timedelta(minutes=60)
    with pytest.raises(TokenExpired):
        password_reset_confirm(token=new, new_password=NEW_PASSWORD, now=expires + timedelta(seconds=1))
    password_reset_confirm(token=new, new_password=NEW_PASSWORD, now=expires)


def test_password_change_needs_the_current_password_and_ends_other_sessions(post, login, client_factory):
    other_device, this_device = login(), login()
    client = bearer(client_factory, this_device["access"])

    wrong = post("auth/password-change", {"currentPassword": "nope", "newPassword": NEW_PASSWORD}, client=client)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"] == {"currentPassword": ["The current password is incorrect."]}

    response = post(
        "auth/password-change",
        {"currentPassword": "Correct-horse-battery-9", "newPassword": NEW_PASSWORD},
        client=client,
    )

    assert response.status_code == 200 and set(response.json()) == {"access", "refresh"}
    assert bearer(client_factory, other_device["access"]).get("/api/v1/users/me").status_code == 401
    assert bearer(client_factory, this_device["access"]).get("/api/v1/users/me").status_code == 401
    assert bearer(client_factory, response.json()["access"]).get("/api/v1/users/me").status_code == 200


def test_an_expired_password_blocks_everything_but_change_and_logout(post, user, login, client_factory):
    tokens = login()
    User.objects.filter(pk=user.pk).update(last_password_change=timezone.now() - timedelta(days=91))
    client = bearer(client_factory, tokens["access"])

    response = client.get("/api/v1/users/me")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_expired"
    changed = post(
        "auth/password-change",
        {"currentPassword": "Correct-horse-battery-9", "newPassword": NEW_PASSWORD},
        client=client,
    )
    assert changed.status_code == 200
    assert bearer(client_factory, changed.json()["access"]).get("/api/v1/users/me").status_code == 200


def test_password_expiry_zero_disables_it(user, login, client_factory, set_setting):
    tokens = login()
    User.objects.filter(pk=user.pk).update(last_password_change=timezone.now() - timedelta(days=900))
    set_setting("auth.password_expiry_days", 0)

    assert bearer(client_factory, tokens["access"]).get("/api/v1/users/me").status_code == 200


def test_a_refresh_runs_a_fixed_set_of_statements(post, login, django_assert_num_queries):
    first = post("auth/token/refresh", {"refresh": login()["refresh"]}).json()  # compiles, warms the settings

    # throttle (database cache): counter read, then key read and counter write in a transaction;
    # the session with its user, status and role; the rotation's transaction: the blacklist insert
    # (INSERT ... SELECT of the outstanding row; its unique column refuses a second use, so no
    # look-up first), the session's new expiry, the auth event, the new outstanding token. The
    # test's own transaction makes each BEGIN/COMMIT a SAVEPOINT/RELEASE, which are counted: 8 + 4.
    with django_assert_num_queries(12):
        response = post("auth/token/refresh", {"refresh": first["refresh"]})

    assert response.status_code == 200
