"""Who may see and change a company: active members see it, roles decide what they change.

Anything of a company the caller is not an active member of answers 404, never 403, so
the existence of other tenants' rows does not leak.
"""

from eventlead.core.exceptions import NotFound, PermissionDeniedError
from reference.models import UserCompanyRole, UserCompanyStatus

from .models import UserCompany

MESSAGE_ADMINS_ONLY = "Only a company admin can do this."


def membership_get(*, user, company_id) -> UserCompany:
    """The caller's active membership of ``company_id``, with company and role; else 404."""
    membership = (
        UserCompany.objects.select_related("company", "role")
        .filter(
            user=user,
            company_id=company_id,
            company__is_deleted=False,
            is_deleted=False,
            status__code=UserCompanyStatus.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


def require_admin(membership: UserCompany) -> None:
    if membership.role.code != UserCompanyRole.COMPANY_ADMIN:
        raise PermissionDeniedError(MESSAGE_ADMINS_ONLY)
