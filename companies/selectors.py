"""Reads of the companies area, each with its joins done up front (no query per row).

The bodies of the read endpoints come from here too: each a ``CompiledQuery`` over the columns
its output serializer shows, written by ``RowFormat`` as that serializer writes an instance. The
lists are cursor-paginated (``eventlead.core.pagination``), each in its ``KeyOrder``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from eventlead.core.exceptions import NotFound
from eventlead.core.pagination import DEFAULT_LIMIT, KeyOrder, Page
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
MEMBER_ORDER = KeyOrder("members", "joined_date", newest_first=False)
INVITATION_ORDER = KeyOrder("invitations", "invited_at")
_MEMBER_POSITION = MEMBER_ORDER.position_in(MEMBER.lookups)
_INVITATION_POSITION = INVITATION_ORDER.position_in(INVITATION.lookups)


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
    """Every membership of the company not soft-deleted (removed ones too), in joining order."""
    return MEMBER_ORDER.ordered(
        UserCompany.objects.filter(company_id=company_id, is_deleted=False).select_related(
            "user", "role", "status", "joined_via"
        )
    )


def company_invitations(*, company_id: int, status: str | None = None) -> QuerySet[UserInvitation]:
    """The company's invitations not soft-deleted, newest first; ``status`` filters by the stored status."""
    invitations = UserInvitation.objects.filter(company_id=company_id, is_deleted=False)
    if status:
        invitations = invitations.filter(status__code=status)
    return INVITATION_ORDER.ordered(invitations)


# The lists' pages at the default limit, which nearly every request asks for, are compiled: the
# first page, and a page after a cursor (bench/run: "GET /api/v1/companies/{id}/members (50)" and
# ".../invitations (50)"). Another limit runs the same queryset through the ORM: a compiled
# query's LIMIT is fixed when it is compiled.
MEMBERS_FIRST_PAGE = CompiledQuery(
    lambda company_id: MEMBER_ORDER.window(_member_rows(company_id), None, DEFAULT_LIMIT), company_id=int
)
INVITATIONS_FIRST_PAGE = CompiledQuery(
    lambda company_id: INVITATION_ORDER.window(_invitation_rows(company_id, None), None, DEFAULT_LIMIT),
    company_id=int,
)
INVITATIONS_WITH_STATUS_FIRST_PAGE = CompiledQuery(
    lambda company_id, status: INVITATION_ORDER.window(_invitation_rows(company_id, status), None, DEFAULT_LIMIT),
    company_id=int,
    status=str,
)


MEMBERS_NEXT_PAGE = CompiledQuery(
    lambda company_id, moment, tie, key: MEMBER_ORDER.beyond(
        MEMBER_ORDER.ordered(_member_rows(company_id)), moment, key, tie=tie
    )[: DEFAULT_LIMIT + 1],
    company_id=int,
    moment=datetime,
    tie=datetime,
    key=int,
)
INVITATIONS_NEXT_PAGE = CompiledQuery(
    lambda company_id, moment, tie, key: INVITATION_ORDER.beyond(
        INVITATION_ORDER.ordered(_invitation_rows(company_id, None)), moment, key, tie=tie
    )[: DEFAULT_LIMIT + 1],
    company_id=int,
    moment=datetime,
    tie=datetime,
    key=int,
)
INVITATIONS_WITH_STATUS_NEXT_PAGE = CompiledQuery(
    lambda company_id, status, moment, tie, key: INVITATION_ORDER.beyond(
        INVITATION_ORDER.ordered(_invitation_rows(company_id, status)), moment, key, tie=tie
    )[: DEFAULT_LIMIT + 1],
    company_id=int,
    status=str,
    moment=datetime,
    tie=datetime,
    key=int,
)


def _member_rows(company_id: int) -> QuerySet[UserCompany, Any]:
    return company_members(company_id=company_id).values_list(*MEMBER.lookups)


def _invitation_rows(company_id: int, status: str | None) -> QuerySet[UserInvitation, Any]:
    return company_invitations(company_id=company_id, status=status).values_list(*INVITATION.lookups)


def members_page(*, company_id: int, cursor: str | None, limit: int) -> Page:
    """GET /companies/{id}/members: a page of ``company_members``.

    In joining order, ties by id. The joining date, not the id, because a member who left and is
    invited back keeps their row with a new joining date (``invitations._join``): the list shows
    them as having joined then. A member who joins, or rejoins, while a client walks through the
    pages comes at the end of the walk; no one else moves.
    """
    if cursor is None and limit == DEFAULT_LIMIT:
        rows = MEMBERS_FIRST_PAGE.rows(company_id=company_id)
    elif cursor is not None and limit == DEFAULT_LIMIT:
        moment, key = MEMBER_ORDER.position(cursor)
        rows = MEMBERS_NEXT_PAGE.rows(company_id=company_id, moment=moment, tie=moment, key=key)
    else:
        rows = list(MEMBER_ORDER.window(_member_rows(company_id), cursor, limit))
    return MEMBER_ORDER.page(rows, limit, position=_MEMBER_POSITION, row=MEMBER.render)


def invitations_page(*, company_id: int, status: str | None, cursor: str | None, limit: int) -> Page:
    """GET /companies/{id}/invitations: a page of ``company_invitations``, newest first."""
    if cursor is None and limit == DEFAULT_LIMIT:
        if status:
            rows = INVITATIONS_WITH_STATUS_FIRST_PAGE.rows(company_id=company_id, status=status)
        else:
            rows = INVITATIONS_FIRST_PAGE.rows(company_id=company_id)
    elif cursor is not None and limit == DEFAULT_LIMIT:
        moment, key = INVITATION_ORDER.position(cursor)
        if status:
            rows = INVITATIONS_WITH_STATUS_NEXT_PAGE.rows(
                company_id=company_id, status=status, moment=moment, tie=moment, key=key
            )
        else:
            rows = INVITATIONS_NEXT_PAGE.rows(company_id=company_id, moment=moment, tie=moment, key=key)
    else:
        rows = list(INVITATION_ORDER.window(_invitation_rows(company_id, status), cursor, limit))
    return INVITATION_ORDER.page(rows, limit, position=_INVITATION_POSITION, row=INVITATION.render)
