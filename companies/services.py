"""Every write of the companies area except invitations: companies, details, memberships."""

from __future__ import annotations

from datetime import datetime
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from auditing.services import activity_record, entity_snapshot_record, role_change_record, snapshot
from eventlead.core.exceptions import Conflict, NotFound, UpstreamUnavailable, ValidationFailed
from reference.models import (
    Country,
    CustomerTier,
    Industry,
    JoinedVia,
    UserCompanyRole,
    UserCompanyStatus,
    UserInvitationStatus,
)
from reference.selectors import reference_id

from .models import (
    Company,
    CompanyBillingDetails,
    CompanyCustomerDetails,
    CompanyOrganizerDetails,
    UserCompany,
    UserInvitation,
)
from .validation import compact_number, validate_for_country

if TYPE_CHECKING:
    from accounts.models import User

MESSAGE_ABN_TAKEN = "A company with this ABN already exists."
MESSAGE_LAST_ADMIN = "A company needs at least one active company admin; make someone else admin first."
MESSAGE_UNKNOWN_COUNTRY = "Choose an active country code such as AU."
MESSAGE_UNKNOWN_INDUSTRY = "Choose an industry code from /api/v1/reference/industries."
MESSAGE_MFA_FIRST = (
    "Turn on two-factor authentication for your own account first (POST /api/v1/auth/mfa/totp/setup): "
    "once the company requires it, members without it cannot reach the company."
)
ACTION_MFA_REQUIRED = "company_mfa_required"
ACTION_MFA_NOT_REQUIRED = "company_mfa_not_required"
REASON_INVITER_REMOVED = "Cancelled: the admin who sent it was removed from the company."
REASON_INVITER_DEMOTED = "Cancelled: the admin who sent it is no longer a company admin."
REASON_INVITER_GONE = "Cancelled: the admin who sent it no longer administers the company."
REASON_INVITER_LEFT = "Cancelled: the admin who sent it left the company."
# The removal reason of a member who left (spec/api.md, "Teams").
REASON_LEFT = "left"
ACTION_MEMBER_LEFT = "member_left"

COMPANY_FIELDS = (
    "company_name",
    "custom_display_name",
    "display_name_source",
    "phone",
    "email",
    "website",
    "address_line1",
    "address_line2",
    "suburb",
    "state_code",
    "postal_code",
)


def _country(code: str, *, field: str = "countryCode") -> Country:
    country = Country.objects.active().filter(country_code=(code or "").upper()).first()
    if country is None:
        raise ValidationFailed(fields={field: [MESSAGE_UNKNOWN_COUNTRY]})
    return country


def _industry(code: str | None) -> Industry | None:
    if not code:
        return None
    industry = Industry.objects.active().filter(industry_code=code.upper()).first()
    if industry is None:
        raise ValidationFailed(fields={"industryCode": [MESSAGE_UNKNOWN_INDUSTRY]})
    return industry


def _validate(values: dict[str, object], country: Country) -> None:
    errors = validate_for_country(values, country_id=country.pk, country_code=country.country_code)
    if errors:
        raise ValidationFailed(fields={_camel(k): v for k, v in errors.items()})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _abr_fields(abn: str) -> dict[str, object]:
    """Company fields from the ABR, through its cache; none when ABR has no answer now.

    A company can be created while ABR is down; ``ABRLastVerifiedAt`` stays empty until
    its details are refreshed.
    """
    from abrcache.client import company_fields_from_abn
    from abrcache.models import SearchType
    from abrcache.services import abr_search

    try:
        found = abr_search(search_type=SearchType.ABN, value=abn)
    except UpstreamUnavailable:
        return {}
    if not found.results:
        return {}
    return company_fields_from_abn(found.results[0], verified_at=found.cached_at)


def _save_company(company: Company) -> None:
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as error:
        if company.abn and Company.objects.filter(abn=company.abn).exclude(pk=company.pk).exists():
            raise Conflict(MESSAGE_ABN_TAKEN, fields={"abn": [MESSAGE_ABN_TAKEN]}) from error
        raise


def company_create(
    *,
    creator: User,
    company_name: str,
    country_code: str,
    abn: str | None = None,
    acn: str | None = None,
    industry_code: str | None = None,
    **fields: object,
) -> Company:
    """Create a company; the creator becomes its admin (joined via sign-up), on the free tier.

    With an ABN, the ABR's details (legal name, business names, status, GST) fill the
    company; they are looked up before the transaction opens, so no transaction waits on ABR.
    """
    country = _country(country_code)
    abn, acn = compact_number(abn) or None, compact_number(acn) or None
    _validate({"abn": abn, "acn": acn, **fields}, country)
    if abn and Company.objects.filter(abn=abn).exists():
        raise Conflict(MESSAGE_ABN_TAKEN, fields={"abn": [MESSAGE_ABN_TAKEN]})
    abr_fields = _abr_fields(abn) if abn else {}
    return _company_insert(
        creator=creator,
        abr_fields=abr_fields,
        company_name=company_name,
        country=country,
        industry=_industry(industry_code),
        abn=abn,
        acn=acn,
        **fields,
    )


