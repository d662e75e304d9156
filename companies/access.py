"""Who may see and change a company: active members see it, roles decide what they change.

Anything of a company the caller is not an active member of answers 404, never 403, so
the existence of other tenants' rows does not leak.
"""

from django.db.models import QuerySet

from eventlead.core.exceptions import NotFound, PermissionDeniedError
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
    lambda user_id, company_id: _active_membership(user_id, company_id).values_list("role__code"),
    user_id=int,
    company_id=int,
)


def membership_get(*, user, company_id) -> UserCompany:
    """The caller's active membership of ``company_id``, with company and role; else 404."""
    membership = MEMBERSHIP.first(user_id=user.pk, company_id=company_id)
    if membership is None:
        raise NotFound()
    return membership


def membership_role(*, user, company_id) -> str:
    """The caller's role in ``company_id`` by the same rule, for routes that only read; else 404."""
    rows = MEMBERSHIP_ROLE.rows(user_id=user.pk, company_id=company_id)
    if not rows:
        raise NotFound()
    return str(rows[0][0])


def require_admin(membership: UserCompany | str) -> None:
    """403 unless the membership (or the role code ``membership_role`` gave) is company admin."""
    role = membership if isinstance(membership, str) else membership.role.code
    if role != UserCompanyRole.COMPANY_ADMIN:
        raise PermissionDeniedError(MESSAGE_ADMINS_ONLY)
