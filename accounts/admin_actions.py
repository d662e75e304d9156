"""What the back office does to users: edit, unlock, suspend, reactivate, end sessions, reset MFA.

Each change is one transaction with its ``audit.User`` snapshot, and a role change also
writes ``audit.Role`` (scope system).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from auditing.services import activity_record, entity_snapshot_record, role_change_record, snapshot
from companies.services import invitations_sent_cancel
from logging_app.models import AuthEventType
from logging_app.services import auth_event_record
from reference.models import UserRole, UserStatus
from reference.selectors import reference_id

from .mfa import mfa_disable, recovery_codes_left
from .models import SessionEndReason, User, UserSession
from .services import email_verification_resend, session_logout_all, tokens_revoke_all
from .sessions import session_end

MESSAGE_OWN_ROLE = "You cannot take the system_admin role away from yourself; ask another admin."
MESSAGE_OWN_STATUS = "You cannot suspend or deactivate your own account."
MESSAGE_MFA_RESET_REASON = "Say why two-factor authentication is being reset (for the audit trail)."
# The reason is kept on the ``mfa_disabled`` auth event, whose FailureReason holds 100 characters.
MFA_RESET_REASON_MAX_LENGTH = 100
REASON_BACK_OFFICE = "changed in the back office"
REASON_INVITER_SUSPENDED = "Cancelled: the account that sent it was suspended."


def _locked_copy(user: User) -> tuple[User, dict]:
    # select_related(None): lock the user row only, not the reference rows the manager joins.
    row = User.objects.select_related(None).select_for_update().get(pk=user.pk)
    return row, snapshot(row)


@transaction.atomic
def user_admin_update(*, user: User, actor: User, fields: list[str]) -> User:
    """Save an admin's edit of ``fields`` of ``user``: snapshot it, record a role change, and
    end the sessions of a user who is no longer active.

    Only the edited fields are written, so a sign-in failure counted while the admin was
    editing (``FailedLoginAttempts``) is not overwritten with the value the form was loaded with.
    """
    if not fields:
        return user
    stored, before = _locked_copy(user)
    if user.pk == actor.pk:
        if user.user_role_id != reference_id(UserRole, UserRole.SYSTEM_ADMIN):
            raise ValidationError({"user_role": MESSAGE_OWN_ROLE})
        if user.status_id != reference_id(UserStatus, UserStatus.ACTIVE):
            raise ValidationError({"status": MESSAGE_OWN_STATUS})
    user.updated_by = actor
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields, "updated_by", "updated_date"])
    user.refresh_from_db()
    entity_snapshot_record(instance=user, old=before, actor=actor)
    if user.user_role_id != stored.user_role_id:
        role_change_record(
            user_id=user.pk,
            company_id=None,
            old_role_id=stored.user_role_id,
            new_role_id=user.user_role_id,
            actor=actor,
            reason=REASON_BACK_OFFICE,
        )
    if user.status_id != stored.status_id and user.status_id != reference_id(UserStatus, UserStatus.ACTIVE):
        tokens_revoke_all(user=user, reason=_end_reason(user.status.code), actor=actor)
    return user


@transaction.atomic
def user_unlock(*, user: User, actor: User) -> bool:
    """Lift a lockout and clear the failure count; return False if there was nothing to lift."""
    row, before = _locked_copy(user)
    if not (row.is_locked or row.failed_login_attempts or row.status.code == UserStatus.LOCKED):
        return False
    row.is_locked, row.locked_until, row.locked_reason, row.failed_login_attempts = False, None, "", 0
    if row.status.code == UserStatus.LOCKED:
        row.status_id = reference_id(UserStatus, UserStatus.ACTIVE)
    row.updated_by = actor
    row.save(
        update_fields=[
            "is_locked",
            "locked_until",
            "locked_reason",
            "failed_login_attempts",
            "status",
            "updated_by",
            "updated_date",
        ]
    )
    entity_snapshot_record(instance=row, old=before, actor=actor)
    auth_event_record(event_type=AuthEventType.ACCOUNT_UNLOCKED, user=row, failure_reason="unlocked_by_admin")
    return True


def _end_reason(status_code: str) -> str:
    """Why a status set in the back office ends the user's sessions."""
    return {
        UserStatus.SUSPENDED: SessionEndReason.ACCOUNT_SUSPENDED,
        UserStatus.LOCKED: SessionEndReason.ACCOUNT_LOCKED,
    }.get(status_code, SessionEndReason.ADMIN)


