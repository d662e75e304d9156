"""MFA for every account: one TOTP device, ten recovery codes, and a sign-in's second step.

The device is django-otp's ``TOTPDevice``, the same one the back office's sign-in uses, so an
administrator enrolled in either place has MFA on in both. ``User.MfaEnabledAt`` mirrors "a
confirmed device exists" on the row every request reads; every change goes through this module,
which keeps both in one transaction.

Codes: a TOTP code is accepted within one 30-second step either side, and each at most once (the
device's ``last_t``, moved forward by a conditional UPDATE, so of two requests with one code only
one can move it). A recovery code works once (its ``UsedAt`` is set the same way). Wrong codes
count toward the account lockout as wrong passwords do; django-otp's own per-device delay is off
(``OTP_TOTP_THROTTLE_FACTOR = 0``), the lockout and the rate limits stand in for it.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from datetime import datetime, timedelta
from typing import Any, NoReturn

import segno
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from auditing.services import activity_record, snapshot
from eventlead.core.exceptions import Conflict, InvalidCredentials, TokenExpired, TokenInvalid, ValidationFailed
from logging_app.models import AuthEventType, EmailType
from logging_app.services import auth_event_record

from .models import User, UserMfaToken, UserRecoveryCode
from .services import (
    FAILURE_WRONG_REAUTH_CODE,
    _audit_user_change,
    _expire_lock,
    _now,
    _one_time_token_issue,
    login_failure_register,
    security_email_queue,
    session_start,
)
from .tokens import hash_token

DEVICE_NAME = "EventLead"
RECOVERY_CODE_COUNT = 10
# Lower case letters and digits without the look-alikes (0/o, 1/l/i): 31 symbols, 10 of them in
# two groups of five ("k7xq2-m9pwe"), about 50 bits.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
MFA_TOKEN_LIFETIME = timedelta(minutes=5)

FAILURE_WRONG_CODE = "wrong_mfa_code"
SUBJECT_MFA_ENABLED = "Two-factor authentication is on for your EventLead account"
SUBJECT_MFA_DISABLED = "Two-factor authentication was turned off for your EventLead account"
SUBJECT_RECOVERY_CODE_USED = "A recovery code was used to sign in to your EventLead account"
SUBJECT_RECOVERY_CODES_REGENERATED = "New recovery codes for your EventLead account"
MESSAGE_WRONG_CODE = "That code is not right. Enter the current code from your authenticator app, or a recovery code."
MESSAGE_WRONG_SETUP_CODE = "That code is not right. Enter the current code your authenticator app shows for EventLead."
MESSAGE_CODE_WITHOUT_MFA = "Two-factor authentication is not on for this account: confirm with your password."


class MfaAlreadyOn(Conflict):
    message = "Two-factor authentication is already on. Turn it off first to set up another device."


class MfaNotOn(Conflict):
    message = "Two-factor authentication is not on for this account."


class MfaNotSetUp(Conflict):
    message = "There is no device waiting to be confirmed. Start with POST /api/v1/auth/mfa/totp/setup."


def normalize_code(code: str) -> str:
    """The typed code without spaces or hyphens, in lower case: "123 456", "K7XQ2-M9PWE"."""
    return "".join(code.split()).replace("-", "").lower()


def _is_totp_code(typed: str, device: TOTPDevice | None) -> bool:
    """Whether a normalized code has a TOTP code's shape (six digits); a recovery code has ten symbols.

    By length, not by "digits only": a recovery code may be all digits (about 1 in 770,000 are).
    """
    digits = device.digits if device is not None else TOTPDevice._meta.get_field("digits").default
    return len(typed) == digits and typed.isdigit()


def _totp_verify(device: TOTPDevice, typed: str, now: datetime) -> bool:
    """Accept a TOTP code of ``device`` at ``now`` (one step either side), each step's code once.

    django-otp's ``verify_token`` reads the system clock and saves ``last_t`` unconditionally, so
    two concurrent requests could both use one code. Here the clock is ``now`` (the services'
    seam), and ``last_t`` moves only forward, in one conditional UPDATE: of two requests with the
    same code, one updates the row and the other finds it moved. The drift is not learned
    (django-otp's ``OTP_TOTP_SYNC``): each accepted code one step ahead would widen the window.
    """
    if not typed.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    if not totp.verify(int(typed), device.tolerance, device.last_t + 1):
        return False
    step = totp.t()
    used = TOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(last_t=step, last_used_at=now)
    if used:
        device.last_t, device.last_used_at = step, now
    return bool(used)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code. segno writes it from the URI alone."""
    return segno.make(uri, error="m").svg_inline(scale=5)


def device_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app asks for when the QR code cannot be scanned."""
    return b32encode(device.bin_key).decode().rstrip("=")


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed device, if MFA is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user: User) -> TOTPDevice:
    """A device waiting to be confirmed: the newest one, or a new one."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return pending or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


# Enrolment ------------------------------------------------------------------------------------


@transaction.atomic
def totp_setup(*, user: User) -> dict[str, str]:
    """A new secret for the user's authenticator app; nothing is on until ``totp_confirm``.

    Asking again replaces the secret: only the last one shown can be confirmed.
    """
    if user.mfa_enabled:
        raise MfaAlreadyOn()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    uri = device.config_url
    return {"secret": device_secret(device), "otpauth_uri": uri, "qr_svg": qr_svg(uri)}


def totp_confirm(*, user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Turn MFA on with the first code of the device ``totp_setup`` made; return the recovery codes.

    None if the code is wrong (nothing changes; a wrong code here is not a failed sign-in: the
    caller is signed in and proving only that the app was set up right).
    """
    now = _now(now)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        if User.objects.filter(pk=user.pk, mfa_enabled_at__isnull=False).exists():
            raise MfaAlreadyOn()
        if device is None:
            raise MfaNotSetUp()
        if not _totp_verify(device, normalize_code(code), now):
            return None
        return mfa_enable(user=user, device=device, now=now)


def mfa_enable(*, user: User, device: TOTPDevice, now: datetime, actor: User | None = None) -> list[str]:
    """Confirm ``device`` (its first code was right), turn MFA on and issue the recovery codes.

    In the caller's transaction; the back office's enrolment uses it too.
    """
    before = snapshot(user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    User.objects.filter(pk=user.pk).update(mfa_enabled_at=now)
    codes = _recovery_codes_replace(user, now)
    event = auth_event_record(event_type=AuthEventType.MFA_ENABLED, user=user)
    _audit_user_change(user, before, action="mfa_enabled", actor=actor or user)
    security_email_queue(EmailType.SECURITY_MFA_ENABLED, SUBJECT_MFA_ENABLED, user=user, event=event)
    return codes


@transaction.atomic
def mfa_disable(*, user: User, actor: User | None = None, reason: str = "", now: datetime | None = None) -> bool:
    """Turn MFA off: the device and the recovery codes are deleted. False if it was not on.

    By the user (step-up), or reset by an administrator or ``manage.py reset_mfa`` (``actor``
    and ``reason`` given, both audited). The owner gets a security email either way.
    """
    now = _now(now)
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    if not User.objects.filter(pk=user.pk, mfa_enabled_at__isnull=False).exists():
        return False
    before = snapshot(user)
    TOTPDevice.objects.filter(user=user).delete()
    UserRecoveryCode.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(mfa_enabled_at=None)
    event = auth_event_record(event_type=AuthEventType.MFA_DISABLED, user=user, failure_reason=reason[:100])
    # A reset names its reason and its actor: an administrator, or nobody (``manage.py reset_mfa``).
    _audit_user_change(
        user,
        before,
        action="mfa_reset" if reason else "mfa_disabled",
        actor=actor if reason else (actor or user),
        description=reason,
    )
    security_email_queue(EmailType.SECURITY_MFA_DISABLED, SUBJECT_MFA_DISABLED, user=user, event=event)
    return True


# Recovery codes -------------------------------------------------------------------------------


def _recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_codes_replace(user: User, now: datetime) -> list[str]:
    """Delete the user's codes and store the hashes of ten new ones; return them, the only time."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    UserRecoveryCode.objects.filter(user=user).delete()
    UserRecoveryCode.objects.bulk_create(
        UserRecoveryCode(user=user, code_hash=hash_token(normalize_code(code)), created_date=now, created_by=user)
        for code in codes
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    now = _now(now)
    if not User.objects.filter(pk=user.pk, mfa_enabled_at__isnull=False).exists():
        raise MfaNotOn()
    codes = _recovery_codes_replace(user, now)
    activity_record(action="recovery_codes_regenerated", entity=user, actor=user)
    event = auth_event_record(event_type=AuthEventType.RECOVERY_CODES_REGENERATED, user=user)
    security_email_queue(
        EmailType.SECURITY_RECOVERY_CODES_REGENERATED, SUBJECT_RECOVERY_CODES_REGENERATED, user=user, event=event
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return UserRecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# The second factor ----------------------------------------------------------------------------


def second_factor_verify(*, user: User, code: str, now: datetime) -> str | None:
    """``"totp"`` or ``"recovery"`` if ``code`` is a right one (used up by this call), else None.

    Counts nothing; ``second_factor_check`` does. Run in the caller's transaction: a rollback
    gives the code back.
    """
    typed = normalize_code(code)
    device = totp_device(user)
    if _is_totp_code(typed, device):
        return "totp" if device is not None and _totp_verify(device, typed, now) else None
    used = UserRecoveryCode.objects.filter(user=user, code_hash=hash_token(typed), used_at__isnull=True).update(
        used_at=now, updated_date=now, updated_by=user
    )
    if not used:
        return None
    event = auth_event_record(event_type=AuthEventType.RECOVERY_CODE_USED, user=user)
    security_email_queue(EmailType.SECURITY_RECOVERY_CODE_USED, SUBJECT_RECOVERY_CODE_USED, user=user, event=event)
    return "recovery"


def second_factor_check(
    *, user: User, code: str, now: datetime | None = None, failure_reason: str = FAILURE_WRONG_CODE
) -> str:
    """Accept a TOTP or recovery code of ``user``, or count the failure toward the lockout and raise.

    Raises ``InvalidCredentials`` (the caller may answer it as a field error instead).
    """
    now = _now(now)
    with transaction.atomic():
        kind = second_factor_verify(user=user, code=code, now=now)
    if kind is None:
        _second_factor_failed(user, now, failure_reason)
    return kind


def _second_factor_failed(user: User, now: datetime, failure_reason: str) -> NoReturn:
    """Count a wrong code toward the lockout and refuse it.

    Call it outside the transaction that checked the code, so the failure stays counted.
    """
    login_failure_register(user=user, now=now, failure_reason=failure_reason)
    raise InvalidCredentials(MESSAGE_WRONG_CODE)


# Sign-in's second step ------------------------------------------------------------------------


def mfa_challenge(*, user: User, now: datetime | None = None) -> str:
    """The password was right and MFA is on: issue the ``mfaToken`` (five minutes, single use)."""
    now = _now(now)
    with transaction.atomic():
        token = _one_time_token_issue(UserMfaToken, user=user, lifetime=MFA_TOKEN_LIFETIME, now=now)
        auth_event_record(event_type=AuthEventType.MFA_CHALLENGED, user=user)
    return token


def mfa_verify(*, mfa_token: str, code: str, now: datetime | None = None) -> tuple[User, dict[str, Any]]:
    """Finish a sign-in: the ``mfaToken`` from login and a TOTP or recovery code open the session.

    A wrong code counts toward the lockout and leaves the token usable until it expires (the rate
    limits and the lockout bound the guesses); a locked, suspended or closed account is refused
    as at login, and so is a token issued before the password last changed. The token is used
    up only by the sign-in it completes, in the transaction that uses up the code: should a
    concurrent request have finished this sign-in first, the code is given back.
    """
    now = _now(now)
    row = (
        UserMfaToken.objects.select_related("user__status", "user__user_role")
        .filter(token_hash=hash_token(mfa_token or ""))
        .first()
    )
    if row is None or row.used_at is not None or row.user.is_deleted:
        raise TokenInvalid()
    if now > row.expires_at:
        raise TokenExpired()
    user = row.user
    if user.last_password_change is not None and row.created_date < user.last_password_change:
        raise TokenInvalid()  # The password this sign-in began with has been changed or reset since.
    _expire_lock(user, now)
    if not user.is_active or not user.mfa_enabled:
        auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason="mfa_step_refused")
        raise InvalidCredentials()
    with transaction.atomic():
        if second_factor_verify(user=user, code=code, now=now) is not None:
            if not UserMfaToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
                raise TokenInvalid()  # A concurrent request finished this sign-in first.
            return user, session_start(user=user, now=now)
    _second_factor_failed(user, now, FAILURE_WRONG_CODE)


def reauthentication_code_check(*, user: User, code: str, now: datetime | None = None) -> None:
    """Accept a TOTP or recovery code as proof at re-authentication, or refuse it as a field error.

    A wrong code counts toward the lockout as a wrong password does there; the lock it reaches
    ends every session (``FAILURE_WRONG_REAUTH_CODE`` is a session holder's failure). A code
    while MFA is off is refused without counting.
    """
    now = _now(now)
    if not user.mfa_enabled:
        raise ValidationFailed(fields={"code": [MESSAGE_CODE_WITHOUT_MFA]})
    # A lock whose time is up still has IsLocked set, which would keep the next one from being set.
    _expire_lock(user, now)
    try:
        second_factor_check(user=user, code=code, now=now, failure_reason=FAILURE_WRONG_REAUTH_CODE)
    except InvalidCredentials as error:
        raise ValidationFailed(fields={"code": [MESSAGE_WRONG_CODE]}) from error


def mfa_status(user: User) -> dict[str, Any]:
    """Whether MFA is on for ``user``, since when, and how many recovery codes are unused."""
    return {
        "enabled": user.mfa_enabled,
        "enabled_at": user.mfa_enabled_at,
        "recovery_codes_left": recovery_codes_left(user) if user.mfa_enabled else 0,
    }