@transaction.atomic
def _company_insert(*, creator: User, abr_fields: dict[str, object], **fields: object) -> Company:
    company = Company(created_by=creator, updated_by=creator, **fields)
    for field, value in abr_fields.items():
        if field not in ("abn", "acn") or not getattr(company, field):
            setattr(company, field, value)
    _save_company(company)
    CompanyCustomerDetails.objects.create(
        company=company,
        customer_tier_id=reference_id(CustomerTier, CustomerTier.FREE),
        subscription_start_date=timezone.localdate(),
        created_by=creator,
        updated_by=creator,
    )
    admin_role = reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN)
    membership = UserCompany.objects.create(
        user=creator,
        company=company,
        role_id=admin_role,
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(JoinedVia, JoinedVia.SIGNUP),
        is_primary=not UserCompany.objects.filter(user=creator, is_deleted=False).exists(),
        created_by=creator,
        updated_by=creator,
    )
    entity_snapshot_record(instance=company, old=None, actor=creator)
    role_change_record(
        user_id=creator.pk,
        company_id=company.pk,
        old_role_id=None,
        new_role_id=admin_role,
        actor=creator,
        reason="created the company",
    )
    activity_record(
        action="company_created",
        entity=company,
        actor=creator,
        company_id=company.pk,
        new_values={"companyName": company.company_name, "abn": company.abn, "membership": membership.pk},
    )
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    actor: User,
    industry_code: str | None | EllipsisType = ...,
    require_mfa: bool | EllipsisType = ...,
    **changes: object,
) -> Company:
    """Change a company's profile, and whether it requires MFA of its members.

    An admin without MFA cannot require it: the next request would refuse them too. A change of
    the policy gets its own activity row (``company_mfa_required`` or ``company_mfa_not_required``)
    beside the ``audit.Company`` snapshot.
    """
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = snapshot(company)
    _validate(changes, company.country)
    for field, value in changes.items():
        if field not in COMPANY_FIELDS:
            raise ValueError(f"{field} cannot be changed here")
        setattr(company, field, value)
    if industry_code is not ...:
        company.industry = _industry(industry_code)
    policy_changed = require_mfa is not ... and require_mfa != company.require_mfa
    if policy_changed:
        if require_mfa and not actor.mfa_enabled:
            raise ValidationFailed(fields={"requireMfa": [MESSAGE_MFA_FIRST]})
        company.require_mfa = bool(require_mfa)
    company.updated_by = actor
    _save_company(company)
    if entity_snapshot_record(instance=company, old=before, actor=actor):
        if policy_changed:
            company_mfa_policy_record(company=company, actor=actor)
        if changes or industry_code is not ...:
            activity_record(
                action="company_updated",
                entity=company,
                actor=actor,
                company_id=company.pk,
                new_values={k: str(v) for k, v in changes.items()},
            )
    return company


def company_mfa_policy_record(*, company: Company, actor: User | None, description: str = "") -> None:
    """Write the activity row of a change of ``RequireMfa`` (the API's and the back office's)."""
    activity_record(
        action=ACTION_MFA_REQUIRED if company.require_mfa else ACTION_MFA_NOT_REQUIRED,
        entity=company,
        actor=actor,
        company_id=company.pk,
        description=description,
        old_values={"requireMfa": not company.require_mfa},
        new_values={"requireMfa": company.require_mfa},
    )


DETAILS_MODELS: dict[str, type[CompanyBillingDetails] | type[CompanyOrganizerDetails]] = {
    "billing": CompanyBillingDetails,
    "organizer": CompanyOrganizerDetails,
}


@transaction.atomic
def company_details_update(
    *, company: Company, kind: str, actor: User, **changes: Any
) -> CompanyBillingDetails | CompanyOrganizerDetails:
    """Create or change the billing or organizer details of a company."""
    model = DETAILS_MODELS[kind]
    country = company.country
    if kind == "billing" and "billing_country_code" in changes:
        code = changes.pop("billing_country_code")
        changes["billing_country"] = _country(code, field="billingCountryCode") if code else None
        country = changes["billing_country"] or country
    _validate(changes, country)
    details, created = model.objects.select_for_update().get_or_create(
        company=company, defaults={"created_by": actor, "updated_by": actor}
    )
    before = snapshot(details)
    for field, value in changes.items():
        setattr(details, field, value)
    details.updated_by = actor
    details.save()
    activity_record(
        action=f"company_{kind}_details_updated",
        entity=details,
        actor=actor,
        company_id=company.pk,
        old_values=None if created else {k: before.get(k) for k in snapshot(details) if k in before},
        new_values={k: str(v) for k, v in changes.items()},
    )
    return details


