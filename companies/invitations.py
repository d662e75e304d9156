"""The invitation lifecycle: pending -> accepted | declined | cancelled | expired.

Tokens are stored as hashes and rotated each time the email is built, so a resend kills the
previous link. Each transition locks the invitation row, so of concurrent accepts exactly
one joins and the rest see the invitation already used. At most one open invitation per
company and address is also a database rule (UQ_UserInvitation_CompanyID_InvitedEmail_Open).

Every invitation email, whatever sends it, goes through ``_invitation_email_queue``, which
holds one company to ``email.invitation_emails_per_recipient`` emails to one address per
``email.invitation_emails_window_hours``: cancelling and inviting again is no way round the
resend limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, normalize_email
from accounts.services import password_validate, session_start
from accounts.tokens import hash_token, new_token
from auditing.services import activity_record, role_change_record
from configuration.settings_store import get_setting
from eventlead.core.exceptions import (
    Conflict,
    NotFound,
    PermissionDeniedError,
    Throttled,
    TokenExpired,
    TokenInvalid,
    ValidationFailed,
)
from logging_app.models import EmailDelivery, EmailType
from logging_app.services import email_queue
from reference.models import (
    JoinedVia,
    UserCompanyRole,
    UserCompanyStatus,
    UserInvitationStatus,
    UserRole,
    UserStatus,
)
from reference.selectors import reference_id

from .models import Company, UserCompany, UserInvitation

MESSAGE_ALREADY_INVITED = "This address already has a pending invitation to this company."
MESSAGE_ALREADY_MEMBER = "This address already belongs to an active member of this company."
MESSAGE_NOT_PENDING = "Only a pending invitation can be changed."
MESSAGE_RESEND_LIMIT = "This invitation has been resent the maximum number of times."
MESSAGE_RESEND_COOLDOWN = "This invitation was sent recently; try again later."
MESSAGE_RECIPIENT_LIMIT = "This address has been sent enough invitations from this company for now; try again later."
MESSAGE_WRONG_ACCOUNT = "This invitation is for a different email address."
MESSAGE_SIGN_IN_FIRST = "An account exists for this address: sign in as it to accept."
MESSAGE_NEEDS_PROFILE = "Required to create your account."


def _subject(invitation: UserInvitation) -> str:
    return f"You're invited to join {invitation.company.display_name} on EventLead"


def effective_status(invitation: UserInvitation, now: datetime | None = None) -> str:
    """The status as users see it: a pending invitation past its expiry is expired."""
    return effective_status_of(invitation.status.code, invitation.expires_at, now)


def effective_status_of(code: str, expires_at: datetime, now: datetime | None = None) -> str:
    if code == UserInvitationStatus.PENDING and expires_at <= (now or timezone.now()):
        return UserInvitationStatus.EXPIRED
    return code


def _status(code: str) -> int:
    return reference_id(UserInvitationStatus, code)


def _invitation_email_queue(invitation: UserInvitation, now: datetime) -> None:
    """Queue ``invitation``'s email, or raise ``Throttled`` if its address has had its share.

    The share counts the invitation emails this company sent the address in the window
    (``log.EmailDelivery``, one query), whichever invitation they were for. The company row
    is locked first and held to the end of the caller's transaction, so of two sends at once
    the second counts the first's email. Raised in the caller's transaction, ``Throttled``
    undoes whatever it did: nothing is created and nothing is sent.
    """
    Company.objects.select_for_update().values_list("pk", flat=True).get(pk=invitation.company_id)
    window = timedelta(hours=get_setting("email.invitation_emails_window_hours"))
    sent = EmailDelivery.objects.filter(
        email_type=EmailType.INVITATION,
        recipient_email=invitation.invited_email,
        user_invitation__company_id=invitation.company_id,
        created_date__gt=now - window,
    ).count()
    if sent >= get_setting("email.invitation_emails_per_recipient"):
        raise Throttled(MESSAGE_RECIPIENT_LIMIT)
    email_queue(
        email_type=EmailType.INVITATION,
        recipient=invitation.invited_email,
        subject=_subject(invitation),
        invitation=invitation,
    )


def _expire(invitation: UserInvitation, now: datetime) -> None:
    UserInvitation.objects.filter(pk=invitation.pk, status_id=_status(UserInvitationStatus.PENDING)).update(
        status_id=_status(UserInvitationStatus.EXPIRED), expired_at=now
    )


@transaction.atomic
def invitation_create(
    *, company, actor, email: str, role: str, first_name: str = "", last_name: str = "", now: datetime | None = None
) -> UserInvitation:
    now = now or timezone.now()
    email = normalize_email(email)
    role_row = UserCompanyRole.objects.active().filter(code=role).first()
    if role_row is None:
        raise ValidationFailed(fields={"role": ["Choose company_admin, company_user or company_viewer."]})
    if UserCompany.objects.filter(
        company=company, user__email=email, is_deleted=False, status__code=UserCompanyStatus.ACTIVE
    ).exists():
        raise Conflict(MESSAGE_ALREADY_MEMBER)
    for open_invitation in UserInvitation.objects.select_for_update().filter(
        company=company, invited_email=email, status_id=_status(UserInvitationStatus.PENDING)
    ):
        if effective_status(open_invitation, now) != UserInvitationStatus.EXPIRED:
            raise Conflict(MESSAGE_ALREADY_INVITED)
        _expire(open_invitation, now)
    _, token_hash = new_token()  # Replaced by the email builder; never sent.
    invitation = UserInvitation(
        company=company,
        invited_email=email,
        invited_first_name=first_name,
        invited_last_name=last_name,
        role=role_row,
        status_id=_status(UserInvitationStatus.PENDING),
        token_hash=token_hash,
        invited_by=actor,
        invited_at=now,
        expires_at=now + timedelta(days=get_setting("email.invitation_expiry_days")),
        created_by=actor,
        updated_by=actor,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:  # A concurrent invitation to the same address won.
        raise Conflict(MESSAGE_ALREADY_INVITED) from error
    _invitation_email_queue(invitation, now)
    activity_record(
        action="invitation_created",
        entity=invitation,
        actor=actor,
        company_id=company.pk,
        new_values={"invitedEmail": email, "role": role},
    )
    return invitation


def invitation_token_rotate(*, invitation: UserInvitation) -> str:
    """Give a pending invitation a new token (its old link dies) and return the new token."""
    token, token_hash = new_token()
    rotated = UserInvitation.objects.filter(pk=invitation.pk, status_id=_status(UserInvitationStatus.PENDING)).update(
        token_hash=token_hash
    )
    if not rotated:
        raise TokenInvalid()
    return token


def _locked_pending(invitation_id: int, company_id: int) -> UserInvitation:
    invitation = (
        UserInvitation.objects.select_for_update()
        .filter(pk=invitation_id, company_id=company_id, is_deleted=False)
        .first()
    )
    if invitation is None:
        raise NotFound()
    if invitation.status_id != _status(UserInvitationStatus.PENDING):
        raise Conflict(MESSAGE_NOT_PENDING)
    return invitation


@transaction.atomic
def invitation_resend(*, company, invitation_id: int, actor, now: datetime | None = None) -> UserInvitation:
    """Send a new link with a fresh expiry, within the resend limit and cooldown (else 429)."""
    invitation = _locked_pending(invitation_id, company.pk)
    # The clock is read under the row lock: a resend that waited for the lock must not compare
    # an earlier time against the send that went just before it.
    now = now or timezone.now()
    if invitation.resend_count >= get_setting("email.invitation_max_resends"):
        raise Throttled(MESSAGE_RESEND_LIMIT)
    last_sent = invitation.last_resent_at or invitation.invited_at
    if now < last_sent + timedelta(minutes=get_setting("email.invitation_resend_cooldown_minutes")):
        raise Throttled(MESSAGE_RESEND_COOLDOWN)
    UserInvitation.objects.filter(pk=invitation.pk).update(
        resend_count=F("resend_count") + 1,
        last_resent_at=now,
        updated_by=actor,
        expires_at=now + timedelta(days=get_setting("email.invitation_expiry_days")),
    )
    invitation.refresh_from_db()
    _invitation_email_queue(invitation, now)
    activity_record(
        action="invitation_resent",
        entity=invitation,
        actor=actor,
        company_id=company.pk,
        new_values={"resendCount": invitation.resend_count},
    )
    return invitation


@transaction.atomic
def invitation_cancel(*, company, invitation_id: int, actor, reason: str = "", now: datetime | None = None):
    invitation = _locked_pending(invitation_id, company.pk)
    now = now or timezone.now()
    invitation.status_id = _status(UserInvitationStatus.CANCELLED)
    invitation.cancelled_at, invitation.cancelled_by, invitation.cancellation_reason = now, actor, reason
    invitation.updated_by = actor
    invitation.save()
    activity_record(
        action="invitation_cancelled", entity=invitation, actor=actor, company_id=company.pk, description=reason
    )
    return invitation


def invitation_by_token(token: str) -> UserInvitation:
    """The invitation a link's token names, for the public preview; 404 if none."""
    invitation = (
        UserInvitation.objects.select_related("company", "role", "status")
        .filter(token_hash=hash_token(token or ""), is_deleted=False)
        .first()
    )
    if invitation is None:
        raise NotFound()
    return invitation


