"""Reads of the companies area, each with its joins done up front (no query per row).

The bodies of the read endpoints come from here too: each a ``CompiledQuery`` over the columns
its output serializer shows, written by ``RowFormat`` as that serializer writes an instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from eventlead.core.exceptions import NotFound
from eventlead.core.renderers import CamelCaseRow
from eventlead.core.rows import RowFormat
from eventlead.db.compiled import CompiledQuery

from . import serializers as s
from .access import active_memberships, mfa_policy_check
from .invitations import effective_status_of
from .models import Company, UserCompany, UserInvitation

if TYPE_CHECKING:
    from accounts.models import User


COMPANY = RowFormat(
    s.CompanyOutput,
    computed={
        "display_name": ([f"company__{column}" for column in Company.DISPLAY_NAME_COLUMNS], Company.display_name_of),
        "role": (["role__code"], str),
    },
    prefix="company__",
)
_REQUIRE_MFA = COMPANY.lookups.index("company__require_mfa")
MEMBER = RowFormat(s.MemberOutput)
INVITATION = RowFormat(s.InvitationOutput, computed={"status": (["status__code", "expires_at"], effective_status_of)})


COMPANIES_OF_USER = CompiledQuery(
    lambda user_id: active_memberships(user_id).order_by("company__company_name").values_list(*COMPANY.lookups),
    user_id=int,
)
COMPANY_OF_MEMBER = CompiledQuery(
    lambda user_id, company_id: active_memberships(user_id).filter(company_id=company_id).values_list(*COMPANY.lookups),
    user_id=int,
    company_id=int,
)


def companies_body(*, user: User) -> list[CamelCaseRow]:
    """GET /companies: the caller's companies, each with the caller's role."""
    return COMPANY.render_all(COMPANIES_OF_USER.rows(user_id=user.pk))


def company_body(*, user: User, company_id: int) -> CamelCaseRow:
    """GET /companies/{id}: the access checks and the body in one query; 404 for a non-member, 403
    ``mfa_required`` for a member the company's MFA policy refuses (``access.mfa_policy_check``)."""
    rows = COMPANY_OF_MEMBER.rows(user_id=user.pk, company_id=company_id)
    if not rows:
        raise NotFound()
    mfa_policy_check(user=user, require_mfa=rows[0][_REQUIRE_MFA])
    return COMPANY.render(rows[0])


def company_members(*, company_id: int) -> QuerySet[UserCompany]:
    return (
        UserCompany.objects.filter(company_id=company_id, is_deleted=False)
        .select_related("user", "role", "status", "joined_via")
        .order_by("joined_date", "pk")
    )


MEMBERS = CompiledQuery(
    lambda company_id: company_members(company_id=company_id).values_list(*MEMBER.lookups), company_id=int
)


def members_body(*, company_id: int) -> list[CamelCaseRow]:
    return MEMBER.render_all(MEMBERS.rows(company_id=company_id))


def company_invitations(*, company_id: int, status: str | None = None) -> QuerySet[UserInvitation]:
    invitations = UserInvitation.objects.filter(company_id=company_id, is_deleted=False)
    if status:
        invitations = invitations.filter(status__code=status)
    return invitations.order_by("-invited_at", "-pk")


INVITATIONS = CompiledQuery(
    lambda company_id: company_invitations(company_id=company_id).values_list(*INVITATION.lookups), company_id=int
)
INVITATIONS_WITH_STATUS = CompiledQuery(
    lambda company_id, status: company_invitations(company_id=company_id, status=status).values_list(
        *INVITATION.lookups
    ),
    company_id=int,
    status=str,
)


def invitations_body(*, company_id: int, status: str | None = None) -> list[CamelCaseRow]:
    """GET /companies/{id}/invitations, newest first; ``status`` filters by the stored status."""
    if status:
        rows = INVITATIONS_WITH_STATUS.rows(company_id=company_id, status=status)
    else:
        rows = INVITATIONS.rows(company_id=company_id)
    return INVITATION.render_all(rows)
