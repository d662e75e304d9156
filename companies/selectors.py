"""Reads of the companies area, each with its joins done up front (no query per row)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from reference.models import UserCompanyStatus

from .models import UserCompany, UserInvitation

if TYPE_CHECKING:
    from accounts.models import User


def memberships_of_user(*, user: User) -> QuerySet[UserCompany]:
    """The caller's active memberships with company, country, industry and role."""
    return (
        UserCompany.objects.filter(
            user=user, is_deleted=False, status__code=UserCompanyStatus.ACTIVE, company__is_deleted=False
        )
        .select_related("company__country", "company__industry", "role")
        .order_by("company__company_name")
    )


def company_members(*, company_id: int) -> QuerySet[UserCompany]:
    return (
        UserCompany.objects.filter(company_id=company_id, is_deleted=False)
        .select_related("user", "role", "status", "joined_via")
        .order_by("joined_date", "pk")
    )


def company_invitations(*, company_id: int, status: str | None = None) -> QuerySet[UserInvitation]:
    invitations = UserInvitation.objects.filter(company_id=company_id, is_deleted=False).select_related(
        "role", "status", "invited_by"
    )
    if status:
        invitations = invitations.filter(status__code=status)
    return invitations.order_by("-invited_at", "-pk")