# Memberships -----------------------------------------------------------------------------------


def _lock_active_admins(company_id: int) -> list[tuple[int, int]]:
    """Lock the company's active admin memberships; return their ``(pk, user_id)``.

    The last-admin rule is decided under this lock, so of admins stepping down together one
    always stays. The filter uses reference ids rather than joins: on PostgreSQL a joined
    FOR UPDATE would also lock the shared ``ref`` rows every membership points at.
    """
    return list(
        UserCompany.objects.select_for_update()
        .filter(
            company_id=company_id,
            is_deleted=False,
            status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
            role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN),
        )
        .order_by("pk")
        .values_list("pk", "user_id")
    )


def _refuse_losing_the_last_admin(admins: list[tuple[int, int]], membership: UserCompany) -> None:
    """Refuse taking ``membership`` out of ``admins`` when no other admin could sign in.

    An admin who is suspended, locked, pending verification or deleted cannot act for the
    company, so counts for nothing; whether a user can sign in is ``User.is_active``, the rule
    login and the JWT authentication apply (a lock whose time is up no longer counts).
    """
    from accounts.models import User

    others = [user_id for pk, user_id in admins if pk != membership.pk]
    if len(others) == len(admins):
        return  # Not an active admin: the company's admins are unchanged.
    if not any(user.is_active for user in User.objects.filter(pk__in=others)):
        raise Conflict(MESSAGE_LAST_ADMIN)


def _pending_invitations_cancel(
    pending: QuerySet[UserInvitation], *, actor: User | None, reason: str, now: datetime | None = None
) -> int:
    """Cancel the still-pending invitations of ``pending``; return how many.

    An invitation carries its sender's authority, so it must not outlive it: a removed or
    demoted admin could otherwise let themselves back in through an address of their own.
    Each goes through ``invitation_cancel``, the one cancel flow (its fields and audit row).
    The rows are locked first, in key order, so an accept racing this waits and then finds
    the invitation cancelled. Call inside a transaction.
    """
    from .invitations import invitation_cancel

    rows = list(
        pending.select_for_update()
        .filter(status_id=reference_id(UserInvitationStatus, UserInvitationStatus.PENDING), is_deleted=False)
        .order_by("pk")
        .values_list("pk", "company_id")
    )
    companies = Company.objects.in_bulk({company_id for _, company_id in rows})
    for invitation_id, company_id in rows:
        invitation_cancel(
            company=companies[company_id], invitation_id=invitation_id, actor=actor, reason=reason, now=now
        )
    return len(rows)


@transaction.atomic
def invitations_sent_cancel(*, inviter_id: int, actor: User | None, reason: str) -> int:
    """Cancel the pending invitations ``inviter_id`` sent to any company; return how many.

    Removal and demotion cancel them company by company; suspending or closing an account
    should call this.
    """
    return _pending_invitations_cancel(
        UserInvitation.objects.filter(invited_by_id=inviter_id), actor=actor, reason=reason
    )


def _member_invitations_cancel(membership: UserCompany, *, actor: User, reason: str) -> None:
    """Cancel the pending invitations ``membership``'s user sent to its company."""
    sent = UserInvitation.objects.filter(company_id=membership.company_id, invited_by_id=membership.user_id)
    _pending_invitations_cancel(sent, actor=actor, reason=reason)


@transaction.atomic
def member_role_change(*, membership: UserCompany, role_code: str, actor: User, reason: str = "") -> UserCompany:
    """Give a member another role; one who stops being admin loses the invitations they sent."""
    role = UserCompanyRole.objects.active().filter(code=role_code).first()
    if role is None:
        raise ValidationFailed(fields={"role": [f"Choose one of: {', '.join(_role_codes())}."]})
    admins = _lock_active_admins(membership.company_id)
    membership = UserCompany.objects.select_for_update().get(pk=membership.pk)
    if membership.role_id == role.pk:
        return membership
    if role.code != UserCompanyRole.COMPANY_ADMIN:
        _refuse_losing_the_last_admin(admins, membership)
    old_role_id = membership.role_id
    membership.role = role
    membership.updated_by = actor
    membership.save(update_fields=["role", "updated_by", "updated_date"])
    role_change_record(
        user_id=membership.user_id,
        company_id=membership.company_id,
        old_role_id=old_role_id,
        new_role_id=role.pk,
        actor=actor,
        reason=reason,
    )
    activity_record(
        action="member_role_changed",
        entity=membership,
        actor=actor,
        company_id=membership.company_id,
        old_values={"roleId": old_role_id},
        new_values={"roleId": role.pk, "role": role.code},
    )
    if role.code != UserCompanyRole.COMPANY_ADMIN:  # Only admins invite.
        _member_invitations_cancel(membership, actor=actor, reason=REASON_INVITER_DEMOTED)
    return membership


