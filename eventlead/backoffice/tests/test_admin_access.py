"""Who gets into the back office: system admins only, lockout shared with the API, TOTP when required."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from eventlead.backoffice import two_factor
from logging_app.models import AuthEvent, AuthEventType
from reference.models import UserRole, UserStatus
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

STAFF_ONLY_MESSAGE = "Please enter the correct email and password for a staff account."
LOGIN_URL = "/admin/login/?next=/admin/"


@pytest.fixture
def admin_user(db, settings, password):
    settings.ADMIN_REQUIRE_2FA = False
    return User.objects.create_superuser("boss@example.com", password)


def sign_in(client, email, password):
    return client.post(LOGIN_URL, {"username": email, "password": password, "next": "/admin/"})


def code_for(device, *, steps_ahead=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step):06d}"


def test_a_system_admin_signs_in_with_email_and_password(client, admin_user, password):
    response = sign_in(client, "Boss@Example.com", password)

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_company_user_with_the_right_password_gets_the_standard_refusal(client, admin_user, make_user, password):
    make_user("member@example.com")

    response = sign_in(client, "member@example.com", password)

    assert response.status_code == 200
    assert STAFF_ONLY_MESSAGE in response.content.decode()
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        {"status_id": lambda: reference_id(UserStatus, UserStatus.SUSPENDED)},
        {"is_locked": lambda: True, "locked_until": lambda: timezone.now() + timedelta(minutes=10)},
        {"is_deleted": lambda: True},
    ],
)
def test_a_suspended_locked_or_deleted_admin_is_refused(client, admin_user, password, change):
    User.objects.filter(pk=admin_user.pk).update(**{field: value() for field, value in change.items()})

    response = sign_in(client, admin_user.email, password)

    assert STAFF_ONLY_MESSAGE in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_admin_who_is_suspended_loses_access_on_the_next_request(client, admin_user, password):
    sign_in(client, admin_user.email, password)
    User.objects.filter(pk=admin_user.pk).update(status_id=reference_id(UserStatus, UserStatus.SUSPENDED))

    assert client.get("/admin/").status_code == 302


def test_failed_admin_sign_ins_lock_the_account_like_the_api(client, admin_user, password, set_setting):
    set_setting("security.max_failed_login_attempts", 3)
    set_setting("security.lockout_minutes", 20)
    before = timezone.now()

    for _ in range(3):
        assert STAFF_ONLY_MESSAGE in sign_in(client, admin_user.email, "Wrong-password-1").content.decode()

    admin_user.refresh_from_db()
    assert admin_user.is_locked
    assert admin_user.failed_login_attempts == 3
    assert before + timedelta(minutes=20) <= admin_user.locked_until <= timezone.now() + timedelta(minutes=20)
    # Now even the right password is refused, as on the API.
    assert STAFF_ONLY_MESSAGE in sign_in(client, admin_user.email, password).content.decode()
    events = list(AuthEvent.objects.filter(user=admin_user).values_list("event_type", flat=True).order_by("id"))
    assert events == [AuthEventType.LOGIN_FAILED] * 3 + [AuthEventType.ACCOUNT_LOCKED, AuthEventType.LOGIN_FAILED]


def test_a_successful_admin_sign_in_clears_the_failure_count(client, admin_user, password):
    sign_in(client, admin_user.email, "Wrong-password-1")

    sign_in(client, admin_user.email, password)

    admin_user.refresh_from_db()
    assert admin_user.failed_login_attempts == 0
    assert admin_user.last_login is not None
    assert AuthEvent.objects.filter(user=admin_user, event_type=AuthEventType.LOGIN_SUCCESS).count() == 1


# Two-factor sign-in ----------------------------------------------------------------------------


@pytest.fixture
def two_factor_on(settings, admin_user):
    settings.ADMIN_REQUIRE_2FA = True


def test_with_two_factor_on_a_password_alone_does_not_reach_the_admin(client, admin_user, password, two_factor_on):
    response = sign_in(client, admin_user.email, password)

    assert response.status_code == 302
    assert response.url == "/admin/two-factor/?next=%2Fadmin%2F"
    index = client.get("/admin/")
    assert index.status_code == 302 and index.url.startswith("/admin/login/")
    # The login page sends a half-signed-in admin on to the code step.
    assert client.get(index.url).url.startswith("/admin/two-factor/")
    assert client.get("/admin/configuration/appsetting/").status_code == 302


def test_first_sign_in_enrols_a_device_and_a_valid_code_opens_the_admin(client, admin_user, password, two_factor_on):
    sign_in(client, admin_user.email, password)

    page = client.get("/admin/two-factor/?next=/admin/")

    device = TOTPDevice.objects.get(user=admin_user)
    assert not device.confirmed
    body = page.content.decode()
    assert "Set up two-factor sign-in" in body
    assert "otpauth://totp/EventLead%3Aboss%40example.com?secret=" in body
    assert "<svg" in body

    wrong = client.post(
        "/admin/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111", "next": "/admin/"}
    )
    assert two_factor.MESSAGE_WRONG_CODE in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()

    response = client.post("/admin/two-factor/", {"code": code_for(device), "next": "/admin/"})

    # The recovery codes are shown once (eventlead/backoffice/tests/test_admin_mfa.py), then on to the admin.
    assert response.status_code == 200 and 'id="recovery-codes-continue" href="/admin/"' in response.content.decode()
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    failures = AuthEvent.objects.filter(user=admin_user, failure_reason="wrong_two_factor_code")
    assert failures.count() == 1


def test_an_enrolled_admin_enters_a_code_and_is_shown_no_secret(client, admin_user, password, two_factor_on):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    sign_in(client, admin_user.email, password)

    page = client.get("/admin/two-factor/")

    body = page.content.decode()
    assert "Enter the current six-digit code" in body
    assert "otpauth://" not in body and "totp-secret" not in body
    assert client.post("/admin/two-factor/", {"code": code_for(device)}).url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_is_accepted_once(client, admin_user, password, two_factor_on):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    code = code_for(device)
    sign_in(client, admin_user.email, password)
    client.post("/admin/two-factor/", {"code": code})
    client.post("/admin/logout/")

    sign_in(client, admin_user.email, password)
    replay = client.post("/admin/two-factor/", {"code": code})

    assert two_factor.MESSAGE_WRONG_CODE_OR_RECOVERY in replay.content.decode()


def test_wrong_codes_count_toward_the_lockout_and_a_new_password_sign_in_does_not_reset_them(
    client, admin_user, password, two_factor_on, set_setting
):
    # django-otp's per-device delay is off (OTP_TOTP_THROTTLE_FACTOR = 0): the account lockout stands in.
    set_setting("security.max_failed_login_attempts", 3)
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    sign_in(client, admin_user.email, password)
    wrong = client.post("/admin/two-factor/", {"code": "not-a-code"})
    assert two_factor.MESSAGE_WRONG_CODE_OR_RECOVERY in wrong.content.decode()
    client.post("/admin/logout/")
    sign_in(client, admin_user.email, password)
    client.post("/admin/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111"})

    locked = client.post("/admin/two-factor/", {"code": "abcde-fghjk"})

    assert locked.status_code == 302 and locked.url == "/admin/login/"
    admin_user.refresh_from_db()
    assert admin_user.is_locked and admin_user.failed_login_attempts == 3
    # Signed out, and the right password and code do not help until the lock ends.
    assert STAFF_ONLY_MESSAGE in sign_in(client, admin_user.email, password).content.decode()
    assert client.get("/admin/").status_code == 302
    failures = AuthEvent.objects.filter(user=admin_user, failure_reason="wrong_two_factor_code")
    assert failures.count() == 3


def test_an_admin_can_sign_out_before_giving_a_code(client, admin_user, password, two_factor_on):
    sign_in(client, admin_user.email, password)

    client.post("/admin/logout/")

    assert client.get("/admin/two-factor/").url == "/admin/login/"


def test_the_code_step_does_not_send_an_admin_off_site(client, admin_user, password, two_factor_on):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    sign_in(client, admin_user.email, password)

    response = client.post("/admin/two-factor/", {"code": code_for(device), "next": "https://evil.example/"})

    assert response.url == "/admin/"


def test_the_code_step_is_for_signed_in_admins_only(client, make_user, password, two_factor_on):
    assert client.get("/admin/two-factor/").url == "/admin/login/"
    client.force_login(make_user("member@example.com"))
    assert client.get("/admin/two-factor/").url == "/admin/login/"
    assert not TOTPDevice.objects.exists()


def test_with_two_factor_off_the_code_step_goes_straight_to_the_admin(admin_client_password_only):
    assert admin_client_password_only.get("/admin/two-factor/").url == "/admin/"


@pytest.fixture
def admin_client_password_only(client, admin_user):
    client.force_login(admin_user)
    return client


def test_role_change_to_company_user_ends_back_office_access(admin_client_password_only, admin_user):
    User.objects.filter(pk=admin_user.pk).update(user_role_id=reference_id(UserRole, UserRole.COMPANY_USER))

    assert admin_client_password_only.get("/admin/").status_code == 302


def test_the_admin_password_change_goes_through_the_account_service(client, make_user):
    from django.utils import timezone

    from accounts.models import User
    from logging_app.models import AuthEvent

    admin_user = User.objects.create_superuser("pw-admin@example.com", "Admin-passphrase-2024")
    client.force_login(admin_user)
    before = User.objects.get(pk=admin_user.pk)

    response = client.post(
        "/admin/password_change/",
        {
            "old_password": "Admin-passphrase-2024",
            "new_password1": "Fresh-admin-passphrase-7",
            "new_password2": "Fresh-admin-passphrase-7",
        },
    )

    assert response.status_code == 302
    after = User.objects.get(pk=admin_user.pk)
    assert after.check_password("Fresh-admin-passphrase-7")
    assert after.access_token_version == before.access_token_version + 1
    assert after.last_password_change > before.last_password_change
    assert AuthEvent.objects.filter(user=admin_user, event_type="password_changed").count() == 1
    assert timezone.now() >= after.last_password_change


def test_wrong_current_passwords_on_the_admin_password_change_count_toward_the_lockout(client, set_setting):
    from accounts.models import User

    set_setting("security.max_failed_login_attempts", 3)
    admin_user = User.objects.create_superuser("guess-admin@example.com", "Admin-passphrase-2024")
    client.force_login(admin_user)
    wrong = {"new_password1": "Fresh-admin-passphrase-7", "new_password2": "Fresh-admin-passphrase-7"}

    answers = [client.post("/admin/password_change/", {"old_password": f"Guess-{n}", **wrong}) for n in range(2)]

    assert [answer.status_code for answer in answers] == [200, 200]  # the form again, with its error
    assert "Your old password was entered incorrectly" in answers[-1].content.decode()
    assert User.objects.get(pk=admin_user.pk).failed_login_attempts == 2
    client.post("/admin/password_change/", {"old_password": "Guess-3", **wrong})
    locked = User.objects.get(pk=admin_user.pk)
    assert (locked.is_locked, locked.access_token_version) == (True, admin_user.access_token_version + 1)
    assert client.get("/admin/").status_code == 302  # the guesser's back-office session ended with the lock
    assert locked.check_password("Admin-passphrase-2024")
