"""Who may see and change a company: active members see it, roles decide what they change.

Anything of a company the caller is not an active member of answers 404, never 403, so
the existence of other tenants' rows does not leak.

A company that requires MFA (``Company.RequireMfa``) refuses a member who has not turned it on
with 403 ``mfa_required`` on every one of its routes: the detail and everything under
``/companies/{companyId}/``. The rule is ``mfa_policy_check``; the membership reads below
bring the company's flag in the query they already run, and the member's own flag is on the
user row authentication loaded. The list of companies and users/me still show the company,
with ``requireMfa``, so the member learns why; turning MFA on (``/auth/mfa/...``) is not a
company route.
"""

from django.db.models import QuerySet

from eventlead.core.exceptions import MfaRequired, NotFound, PermissionDeniedError
from eventlead.db.compiled import CompiledQuery
from reference.models import UserCompanyRole, UserCompanyStatus

from .models import UserCompany

MESSAGE_ADMINS_ONLY = "Only a company admin can do this."


def active_memberships(user_id: int) -> QuerySet[UserCompany]:
    """The user's memberships that let them see their company: active, of a live company."""
    return UserCompany.objects.filter(
        user_id=user_id,
        company__is_deleted=False,
        is_deleted=False,
        status__code=UserCompanyStatus.ACTIVE,
    )


def _active_membership(user_id: int, company_id: int) -> QuerySet[UserCompany]:
    return active_memberships(user_id).filter(company_id=company_id)


# Every company route reads one of these first: compiled once, not per request.
MEMBERSHIP = CompiledQuery(
    lambda user_id, company_id: _active_membership(user_id, company_id).select_related("company", "role"),
    user_id=int,
    company_id=int,
)
MEMBERSHIP_ROLE = CompiledQuery(
    lambda user_id, company_id: _active_membership(user_id, company_id).values_list(
        "role__code", "company__require_mfa"
    ),
    user_id=int,
    company_id=int,
)


def mfa_policy_check(*, user, require_mfa: bool) -> None:
    """403 ``mfa_required`` when the company requires MFA and ``user`` has not turned it on.

    Applied after the membership is found, so a stranger still gets 404 and learns nothing.
    """
    if require_mfa and not user.mfa_enabled:
        raise MfaRequired()


def membership_get(*, user, company_id) -> UserCompany:
    """The caller's active membership of ``company_id``, with company and role; else 404 (or 403
    ``mfa_required``, ``mfa_policy_check``)."""
    membership = MEMBERSHIP.first(user_id=user.pk, company_id=company_id)
    if membership is None:
        raise NotFound()
    mfa_policy_check(user=user, require_mfa=membership.company.require_mfa)
    return membership


def membership_role(*, user, company_id) -> str:
    """The caller's role in ``company_id`` by the same rules, for routes that only read; else 404."""
    rows = MEMBERSHIP_ROLE.rows(user_id=user.pk, company_id=company_id)
    if not rows:
        raise NotFound()
    role, require_mfa = rows[0]
    mfa_policy_check(user=user, require_mfa=require_mfa)
    return str(role)


def require_admin(membership: UserCompany | str) -> None:
    """403 unless the membership (or the role code ``membership_role`` gave) is company admin."""
    role = membership if isinstance(membership, str) else membership.role.code
    if role != UserCompanyRole.COMPANY_ADMIN:
        raise PermissionDeniedError(MESSAGE_ADMINS_ONLY)