def _usable(token: str, now: datetime) -> UserInvitation:
    """Lock the invitation and check it can still be answered."""
    invitation = (
        UserInvitation.objects.select_for_update().filter(token_hash=hash_token(token or ""), is_deleted=False).first()
    )
    if invitation is None or invitation.status_id != _status(UserInvitationStatus.PENDING):
        raise TokenInvalid()
    if invitation.expires_at <= now:
        raise TokenExpired()  # Computed on read; expire_invitations marks the row.
    return invitation


def invitation_accept(
    *,
    token: str,
    user: User | None,
    password: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    now: datetime | None = None,
) -> tuple[UserCompany, dict[str, str] | None]:
    """Join the company: as the signed-in invitee, or by creating the account (email verified).

    Returns the membership and, for a new account, its first token pair.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _usable(token, now)
        created = user is None
        if user is not None:
            if normalize_email(user.email) != invitation.invited_email:
                raise PermissionDeniedError(MESSAGE_WRONG_ACCOUNT)
        else:
            user = _account_for_invitee(invitation, password, first_name, last_name, now)
        membership = _join(invitation, user, now)
        UserInvitation.objects.filter(pk=invitation.pk).update(
            status_id=_status(UserInvitationStatus.ACCEPTED), accepted_at=now, accepted_user=user, updated_by=user
        )
        role_change_record(
            user_id=user.pk,
            company_id=invitation.company_id,
            old_role_id=None,
            new_role_id=invitation.role_id,
            actor=user,
            reason="accepted an invitation",
        )
        activity_record(
            action="invitation_accepted",
            entity=invitation,
            actor=user,
            company_id=invitation.company_id,
            new_values={"membership": membership.pk},
        )
    return membership, (session_start(user=user, now=now) if created else None)


def _account_for_invitee(invitation, password, first_name, last_name, now) -> User:
    if User.objects.filter(email=invitation.invited_email).exists():
        raise Conflict(MESSAGE_SIGN_IN_FIRST)
    missing = {
        name: [MESSAGE_NEEDS_PROFILE]
        for name, value in (("password", password), ("firstName", first_name), ("lastName", last_name))
        if not value
    }
    if missing:
        raise ValidationFailed(fields=missing)
    user = User(
        email=invitation.invited_email,
        first_name=first_name,
        last_name=last_name,
        status_id=reference_id(UserStatus, UserStatus.ACTIVE),
        user_role_id=reference_id(UserRole, UserRole.COMPANY_USER),
        # The emailed link proves the address.
        email_verified_at=now,
        last_password_change=now,
    )
    password_validate(password, user=user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise Conflict(MESSAGE_SIGN_IN_FIRST) from error
    from auditing.services import entity_snapshot_record

    entity_snapshot_record(instance=user, old=None, actor=user)
    return user


def _join(invitation: UserInvitation, user: User, now: datetime) -> UserCompany:
    """An active membership with the invited role; a removed one is reinstated."""
    active = reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE)
    membership = UserCompany.objects.select_for_update().filter(user=user, company_id=invitation.company_id).first()
    if membership is not None and membership.status_id == active and not membership.is_deleted:
        raise Conflict(MESSAGE_ALREADY_MEMBER)
    fields = dict(
        role_id=invitation.role_id,
        status_id=active,
        joined_via_id=reference_id(JoinedVia, JoinedVia.INVITATION),
        joined_date=now,
        invited_by_id=invitation.invited_by_id,
        is_deleted=False,
        removed_date=None,
        removed_by=None,
        removal_reason="",
        updated_by=user,
    )
    if membership is None:
        membership = UserCompany(
            user=user,
            company_id=invitation.company_id,
            created_by=user,
            is_primary=not UserCompany.objects.filter(user=user, is_deleted=False).exists(),
        )
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.save()
    return membership


@transaction.atomic
def invitation_decline(*, token: str, reason: str = "", now: datetime | None = None) -> UserInvitation:
    now = now or timezone.now()
    invitation = _usable(token, now)
    UserInvitation.objects.filter(pk=invitation.pk).update(
        status_id=_status(UserInvitationStatus.DECLINED), declined_at=now, decline_reason=reason
    )
    activity_record(
        action="invitation_declined", entity=invitation, company_id=invitation.company_id, description=reason
    )
    invitation.refresh_from_db()
    return invitation


def invitations_expire(*, now: datetime | None = None) -> int:
    """Mark every pending invitation past its expiry as expired; return how many."""
    now = now or timezone.now()
    return UserInvitation.objects.filter(status_id=_status(UserInvitationStatus.PENDING), expires_at__lte=now).update(
        status_id=_status(UserInvitationStatus.EXPIRED), expired_at=now
    )