def _status_change(user: User, actor: User, *, to: str, allowed_from: tuple[str, ...]) -> bool:
    row, before = _locked_copy(user)
    if row.status.code not in allowed_from:
        return False
    row.status_id = reference_id(UserStatus, to)
    row.updated_by = actor
    row.save(update_fields=["status", "updated_by", "updated_date"])
    entity_snapshot_record(instance=row, old=before, actor=actor)
    return True


@transaction.atomic
def user_suspend(*, user: User, actor: User) -> bool:
    """Suspend an active account: revoke every token it holds and cancel the invitations it sent.

    False if it was not active. (A lockout cancels nothing: anyone who knows an address can cause one.)
    """
    if user.pk == actor.pk:
        raise ValidationError(MESSAGE_OWN_STATUS)
    suspended = _status_change(
        user, actor, to=UserStatus.SUSPENDED, allowed_from=(UserStatus.ACTIVE, UserStatus.LOCKED)
    )
    if suspended:
        tokens_revoke_all(user=user, reason=SessionEndReason.ACCOUNT_SUSPENDED, actor=actor)
        invitations_sent_cancel(inviter_id=user.pk, actor=actor, reason=REASON_INVITER_SUSPENDED)
    return suspended


@transaction.atomic
def user_reactivate(*, user: User, actor: User) -> bool:
    """Make a suspended account active again; False if it was not suspended."""
    return _status_change(user, actor, to=UserStatus.ACTIVE, allowed_from=(UserStatus.SUSPENDED,))


@transaction.atomic
def user_sign_out_everywhere(*, user: User, actor: User) -> None:
    """End every session of ``user`` on every device (all their tokens stop working)."""
    session_logout_all(user=user, actor=actor, reason=SessionEndReason.ADMIN)
    activity_record(
        action="user_signed_out_everywhere",
        entity=user,
        actor=actor,
        description="Signed out of every device from the back office",
    )


@transaction.atomic
def user_session_end(*, session: UserSession, actor: User) -> bool:
    """End one session of a user from the back office; False if it had ended already."""
    return session_end(session, reason=SessionEndReason.ADMIN, actor=actor)


def user_verification_resend(*, user: User) -> bool:
    """Send a new verification email to an unverified user; False if already verified."""
    if user.email_verified_at is not None:
        return False
    email_verification_resend(email=user.email)
    return True


@transaction.atomic
def user_mfa_reset(*, user: User, actor: User | None, reason: str) -> int | None:
    """Turn off ``user``'s MFA (a lost phone): device and recovery codes go, audited with ``reason``.

    Returns how many unused recovery codes were deleted, or None if MFA was not on. The user sets
    it up again: a system admin at the next back-office sign-in, anyone from the API. ``actor``
    is None for ``manage.py reset_mfa``.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": MESSAGE_MFA_RESET_REASON})
    codes_left = recovery_codes_left(user)
    if not mfa_disable(user=user, actor=actor, reason=reason):
        return None
    return codes_left


def admin_sign_in_record(*, user: User, second_factor_follows: bool = False) -> None:
    """A correct admin password: record it, and clear the failure count (as the API's login does).

    With a second factor to come the count is kept until a code is accepted
    (``admin_second_factor_record``): otherwise each password sign-in would start the count of
    wrong codes afresh and they could be guessed without end.
    """
    if not second_factor_follows:
        User.objects.filter(pk=user.pk, failed_login_attempts__gt=0).update(failed_login_attempts=0)
    auth_event_record(event_type=AuthEventType.LOGIN_SUCCESS, user=user, failure_reason="")


def admin_second_factor_record(*, user: User) -> None:
    """A right code at the admin's second step: the sign-in is complete, the failure count starts afresh."""
    User.objects.filter(pk=user.pk, failed_login_attempts__gt=0).update(failed_login_attempts=0)
