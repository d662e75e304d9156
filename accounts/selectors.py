"""Reads of the accounts area, with their joins done up front."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework.fields import DateTimeField

from companies.models import UserCompany
from eventlead.db.compiled import CompiledQuery
from reference.models import UserCompanyStatus

if TYPE_CHECKING:
    from .models import User

_DATETIME = DateTimeField()


def _memberships(user_id: int) -> QuerySet[UserCompany]:
    return (
        UserCompany.objects.filter(
            user_id=user_id, is_deleted=False, status__code=UserCompanyStatus.ACTIVE, company__is_deleted=False
        )
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


MEMBERSHIPS = CompiledQuery(_memberships, user_id=int)
MAX_ID = 2**31 - 1  # the AutoField's range on every engine


def _user(user_id: int) -> QuerySet[User]:
    from .models import User

    # The manager joins status and role: what authentication and the profile read.
    return User.objects.filter(pk=user_id)


USER_BY_ID = CompiledQuery(_user, user_id=int)


def user_by_id(user_id: object) -> User | None:
    """The user a token's subject names (an id, as a string), with status and role; None if none.

    The query of every authenticated request, compiled once rather than per request.
    """
    try:
        pk = int(user_id)  # type: ignore[call-overload]  # a claim: any JSON value
    except (ValueError, TypeError):
        return None
    return USER_BY_ID.first(user_id=pk) if 0 < pk <= MAX_ID else None


def user_memberships(*, user: User) -> list[UserCompany]:
    """The user's active memberships of live companies, with company and role: one query however many."""
    return MEMBERSHIPS.instances(user_id=user.pk)


def user_profile(*, user: User) -> dict[str, Any]:
    """The body of GET /users/me (``serializers.UserOutput`` documents it; a test holds the two equal).

    Built by hand: the hottest read there is, and a serializer would build its fields anew on
    every request.
    """
    return {
        "user_id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "role_title": user.role_title,
        "timezone_identifier": user.timezone_identifier,
        "profile_picture_url": user.profile_picture_url,
        "email_verified_at": _datetime(user.email_verified_at),
        "status": user.status.code,
        "last_login": _datetime(user.last_login),
        "companies": [
            {"company_id": membership.company.pk, "name": membership.company.display_name, "role": membership.role.code}
            for membership in user_memberships(user=user)
        ],
    }


def _datetime(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)
