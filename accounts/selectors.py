"""Reads of the accounts area, with their joins done up front."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from companies.models import UserCompany
from reference.models import UserCompanyStatus

if TYPE_CHECKING:
    from .models import User


def user_memberships(*, user: User) -> QuerySet[UserCompany]:
    """The user's active memberships with company and role: one query however many."""
    return (
        UserCompany.objects.filter(user=user, is_deleted=False, status__code=UserCompanyStatus.ACTIVE)
        .select_related("company", "role")
        # Only what the profile shows (id, display name, role): these rows are wide.
        .only(
            "company__id",
            "company__company_name",
            "company__legal_entity_name",
            "company__business_names",
            "company__custom_display_name",
            "company__display_name_source",
            "role__code",
            "user_id",
        )
        .order_by("company__company_name")
    )
