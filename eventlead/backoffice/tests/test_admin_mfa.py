"""The back office's MFA: recovery codes shown once after enrolment and accepted at the code step,
one device shared with the API, and "Reset MFA" on a user's page (with a reason, audited)."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import admin_actions, mfa
from accounts.admin import MESSAGE_MFA_NOT_ON
from accounts.models import User, UserRecoveryCode
from accounts.tokens import hash_token
from auditing.models import ActivityLog
from eventlead.backoffice import two_factor
from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures)
from logging_app.models import AuthEvent, AuthEventType

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
STEP_URL = "/admin/two-factor/"


@pytest.fixture
def admin_user(db, settings, password):
    settings.ADMIN_REQUIRE_2FA = True
    return User.objects.create_superuser("boss@example.com", password)


def sign_in(client, email, password):
    response = client.post(LOGIN_URL, {"username": email, "password": password, "next": "/admin/"})
    assert response.status_code == 302 and response.url.startswith(STEP_URL)
    return response


def code_for(device, *, steps_ahead=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step):06d}"


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.content.decode())


def enrolled(user) -> list[str]:
    """MFA turned on as the API does it; the recovery codes."""
    mfa.totp_setup(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = mfa.totp_confirm(user=user, code=code_for(device))
    assert codes
    return codes


# Enrolment -------------------------------------------------------------------------------------


def test_enrolment_shows_ten_recovery_codes_once_then_continues(client, admin_user, password):
    sign_in(client, admin_user.email, password)
    client.get(f"{STEP_URL}?next=/admin/configuration/appsetting/")
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)

    response = client.post(STEP_URL, {"code": code_for(device), "next": "/admin/configuration/appsetting/"})

    assert response.status_code == 200
    codes = shown_codes(response)
    assert len(codes) == len(set(codes)) == mfa.RECOVERY_CODE_COUNT
    assert 'id="recovery-codes-continue" href="/admin/configuration/appsetting/"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    # Stored as hashes only, and the page is never shown again.
    stored = set(UserRecoveryCode.objects.filter(user=admin_user).values_list("code_hash", flat=True))
    assert stored == {hash_token(mfa.normalize_code(code)) for code in codes}
    assert not any(code in str(stored) for code in codes)
    assert client.get("/admin/configuration/appsetting/").status_code == 200
    again = client.get(STEP_URL)
    assert again.status_code == 302 and not shown_codes(again)
    # One device for both: MFA is on for the API too.
    admin_user.refresh_from_db()
    assert admin_user.mfa_enabled
    assert list(TOTPDevice.objects.filter(user=admin_user).values_list("pk", "confirmed")) == [(device.pk, True)]
    assert AuthEvent.objects.filter(user=admin_user, event_type=AuthEventType.MFA_ENABLED).count() == 1
    login = APIClient().post("/api/v1/auth/login", {"email": admin_user.email, "password": password}, format="json")
    assert login.json()["mfaRequired"] is True


def test_an_account_enrolled_through_the_api_enters_its_code_without_enrolling_again(client, admin_user, password):
    enrolled(admin_user)
    device = TOTPDevice.objects.get(user=admin_user)
    sign_in(client, admin_user.email, password)

    page = client.get(STEP_URL)

    assert "Set up two-factor sign-in" not in page.content.decode()
    assert "or a recovery code" in page.content.decode()
    # The current code confirmed the device (and each code works once): the next one, within the ±1 step.
    assert client.post(STEP_URL, {"code": code_for(device, steps_ahead=1)}).url == "/admin/"
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


# Recovery codes at the code step ---------------------------------------------------------------


def test_a_recovery_code_signs_an_admin_in_once(client, admin_user, password, django_capture_on_commit_callbacks):
    codes = enrolled(admin_user)
    mail.outbox.clear()
    sign_in(client, admin_user.email, password)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(STEP_URL, {"code": f" {codes[3].upper()} ", "next": "/admin/"})

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert mfa.recovery_codes_left(admin_user) == mfa.RECOVERY_CODE_COUNT - 1
    assert AuthEvent.objects.filter(user=admin_user, event_type=AuthEventType.RECOVERY_CODE_USED).count() == 1
    assert [message.subject for message in mail.outbox] == [mfa.SUBJECT_RECOVERY_CODE_USED]

    client.post("/admin/logout/")
    sign_in(client, admin_user.email, password)
    replay = client.post(STEP_URL, {"code": codes[3]})

    assert two_factor.MESSAGE_WRONG_CODE_OR_RECOVERY in replay.content.decode()
    assert client.get("/admin/").status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.failed_login_attempts == 1  # the replay counted toward the lockout


def test_a_right_code_clears_the_count_of_wrong_ones(client, admin_user, password):
    codes = enrolled(admin_user)
    sign_in(client, admin_user.email, password)
    client.post(STEP_URL, {"code": "zzzzz-zzzzz"})
    assert User.objects.get(pk=admin_user.pk).failed_login_attempts == 1

    client.post(STEP_URL, {"code": codes[0]})

    assert User.objects.get(pk=admin_user.pk).failed_login_attempts == 0


# Reset MFA on the user's page ------------------------------------------------------------------


def change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def reset_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/mfa/reset/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def member(make_user):
    member = make_user("member@example.com")
    enrolled(member)
    return member


def test_the_users_page_shows_the_mfa_status_and_the_reset_form(admin_client, member):  # noqa: F811
    since = timezone.localtime(User.objects.get(pk=member.pk).mfa_enabled_at)

    body = admin_client.get(change_url(member)).content.decode()

    assert f"On since {since:%Y-%m-%d %H:%M %Z}; 10 of 10 recovery codes left" in body
    assert f'action="{reset_url(member)}"' in body and ">Reset MFA</button>" in body


def test_the_page_of_a_user_without_mfa_says_off_and_offers_no_reset(admin_client, make_user):  # noqa: F811
    other = make_user("other@example.com")

    body = admin_client.get(change_url(other)).content.decode()

    assert "Off (a system admin sets it up at the next back-office sign-in)" in body
    assert reset_url(other) not in body


def test_reset_needs_a_reason(admin_client, member):  # noqa: F811
    response = admin_client.post(reset_url(member), {"reason": "  "}, follow=True)

    assert messages_of(response) == [admin_actions.MESSAGE_MFA_RESET_REASON]
    assert User.objects.get(pk=member.pk).mfa_enabled
    assert TOTPDevice.objects.filter(user=member, confirmed=True).exists()


def test_reset_with_a_reason_turns_mfa_off_audited(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    member,
    django_capture_on_commit_callbacks,
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reset_url(member), {"reason": "Lost phone (called support)"}, follow=True)

    assert messages_of(response) == [
        "Two-factor authentication turned off for member@example.com: device and 10 unused recovery codes "
        "deleted. They set it up again (a system admin at the next back-office sign-in)."
    ]
    member.refresh_from_db()
    assert not member.mfa_enabled
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not UserRecoveryCode.objects.filter(user=member).exists()
    event = AuthEvent.objects.get(user=member, event_type=AuthEventType.MFA_DISABLED)
    assert event.failure_reason == "Lost phone (called support)"
    activity = ActivityLog.objects.get(action="mfa_reset", entity_id=str(member.pk))
    assert activity.user_id == system_admin.pk
    assert [message.to for message in mail.outbox] == [["member@example.com"]]
    # Once more: nothing to reset.
    again = admin_client.post(reset_url(member), {"reason": "again"}, follow=True)
    assert messages_of(again) == [MESSAGE_MFA_NOT_ON.format(email="member@example.com")]


def test_reset_is_post_only(admin_client, member):  # noqa: F811
    assert admin_client.get(reset_url(member)).status_code == 405
    assert User.objects.get(pk=member.pk).mfa_enabled


def test_the_page_of_a_user_with_mfa_reads_one_more_query(admin_client, member, django_assert_num_queries):  # noqa: F811
    from accounts.tests.test_admin_user_sessions import PAGE_QUERIES

    ContentType.objects.clear_cache()

    # The count of recovery codes left, beside what the page of a user without MFA reads.
    with django_assert_num_queries(PAGE_QUERIES + 1):
        assert admin_client.get(change_url(member)).status_code == 200
