"""An account's life after sign-up: changing its email address, exporting it, closing it.

spec/api.md, "Account lifecycle". The email change is confirmed from the new address and told to
the old one; the export is everything held about the caller (APP 12, access); closure
de-identifies the account and frees its address (APP 11.2, destroy or de-identify).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from auditing.models import ActivityLog, AuditRole, AuditUser
from auditing.services import activity_record, entity_snapshot_record, snapshot
from companies.models import UserCompany, UserInvitation
from configuration.settings_store import get_setting
from eventlead.core.exceptions import Conflict, ValidationFailed
from logging_app.models import ApiRequest, AuthEvent, AuthEventType, EmailDelivery, EmailType
from logging_app.services import auth_event_record, email_queue
from reference.models import UserCompanyStatus
from reference.selectors import reference_id

from .models import (
    SessionEndReason,
    User,
    UserEmailChangeToken,
    UserEmailVerificationToken,
    UserKnownDevice,
    UserMfaToken,
    UserPasswordResetToken,
    UserRecoveryCode,
    UserSecureAccountToken,
    UserSession,
    normalize_email,
)
from .services import (
    _audit_user_change,
    _consume,
    _now,
    _one_time_token_issue,
    current_password_check,
    security_email_queue,
    tokens_revoke_all,
)

MESSAGE_SAME_EMAIL = "This is already your email address."
MESSAGE_EMAIL_TAKEN = "This email address now belongs to another account."
MESSAGE_LAST_ADMIN = (
    "You are the last active admin of {company}. Make another member admin, or remove the company, before "
    "closing your account."
)
# Both emails to the new address share one subject, so a mailbox's list of subjects says no more
# than the export does (see ``account_export``).
SUBJECT_EMAIL_CHANGE_NEW_ADDRESS = "An EventLead account asked to use this email address"
SUBJECT_EMAIL_CHANGE_REQUESTED = "A change of your EventLead email address was asked for"
SUBJECT_EMAIL_CHANGED = "Your EventLead email address was changed"
REASON_ACCOUNT_CLOSED = "account_closed"
REASON_INVITER_CLOSED = "Cancelled: the admin who sent it closed their account."
# The address a closed account keeps: unique, and never deliverable (RFC 2606 reserves .invalid).
CLOSED_EMAIL = "closed-{user_id}@closed.invalid"
# What the closure's audit.User snapshot records instead of the personal details it removes.
DEIDENTIFIED = "[de-identified]"
# The personal details closure clears (each to its empty value), as their columns.
DEIDENTIFIED_FIELDS = ("first_name", "last_name", "phone", "role_title", "profile_picture_url")


class EmailTaken(Conflict):
    message = MESSAGE_EMAIL_TAKEN


class LastActiveAdmin(Conflict):
    """Closing the account would leave a company with no admin who can sign in."""


# Email change ---------------------------------------------------------------------------------


def email_change_token_issue(*, user: User, new_email: str, now: datetime | None = None) -> str:
    """Issue the token of a link to confirm ``new_email``; the user's older links stop working.

    Made by the email's builder, like every emailed token: only its hash is stored. It lives as
    long as a verification link (``auth.email_verification_hours``): both prove an address.
    """
    lifetime = timedelta(hours=get_setting("auth.email_verification_hours"))
    return _one_time_token_issue(
        UserEmailChangeToken, user=user, lifetime=lifetime, now=_now(now), new_email=normalize_email(new_email)
    )


@transaction.atomic
def email_change_request(*, user: User, new_email: str, now: datetime | None = None) -> None:
    """Ask to move the account to ``new_email``: a link goes there, a notice to the current address.

    The caller answers the same whether or not ``new_email`` has an account (no enumeration), and
    the same rows are written either way: a taken address gets a notice instead of the link
    (its builder stores a token that is never sent, so the requester's export reads the same),
    and nothing is sent in the request. A new request makes every earlier link stop working.
    """
    now = _now(now)
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise ValidationFailed(fields={"newEmail": [MESSAGE_SAME_EMAIL]})
    taken = User.objects.filter(email=new_email).exists()
    UserEmailChangeToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    event = auth_event_record(event_type=AuthEventType.EMAIL_CHANGE_REQUESTED, user=user)
    email_queue(
        email_type=EmailType.EMAIL_CHANGE_ADDRESS_TAKEN if taken else EmailType.EMAIL_CHANGE_CONFIRM,
        recipient=new_email,
        subject=SUBJECT_EMAIL_CHANGE_NEW_ADDRESS,
        user=user,
        auth_event=event,
    )
    security_email_queue(
        EmailType.SECURITY_EMAIL_CHANGE_REQUESTED, SUBJECT_EMAIL_CHANGE_REQUESTED, user=user, event=event
    )


def email_change_confirm(*, token: str, now: datetime | None = None) -> User:
    """Move the account to the address the link was sent to; every session ends.

    The address must still be free: checked here, and held by ``UQ_User_Email`` against a
    concurrent confirmation for the same address (409 ``conflict``; the link stays unused, so it
    works once the address is free again). The old address gets a security notice with a
    "this wasn't me" link.
    """
    now = _now(now)
    try:
        with transaction.atomic():
            row = _consume(UserEmailChangeToken, token, now)
            user = User.objects.get(pk=row.user_id)
            if User.objects.filter(email=row.new_email).exclude(pk=user.pk).exists():
                raise EmailTaken()
            old_email, before = user.email, snapshot(user)
            User.objects.filter(pk=user.pk).update(
                email=row.new_email, email_verified_at=now, updated_by=user, updated_date=now
            )
            user.refresh_from_db()
            _email_changed(user, old_email, before, now)
            return user
    except IntegrityError as error:
        # A concurrent confirmation took the address between the check and the update.
        raise EmailTaken() from error


def _email_changed(user: User, old_email: str, before: dict[str, object], now: datetime) -> None:
    """What follows a change of address, in the caller's transaction."""
    # Links sent to either address before the change stop working: a reset link in the old
    # mailbox must not outlive it. The "this wasn't me" links stay: the old owner may need one.
    for model in (UserEmailChangeToken, UserPasswordResetToken, UserEmailVerificationToken):
        model.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    tokens_revoke_all(user=user, reason=SessionEndReason.EMAIL_CHANGED, actor=user)
    event = auth_event_record(event_type=AuthEventType.EMAIL_CHANGED, user=user)
    _audit_user_change(user, before, action="email_changed", actor=user)
    # security_email_queue writes to the current address; this notice is for the old one.
    email_queue(
        email_type=EmailType.SECURITY_EMAIL_CHANGED,
        recipient=old_email,
        subject=SUBJECT_EMAIL_CHANGED,
        user=user,
        auth_event=event,
    )


# Export ---------------------------------------------------------------------------------------

# The columns every table has (``eventlead.core.models``): who created, last updated or deleted
# a row. They say who did something to a row, not what the row says about them; what a user did
# is in the audit trail, which is exported. A table is "about" a user through its other FKs.
TRACKING_FIELDS = frozenset({"created_by", "updated_by", "deleted_by"})

# Every foreign key to the user, but the tracking columns, and the export section it is in.
# ``tests/test_account_export.py`` fails for a new one that is in neither this nor NOT_EXPORTED.
EXPORTED: dict[tuple[str, str], str] = {
    ("accounts.UserSession", "user"): "sessions",
    ("accounts.UserKnownDevice", "user"): "known_devices",
    ("accounts.UserRecoveryCode", "user"): "mfa",
    ("otp_totp.TOTPDevice", "user"): "mfa",
    ("accounts.UserEmailVerificationToken", "user"): "one_time_tokens.email_verification",
    ("accounts.UserPasswordResetToken", "user"): "one_time_tokens.password_reset",
    ("accounts.UserSecureAccountToken", "user"): "one_time_tokens.secure_account",
    ("accounts.UserMfaToken", "user"): "one_time_tokens.mfa",
    ("accounts.UserEmailChangeToken", "user"): "one_time_tokens.email_change",
    ("companies.UserCompany", "user"): "memberships",
    ("companies.UserInvitation", "invited_by"): "invitations.sent",
    ("companies.UserInvitation", "accepted_user"): "invitations.received",
    ("logging_app.AuthEvent", "user"): "auth_events",
    ("logging_app.EmailDelivery", "user"): "email_deliveries",
    ("logging_app.ApiRequest", "user"): "api_requests",
    ("auditing.ActivityLog", "user"): "audit.activity",
    ("auditing.AuditUser", "user"): "audit.user_snapshots",
    ("auditing.AuditRole", "user"): "audit.roles",
}

# The foreign keys to the user left out on purpose, and why (docs/export.md says the same).
NOT_EXPORTED: dict[tuple[str, str], str] = {
    ("companies.UserCompany", "invited_by"): "Another member's membership the caller invited them to: that "
    "member's data. The invitation itself is under invitations.sent.",
    ("companies.UserCompany", "removed_by"): "Another member's membership the caller ended: that member's data. "
    "The removal is in audit.activity, where the caller is the actor.",
    ("companies.UserInvitation", "cancelled_by"): "An invitation the caller cancelled: the caller's own are under "
    "invitations.sent, and the cancellation is in audit.activity.",
    ("auditing.AuditUser", "changed_by"): "Snapshots of other people's accounts the caller changed (back office): "
    "their data. The caller's own account's snapshots are under audit.user_snapshots.",
    ("auditing.AuditCompany", "changed_by"): "A company's record the caller changed: the company's data. The "
    "action is in audit.activity.",
    ("auditing.AuditRole", "changed_by"): "Other people's roles the caller changed: their data. The caller's own "
    "role changes are under audit.roles.",
    ("logging_app.ApplicationError", "user"): "Stack traces of the software's own failures, kept 90 days to fix "
    "them; they describe the software, not the person.",
    ("token_blacklist.OutstandingToken", "user"): "The refresh tokens themselves: secrets. The sessions they belong "
    "to are under sessions.",
    ("admin.LogEntry", "user"): "Django's back-office change list of a system administrator's edits to other "
    "records; the back office writes its actions to the audit trail too.",
}


def _rows(queryset: QuerySet[Any], *columns: str | tuple[str, str]) -> list[dict[str, Any]]:
    """The rows as dicts of the named columns only: ``"name"`` or ``("name", "lookup__path")``.

    Listing every column keeps a secret column added later out of the export until someone
    decides to put it there.
    """
    named = [(column, column) if isinstance(column, str) else column for column in columns]
    return [
        dict(zip((name for name, _ in named), row, strict=True))
        for row in queryset.values_list(*(path for _, path in named))
    ]


TOKEN_COLUMNS = ("created_date", "expires_at", "used_at")


def _profile(user: User) -> dict[str, Any]:
    [profile] = _rows(
        User.objects.filter(pk=user.pk),
        ("user_id", "id"),
        "email",
        "first_name",
        "last_name",
        "phone",
        "role_title",
        "profile_picture_url",
        "timezone_identifier",
        ("language", "language__code"),
        ("country", "country__code"),
        ("status", "status__code"),
        ("user_role", "user_role__code"),
        "email_verified_at",
        ("last_login_at", "last_login"),
        "last_password_change",
        "failed_login_attempts",
        "last_failed_login_at",
        "is_locked",
        "locked_until",
        "locked_reason",
        "created_date",
        "updated_date",
    )
    return profile


def _memberships(user: User) -> list[dict[str, Any]]:
    return _rows(
        UserCompany.objects.filter(user=user).order_by("joined_date", "pk"),
        ("user_company_id", "id"),
        "company_id",
        ("company_name", "company__company_name"),
        ("role", "role__code"),
        ("status", "status__code"),
        ("joined_via", "joined_via__code"),
        "joined_date",
        "invited_by_id",
        "is_primary",
        "removed_date",
        "removal_reason",
        "is_deleted",
    )


INVITATION_COLUMNS: tuple[str | tuple[str, str], ...] = (
    ("invitation_id", "id"),
    "company_id",
    ("company_name", "company__company_name"),
    "invited_email",
    "invited_first_name",
    "invited_last_name",
    ("role", "role__code"),
    ("status", "status__code"),
    "invited_by_id",
    "invited_at",
    "expires_at",
    "accepted_at",
    "declined_at",
    "decline_reason",
    "cancelled_at",
    "cancellation_reason",
    "resend_count",
    "last_resent_at",
)


def _invitations(user: User) -> dict[str, list[dict[str, Any]]]:
    invitations = UserInvitation.objects.order_by("invited_at", "pk")
    # Received: addressed to the account's address (stored in one canonical form), or accepted by it.
    received = invitations.filter(Q(invited_email=user.email) | Q(accepted_user=user))
    return {
        "sent": _rows(invitations.filter(invited_by=user), *INVITATION_COLUMNS),
        "received": _rows(received, *INVITATION_COLUMNS),
    }


def _sessions(user: User) -> list[dict[str, Any]]:
    # Not the session key: it names the session to the API, which a copy of the export must not.
    return _rows(
        UserSession.objects.filter(user=user).order_by("created_date", "pk"),
        ("created_at", "created_date"),
        "ip_address",
        "user_agent",
        ("device", "device_label"),
        "authenticated_at",
        "last_seen_at",
        "expires_at",
        "ended_at",
        "end_reason",
    )


def _known_devices(user: User) -> list[dict[str, Any]]:
    return _rows(
        UserKnownDevice.objects.filter(user=user).order_by("created_date", "pk"),
        ("device", "device_label"),
        "ip_network",
        ("first_seen_at", "created_date"),
        "last_seen_at",
    )


def _mfa(user: User) -> dict[str, Any]:
    # Never a device's key nor a code's hash: whether MFA is on, since when, and what is left.
    return {
        "enabled_at": user.mfa_enabled_at,
        "recovery_codes_left": UserRecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "recovery_codes_used": UserRecoveryCode.objects.filter(user=user, used_at__isnull=False).count(),
        "devices": _rows(
            TOTPDevice.objects.filter(user=user).order_by("pk"), "name", "confirmed", "created_at", "last_used_at"
        ),
    }


def _one_time_tokens(user: User) -> dict[str, list[dict[str, Any]]]:
    # When each link was made, until when it worked and when it was used; never the hash.
    return {
        "email_verification": _rows(UserEmailVerificationToken.objects.filter(user=user), *TOKEN_COLUMNS),
        "password_reset": _rows(UserPasswordResetToken.objects.filter(user=user), *TOKEN_COLUMNS, "requested_ip"),
        "secure_account": _rows(UserSecureAccountToken.objects.filter(user=user), *TOKEN_COLUMNS),
        "mfa": _rows(UserMfaToken.objects.filter(user=user), *TOKEN_COLUMNS),
        "email_change": _rows(UserEmailChangeToken.objects.filter(user=user), *TOKEN_COLUMNS, "new_email"),
    }


def _auth_events(user: User) -> list[dict[str, Any]]:
    return _rows(
        AuthEvent.objects.filter(user=user).order_by("created_date", "pk"),
        "event_type",
        "email",
        "failure_reason",
        "ip_address",
        "user_agent",
        "request_id",
        ("created_at", "created_date"),
    )


# The two emails to a new address read as one kind in the export: which of them went out says
# whether that address has an account, another person's information (APP 12.3(b)).
EMAIL_CHANGE_NEW_ADDRESS = "email_change_new_address"
_EXPORTED_EMAIL_TYPE = {
    EmailType.EMAIL_CHANGE_CONFIRM: EMAIL_CHANGE_NEW_ADDRESS,
    EmailType.EMAIL_CHANGE_ADDRESS_TAKEN: EMAIL_CHANGE_NEW_ADDRESS,
}


def _email_deliveries(user: User) -> list[dict[str, Any]]:
    # No body is stored (builders make it at send time) and no token; the relay's error text
    # and message id are the operator's, not the user's.
    rows = _rows(
        # Those to no account (an invitation) count when sent to the caller's address; another
        # account's are not the caller's, though it once had the same address (closed, then
        # signed up again).
        EmailDelivery.objects.filter(Q(user=user) | Q(user__isnull=True, recipient_email=user.email)).order_by(
            "created_date", "pk"
        ),
        "email_type",
        "recipient_email",
        "subject",
        "status",
        "attempt_count",
        "sent_at",
        ("created_at", "created_date"),
    )
    for row in rows:
        row["email_type"] = _EXPORTED_EMAIL_TYPE.get(row["email_type"], row["email_type"])
    return rows


def _api_requests(user: User) -> list[dict[str, Any]]:
    return _rows(
        ApiRequest.objects.filter(user=user).order_by("created_date", "pk"),
        "method",
        "path",
        "status_code",
        "duration_ms",
        "ip_address",
        "user_agent",
        "request_id",
        ("created_at", "created_date"),
    )


SNAPSHOT_COLUMNS = ("operation", "changed_fields", "old_values", "new_values", "changed_by_id", "changed_date")


def _audit(user: User) -> dict[str, list[dict[str, Any]]]:
    about_user = Q(entity_type=User._meta.object_name, entity_id=str(user.pk))
    return {
        "user_snapshots": _rows(
            AuditUser.objects.filter(user=user).order_by("changed_date", "pk"), *SNAPSHOT_COLUMNS, "request_id"
        ),
        "activity": _rows(
            ActivityLog.objects.filter(Q(user=user) | about_user).order_by("created_date", "pk"),
            ("actor_id", "user_id"),
            "company_id",
            "action",
            "entity_type",
            "entity_id",
            "description",
            "old_values",
            "new_values",
            "ip_address",
            "user_agent",
            "request_id",
            ("created_at", "created_date"),
        ),
        "roles": _rows(
            AuditRole.objects.filter(user=user).order_by("changed_date", "pk"),
            "role_scope",
            "company_id",
            "old_role_id",
            "new_role_id",
            "changed_by_id",
            "changed_date",
            "reason",
            "request_id",
        ),
    }


# The export's sections, in order; each builds from the caller's rows.
SECTIONS: dict[str, Callable[[User], Any]] = {
    "profile": _profile,
    "memberships": _memberships,
    "invitations": _invitations,
    "sessions": _sessions,
    "known_devices": _known_devices,
    "mfa": _mfa,
    "one_time_tokens": _one_time_tokens,
    "auth_events": _auth_events,
    "email_deliveries": _email_deliveries,
    "api_requests": _api_requests,
    "audit": _audit,
}


def account_export(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, as one document (docs/export.md describes each field).

    Read in one transaction, so the sections agree with each other.
    """
    with transaction.atomic():
        user = User.objects.get(pk=user.pk)
        document: dict[str, Any] = {"exported_at": _now(now)}
        document.update((name, section(user)) for name, section in SECTIONS.items())
    return document


# Closure --------------------------------------------------------------------------------------

ONE_TIME_TOKEN_MODELS: tuple[type[Model], ...] = (
    UserEmailVerificationToken,
    UserPasswordResetToken,
    UserSecureAccountToken,
    UserMfaToken,
    UserEmailChangeToken,
)


def account_close(*, user: User, password: str, now: datetime | None = None) -> None:
    """Close the account: the password again, then soft delete and de-identification, at once.

    Refused (409) while the caller is the last active admin of a company, by the rule member
    removal applies. Otherwise, in one transaction: every membership removed (reason
    ``account_closed``) with the invitations the caller sent, every session ended, MFA and the
    known devices deleted, unused links used up, and the row de-identified: a placeholder address
    (so the real one is free for a new sign-up), names, phone, title and picture cleared, the
    password unusable. Audit rows stay; they refer to the de-identified row. A wrong password
    counts toward the lockout, as on password change.
    """
    from companies.services import invitations_sent_cancel, member_remove

    now = _now(now)
    current_password_check(user=user, password=password, now=now, field="password")
    with transaction.atomic():
        # Locks the row alone (no join: a joined FOR UPDATE would lock the shared ``ref`` rows too),
        # so two closures, or a closure and an email change, run one after the other.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
        user = User.objects.get(pk=user.pk)
        removed = reference_id(UserCompanyStatus, UserCompanyStatus.REMOVED)
        memberships = UserCompany.objects.filter(user=user, is_deleted=False).exclude(status_id=removed)
        for membership in memberships.select_related("company").order_by("pk"):
            try:
                member_remove(membership=membership, actor=user, reason=REASON_ACCOUNT_CLOSED)
            except Conflict as error:
                raise LastActiveAdmin(MESSAGE_LAST_ADMIN.format(company=membership.company.display_name)) from error
        invitations_sent_cancel(inviter_id=user.pk, actor=user, reason=REASON_INVITER_CLOSED)
        tokens_revoke_all(user=user, reason=SessionEndReason.ACCOUNT_CLOSED, actor=user)
        _account_deidentify(user, now)


def _account_deidentify(user: User, now: datetime) -> None:
    """Soft delete the row and clear what identifies its owner, in the caller's transaction.

    MFA goes by deleting its rows, not through ``mfa_disable``: that emails the owner, and a
    closed account is sent nothing. Known devices (device names and networks) are deleted: no
    sign-in will ever be compared with them again.
    """
    before = snapshot(user)
    TOTPDevice.objects.filter(user=user).delete()
    UserRecoveryCode.objects.filter(user=user).delete()
    UserKnownDevice.objects.filter(user=user).delete()
    for model in ONE_TIME_TOKEN_MODELS:
        model._default_manager.filter(user=user, used_at__isnull=True).update(used_at=now)
    user.set_unusable_password()
    User.objects.filter(pk=user.pk).update(
        email=CLOSED_EMAIL.format(user_id=user.pk),
        password=user.password,
        mfa_enabled_at=None,
        session_token="",
        is_deleted=True,
        deleted_date=now,
        deleted_by=user,
        updated_by=user,
        updated_date=now,
        **dict.fromkeys(DEIDENTIFIED_FIELDS, ""),
    )
    user.refresh_from_db()
    # The closure's snapshot does not copy the details it removes into the audit trail again:
    # its OldValues mark them as removed. Earlier snapshots keep them under the seven-year
    # audit rule (docs/operations.md, "Retention").
    personal = ("email", *DEIDENTIFIED_FIELDS)
    personal_columns = {field.column for field in User._meta.concrete_fields if field.name in personal}
    entity_snapshot_record(
        instance=user,
        old={column: DEIDENTIFIED if column in personal_columns else value for column, value in before.items()},
        actor=user,
    )
    activity_record(action="account_closed", entity=user, actor=user)
    # After the change, so the event carries the placeholder, not the address.
    auth_event_record(event_type=AuthEventType.ACCOUNT_CLOSED, user=user)
