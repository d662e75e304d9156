"""Reads of the accounts area, with their joins done up front."""

from companies.models import UserCompany
from reference.models import UserCompanyStatus


def user_memberships(*, user):
    """The user's active memberships with company and role: one query however many."""
    return (
        UserCompany.objects.filter(user=user, is_deleted=False, status__code=UserCompanyStatus.ACTIVE)
        .select_related("company", "role")
        .order_by("company__company_name")
    )
