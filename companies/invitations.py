"""The invitation lifecycle: pending -> accepted | declined | cancelled | expired.

Tokens are stored as hashes and rotated each time the email is built, so a resend kills the
previous link. Each transition locks the invitation row, so of concurrent accepts exactly
one joins and the rest see the invitation already used. At most one open invitation per
company and address is also a database rule (UQ_UserInvitation_CompanyID_InvitedEmail_Open).

Every invitation email, whatever sends it, goes through ``_invitation_email_queue``, which
holds one company to ``email.invitation_emails_per_recipient`` emails to one address per
``email.invitation_emails_window_hours``: cancelling and inviting again is no way round the
resend limit.

Each invitation also takes a seat of the company's plan while it is pending (``seats``), and
accepting one needs a free member seat. Locks are taken in one order everywhere: the
invitation rows first, then the invitee's membership row (accepting), then the company row
(the seat and email-limit decisions), so no two of these flows wait on each other in a circle.

The signed-in invitee answers an invitation by its id as well as by the emailed token
(``invitation_accept_received``, ``invitation_decline_received``): the same transitions, found
by id and the caller's verified address instead of the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User, normalize_email
from accounts.services import password_validate, session_start
from accounts.tokens import hash_token, new_token
from auditing.services import activity_record, role_change_record
from configuration.settings_store import get_setting
from eventlead.core.exceptions import (
    Conflict,
    DomainError,
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
from .seats import SeatLimitReached, company_lock, seat_for_invitation_check, seat_for_member_check

MESSAGE_ALREADY_INVITED = "This address already has a pending invitation to this company."
MESSAGE_ALREADY_MEMBER = "This address already belongs to an active member of this company."
MESSAGE_NOT_PENDING = "Only a pending invitation can be changed."
MESSAGE_RESEND_LIMIT = "This invitation has been resent the maximum number of times."
MESSAGE_RESEND_COOLDOWN = "This invitation was sent recently; try again later."
MESSAGE_RECIPIENT_LIMIT = "This address has been sent enough invitations from this company for now; try again later."
MESSAGE_WRONG_ACCOUNT = "This invitation is for a different email address."
MESSAGE_SIGN_IN_FIRST = "An account exists for this address: sign in as it to accept."
MESSAGE_NEEDS_PROFILE = "Required to create your account."
MESSAGE_EXPIRED = "This invitation has expired; ask the company for a new one."
MESSAGE_DUPLICATE = "This address is in an earlier row of this request; it is invited once."
ACTION_BULK_CREATED = "invitations_bulk_created"


class AlreadyInvited(Conflict):
    message = MESSAGE_ALREADY_INVITED


class AlreadyMember(Conflict):
    message = MESSAGE_ALREADY_MEMBER


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
    company_lock(invitation.company_id)
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
    """Invite an address to the company with a role, and queue its email.

    Refused (409) when the address belongs to an active member or has a pending invitation, or
    when members and pending invitations fill the plan's seats (``seats``); 429 when the address
    has had its share of invitation emails.
    """
    return _invitation_make(
        company=company, actor=actor, email=email, role=role, first_name=first_name, last_name=last_name, now=now
    )


def _invitation_make(
    *, company, actor, email: str, role: str, first_name: str = "", last_name: str = "", now: datetime | None = None
) -> UserInvitation:
    """``invitation_create``'s work, in the caller's transaction (the bulk create's savepoints)."""
    now = now or timezone.now()
    email = normalize_email(email)
    role_row = UserCompanyRole.objects.active().filter(code=role).first()
    if role_row is None:
        raise ValidationFailed(fields={"role": ["Choose company_admin, company_user or company_viewer."]})
    if UserCompany.objects.filter(
        company=company, user__email=email, is_deleted=False, status__code=UserCompanyStatus.ACTIVE
    ).exists():
        raise AlreadyMember()
    for open_invitation in UserInvitation.objects.select_for_update().filter(
        company=company, invited_email=email, status_id=_status(UserInvitationStatus.PENDING)
    ):
        if effective_status(open_invitation, now) != UserInvitationStatus.EXPIRED:
            raise AlreadyInvited()
        _expire(open_invitation, now)
    seat_for_invitation_check(company_id=company.pk, now=now)
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
        raise AlreadyInvited() from error
    _invitation_email_queue(invitation, now)
    activity_record(
        action="invitation_created",
        entity=invitation,
        actor=actor,
        company_id=company.pk,
        new_values={"invitedEmail": email, "role": role},
    )
    return invitation


class BulkOutcome:
    """What became of one row of a bulk invitation (the API's ``outcome``)."""

    CREATED, CONFLICT, INVALID, LIMITED = "created", "conflict", "invalid", "limited"
    ALL = (CREATED, CONFLICT, INVALID, LIMITED)


class BulkReason:
    """Why a row was not created (the API's ``reason``)."""

    ACTIVE_MEMBER = "active_member"
    PENDING_INVITATION = "pending_invitation"
    DUPLICATE = "duplicate"
    VALIDATION = "validation_error"
    MAX_USERS = "max_users"
    EMAIL_LIMIT = "email_limit"


@dataclass(frozen=True)
class BulkRow:
    """One row's result, in the position of its row in the request."""

    index: int
    email: str | None
    outcome: str
    reason: str | None = None
    invitation: UserInvitation | None = None
    error: DomainError | None = None


# The refusals a row can meet, most specific first (SeatLimitReached and the two conflicts are
# Conflicts), with the outcome and reason each is reported as.
_BULK_REFUSALS: tuple[tuple[type[DomainError], str, str], ...] = (
    (SeatLimitReached, BulkOutcome.LIMITED, BulkReason.MAX_USERS),
    (Throttled, BulkOutcome.LIMITED, BulkReason.EMAIL_LIMIT),
    (AlreadyMember, BulkOutcome.CONFLICT, BulkReason.ACTIVE_MEMBER),
    (AlreadyInvited, BulkOutcome.CONFLICT, BulkReason.PENDING_INVITATION),
    (ValidationFailed, BulkOutcome.INVALID, BulkReason.VALIDATION),
)


@transaction.atomic
def invitations_bulk_create(
    *, company, actor, rows: Sequence[dict[str, str] | ValidationFailed], now: datetime | None = None
) -> list[BulkRow]:
    """Invite many addresses at once: each row as ``invitation_create`` would, in its own savepoint.

    ``rows`` are the request's rows in order, each the single create's validated input or the
    ``ValidationFailed`` its input gave. A row that can be made is made even when others are
    refused; a refused row leaves nothing behind (no invitation, email or audit row), since its
    savepoint is rolled back. An address counts once: a later row naming an address an earlier
    valid row named is a ``conflict`` with reason ``duplicate``, whatever became of the earlier
    one. An invalid row claims no address, so a corrected copy of it further down is made.

    The pending invitations to the request's addresses are locked first, in key order, and the
    company row with the first row's seat check, as the single create takes them. Besides each
    invitation's own ``invitation_created`` row, one ``invitations_bulk_created`` row records
    the request and what became of it.
    """
    now = now or timezone.now()
    addresses = {normalize_email(row["email"]) for row in rows if isinstance(row, dict)}
    list(
        UserInvitation.objects.select_for_update()
        .filter(company=company, invited_email__in=addresses, status_id=_status(UserInvitationStatus.PENDING))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    results: list[BulkRow] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if isinstance(row, ValidationFailed):
            results.append(BulkRow(index, None, BulkOutcome.INVALID, BulkReason.VALIDATION, error=row))
            continue
        email = normalize_email(row["email"])
        if email in seen:
            duplicate = Conflict(MESSAGE_DUPLICATE)
            results.append(BulkRow(index, email, BulkOutcome.CONFLICT, BulkReason.DUPLICATE, error=duplicate))
            continue
        result = _bulk_row(index, email, row, company=company, actor=actor, now=now)
        if result.outcome != BulkOutcome.INVALID:
            seen.add(email)
        results.append(result)
    activity_record(
        action=ACTION_BULK_CREATED,
        entity=company,
        actor=actor,
        company_id=company.pk,
        new_values={
            "rows": len(rows),
            **{outcome: sum(result.outcome == outcome for result in results) for outcome in BulkOutcome.ALL},
            "invitations": [result.invitation.pk for result in results if result.invitation is not None],
        },
    )
    return _with_invitations_read(results)


def _with_invitations_read(results: list[BulkRow]) -> list[BulkRow]:
    """The results with each created invitation read back with its role, status and inviter, in one query."""
    created = UserInvitation.objects.select_related("role", "status", "invited_by").in_bulk(
        [result.invitation.pk for result in results if result.invitation is not None]
    )
    return [
        replace(result, invitation=created[result.invitation.pk]) if result.invitation is not None else result
        for result in results
    ]


def _bulk_row(index: int, email: str, row: dict[str, str], *, company, actor, now: datetime) -> BulkRow:
    try:
        with transaction.atomic():
            invitation = _invitation_make(company=company, actor=actor, now=now, **row)
    except DomainError as error:
        for refusal, outcome, reason in _BULK_REFUSALS:
            if isinstance(error, refusal):
                return BulkRow(index, email, outcome, reason, error=error)
        raise
    return BulkRow(index, email, BulkOutcome.CREATED, invitation=invitation)


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
    """Lock the invitation a token names and check it can still be answered."""
    invitation = (
        UserInvitation.objects.select_for_update().filter(token_hash=hash_token(token or ""), is_deleted=False).first()
    )
    if invitation is None or invitation.status_id != _status(UserInvitationStatus.PENDING):
        raise TokenInvalid()
    if invitation.expires_at <= now:
        raise TokenExpired()  # Computed on read; expire_invitations marks the row.
    return invitation


def _received(invitation_id: int, user: User, now: datetime) -> UserInvitation:
    """Lock the caller's own invitation by id and check it can still be answered.

    Only an invitation to the caller's verified address, from a company that still exists, is
    found: anyone else's answers 404 exactly as an id that was never used, so ids reveal no
    one's invitations. The company is checked by a subquery, not a join, so the lock stays on
    the invitation row (a joined FOR UPDATE would lock the company row before the seat check
    does, out of the order the module docstring gives).
    """
    if user.email_verified_at is None:
        raise NotFound()
    invitation = (
        UserInvitation.objects.select_for_update()
        .filter(
            pk=invitation_id,
            invited_email=normalize_email(user.email),
            is_deleted=False,
            company_id__in=Company.objects.filter(is_deleted=False).values("pk"),
        )
        .first()
    )
    if invitation is None:
        raise NotFound()
    if invitation.status_id != _status(UserInvitationStatus.PENDING):
        raise Conflict(MESSAGE_NOT_PENDING)
    if invitation.expires_at <= now:
        raise Conflict(MESSAGE_EXPIRED)
    return invitation


def invitations_received(*, user: User, now: datetime | None = None) -> QuerySet[UserInvitation]:
    """The pending, unexpired invitations to the caller's address, from any company.

    None until the address is verified: an unproven address must not show what was sent to it.
    Each row carries its company, role and inviter (one query for a page).
    """
    if user.email_verified_at is None:
        return UserInvitation.objects.none()
    return UserInvitation.objects.filter(
        invited_email=normalize_email(user.email),
        status_id=_status(UserInvitationStatus.PENDING),
        expires_at__gt=now or timezone.now(),
        is_deleted=False,
        company__is_deleted=False,
    ).select_related("company", "role", "invited_by")


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
        membership = _accepted(invitation, user, now)
    return membership, (session_start(user=user, now=now) if created else None)


@transaction.atomic
def invitation_accept_received(*, invitation_id: int, user: User, now: datetime | None = None) -> UserCompany:
    """Join the company by the invitation's id, as the signed-in invitee (``_received``)."""
    now = now or timezone.now()
    return _accepted(_received(invitation_id, user, now), user, now)


def _accepted(invitation: UserInvitation, user: User, now: datetime) -> UserCompany:
    """The accept transition, whichever way the invitation was found: join, mark it, audit it."""
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
    return membership


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
        raise AlreadyMember()
    seat_for_member_check(company_id=invitation.company_id, now=now)
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
    return _declined(_usable(token, now), actor=None, reason=reason, now=now)


@transaction.atomic
def invitation_decline_received(
    *, invitation_id: int, user: User, reason: str = "", now: datetime | None = None
) -> UserInvitation:
    """Decline by the invitation's id, as the signed-in invitee (``_received``)."""
    now = now or timezone.now()
    return _declined(_received(invitation_id, user, now), actor=user, reason=reason, now=now)


def _declined(invitation: UserInvitation, *, actor: User | None, reason: str, now: datetime) -> UserInvitation:
    """The decline transition; ``actor`` is the signed-in invitee, None for a link's anonymous holder."""
    UserInvitation.objects.filter(pk=invitation.pk).update(
        status_id=_status(UserInvitationStatus.DECLINED), declined_at=now, decline_reason=reason
    )
    activity_record(
        action="invitation_declined",
        entity=invitation,
        actor=actor,
        company_id=invitation.company_id,
        description=reason,
    )
    invitation.refresh_from_db()
    return invitation


def invitations_expire(*, now: datetime | None = None) -> int:
    """Mark every pending invitation past its expiry as expired; return how many."""
    now = now or timezone.now()
    return UserInvitation.objects.filter(status_id=_status(UserInvitationStatus.PENDING), expires_at__lte=now).update(
        status_id=_status(UserInvitationStatus.EXPIRED), expired_at=now
    )
