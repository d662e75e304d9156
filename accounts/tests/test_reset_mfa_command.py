"""``manage.py reset_mfa EMAIL``: break glass for a lost phone, audited, saying what it did."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import User, UserRecoveryCode
from auditing.models import ActivityLog, AuditUser
from logging_app.models import AuthEvent, AuthEventType

pytestmark = pytest.mark.django_db

ADMIN_EMAIL = "boss@example.com"


def mfa_turn_on(user: User) -> list[str]:
    mfa.totp_setup(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = mfa.totp_confirm(user=user, code=f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
    assert codes
    return codes


@pytest.fixture
def admin_with_mfa(db, password, django_capture_on_commit_callbacks):
    admin = User.objects.create_superuser(ADMIN_EMAIL, password)
    codes = mfa_turn_on(admin)
    with django_capture_on_commit_callbacks(execute=True):
        mfa.second_factor_check(user=admin, code=codes[0])  # one used: nine left
    mail.outbox.clear()
    return admin


def reset(*args, capture=None) -> str:
    out = StringIO()
    if capture is None:
        call_command("reset_mfa", *args, stdout=out)
    else:
        with capture(execute=True):
            call_command("reset_mfa", *args, stdout=out)
    return out.getvalue()


def test_it_turns_mfa_off_audited_and_says_what_it_did(admin_with_mfa, django_capture_on_commit_callbacks):
    out = reset(" Boss@Example.com ", "--reason", "lost phone, ticket 4411", capture=django_capture_on_commit_callbacks)

    assert out == (
        f"MFA turned off for {ADMIN_EMAIL}: device and 9 recovery codes deleted; "
        "they enrol again at next admin sign-in.\n"
    )
    admin_with_mfa.refresh_from_db()
    assert not admin_with_mfa.mfa_enabled
    assert not TOTPDevice.objects.filter(user=admin_with_mfa).exists()
    assert not UserRecoveryCode.objects.filter(user=admin_with_mfa).exists()
    event = AuthEvent.objects.get(user=admin_with_mfa, event_type=AuthEventType.MFA_DISABLED)
    assert event.failure_reason == "lost phone, ticket 4411"
    assert ActivityLog.objects.filter(action="mfa_reset", entity_id=str(admin_with_mfa.pk)).count() == 1
    snapshot = AuditUser.objects.filter(user_id=admin_with_mfa.pk).order_by("-pk").first()
    assert snapshot.old_values["MfaEnabledAt"] is not None and snapshot.new_values["MfaEnabledAt"] is None
    assert [message.to for message in mail.outbox] == [[ADMIN_EMAIL]]
    assert mail.outbox[0].subject == mfa.SUBJECT_MFA_DISABLED


def test_a_second_run_finds_nothing_to_do(admin_with_mfa):
    reset(ADMIN_EMAIL)

    assert reset(ADMIN_EMAIL) == f"MFA was not on for {ADMIN_EMAIL}: nothing was changed.\n"
    assert AuthEvent.objects.filter(event_type=AuthEventType.MFA_DISABLED).count() == 1
    assert (
        AuthEvent.objects.get(event_type=AuthEventType.MFA_DISABLED).failure_reason == "reset with manage.py reset_mfa"
    )


def test_a_user_who_is_not_an_admin_is_told_where_to_turn_it_on_again(make_user):
    member = make_user("member@example.com")
    mfa_turn_on(member)

    out = reset("member@example.com")

    assert out.endswith("device and 10 recovery codes deleted; they can turn it on again in the app.\n")
    assert not User.objects.get(pk=member.pk).mfa_enabled


def test_an_unknown_address_is_an_error(db):
    with pytest.raises(CommandError, match="No account has the address nobody@example.com"):
        reset("nobody@example.com")


@pytest.mark.parametrize(("reason", "message"), [("   ", "Say why"), ("x" * 101, "limited to 100 characters")])
def test_a_blank_or_overlong_reason_is_refused_and_nothing_changes(admin_with_mfa, reason, message):
    with pytest.raises(CommandError, match=message):
        reset(ADMIN_EMAIL, "--reason", reason)

    assert User.objects.get(pk=admin_with_mfa.pk).mfa_enabled
    assert TOTPDevice.objects.filter(user=admin_with_mfa, confirmed=True).exists()


def test_the_upgrade_turns_mfa_on_for_administrators_enrolled_in_the_back_office(user, make_user):
    """Before MFA came to the API, only the back office's device said an admin had a second factor."""
    from datetime import timedelta
    from importlib import import_module

    from django.apps import apps as installed_apps
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    migration = import_module("accounts.migrations.0006_mfa_enabled_from_admin_devices")
    enrolling = make_user(email="enrolling@example.com")
    TOTPDevice.objects.create(user=enrolling, name="unconfirmed", confirmed=False)
    device = TOTPDevice.objects.create(user=user, name="admin", confirmed=True)
    enrolled_at = timezone.now() - timedelta(days=30)
    TOTPDevice.objects.filter(pk=device.pk).update(created_at=enrolled_at)

    migration.forwards(installed_apps, None)

    user.refresh_from_db()
    enrolling.refresh_from_db()
    assert (user.mfa_enabled_at, enrolling.mfa_enabled_at) == (enrolled_at, None)