@transaction.atomic
def member_remove(*, membership: UserCompany, actor: User, reason: str) -> UserCompany:
    """Soft removal: status removed, with date, remover and reason; the row stays.

    The pending invitations the member sent are cancelled with it.
    """
    membership = _membership_remove(membership, actor=actor, reason=reason)
    activity_record(
        action="member_removed",
        entity=membership,
        actor=actor,
        company_id=membership.company_id,
        description=reason,
        new_values={"userId": membership.user_id, "reason": reason},
    )
    _member_invitations_cancel(membership, actor=actor, reason=REASON_INVITER_REMOVED)
    return membership


@transaction.atomic
def member_leave(*, user: User, company_id: int) -> UserCompany:
    """The caller leaves the company: removed as ``member_remove`` removes, with reason ``left``.

    The last active admin cannot leave (409), by the rule removal applies. Recorded as a role
    change to none (``audit.Role``) and a ``member_left`` activity row; the pending invitations
    the member sent are cancelled. The company's MFA policy is not applied: a member refused by
    it must still be able to go (``access.mfa_policy_check`` is for the company's other routes).
    """
    from .access import active_memberships

    membership = active_memberships(user.pk).filter(company_id=company_id).first()
    if membership is None:
        raise NotFound()
    old_role_id = membership.role_id
    membership = _membership_remove(membership, actor=user, reason=REASON_LEFT, still_active=True)
    role_change_record(
        user_id=user.pk,
        company_id=company_id,
        old_role_id=old_role_id,
        new_role_id=None,
        actor=user,
        reason=REASON_LEFT,
    )
    activity_record(
        action=ACTION_MEMBER_LEFT,
        entity=membership,
        actor=user,
        company_id=company_id,
        description=REASON_LEFT,
        old_values={"roleId": old_role_id},
        new_values={"userId": user.pk, "reason": REASON_LEFT},
    )
    _member_invitations_cancel(membership, actor=user, reason=REASON_INVITER_LEFT)
    return membership


def _membership_remove(membership: UserCompany, *, actor: User, reason: str, still_active: bool = False) -> UserCompany:
    """Mark the membership removed, unless it is the company's last admin who can sign in (409).

    Locks the company's admin memberships, then this one (``_lock_active_admins``); call
    inside a transaction. With ``still_active``, a membership that stopped being active while
    its lock was awaited (removed at the same moment) is 404, not removed twice.
    """
    admins = _lock_active_admins(membership.company_id)
    membership = UserCompany.objects.select_for_update().get(pk=membership.pk)
    if still_active and membership.status_id != reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE):
        raise NotFound()
    _refuse_losing_the_last_admin(admins, membership)
    now = timezone.now()
    membership.status_id = reference_id(UserCompanyStatus, UserCompanyStatus.REMOVED)
    membership.removed_date, membership.removed_by, membership.removal_reason = now, actor, reason
    membership.updated_by = actor
    membership.save(
        update_fields=["status", "removed_date", "removed_by", "removal_reason", "updated_by", "updated_date"]
    )
    return membership


@transaction.atomic
def invitations_orphaned_cancel(*, now: datetime | None = None) -> int:
    """Cancel pending invitations whose sender is no longer an active admin of the company.

    Removal and demotion cancel a member's invitations as they happen; this catches those left
    from before that rule. Run it once after upgrading (``cancel_orphaned_invitations``); it is
    safe to run again. Returns how many were cancelled.
    """
    still_admin = UserCompany.objects.filter(
        company_id=OuterRef("company_id"),
        user_id=OuterRef("invited_by_id"),
        is_deleted=False,
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN),
    )
    orphaned = UserInvitation.objects.filter(~Exists(still_admin))
    return _pending_invitations_cancel(orphaned, actor=None, reason=REASON_INVITER_GONE, now=now)


def _role_codes() -> list[str]:
    return list(UserCompanyRole.objects.active().values_list("code", flat=True))
