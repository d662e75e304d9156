"""Who may see and change a company: active members see it, roles decide what they change.

Anything of a company the caller is not an active member of answers 404, never 403, so
the existence of other tenants' rows does not leak.
"""

from eventlead.core.exceptions import NotFound, PermissionDeniedError
from eventlead.db.compiled import CompiledQuery
from reference.models import UserCompanyRole, UserCompanyStatus

from .models import UserCompany

MESSAGE_ADMINS_ONLY = "Only a company admin can do this."

# Every company route reads this first: compiled once, not per request.
MEMBERSHIP = CompiledQuery(
    lambda user_id, company_id: UserCompany.objects.select_related("company", "role").filter(
        user_id=user_id,
        company_id=company_id,
        company__is_deleted=False,
        is_deleted=False,
        status__code=UserCompanyStatus.ACTIVE,
    ),
    user_id=int,
    company_id=int,
)


def membership_get(*, user, company_id) -> UserCompany:
    """The caller's active membership of ``company_id``, with company and role; else 404."""
    membership = MEMBERSHIP.first(user_id=user.pk, company_id=company_id)
    if membership is None:
        raise NotFound()
    return membership


def require_admin(membership: UserCompany) -> None:
    if membership.role.code != UserCompanyRole.COMPANY_ADMIN:
        raise PermissionDeniedError(MESSAGE_ADMINS_ONLY)
