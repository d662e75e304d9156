"""A company's seat limit (``MaxUsers``): active members plus pending invitations, within its plan.

The limit is the company's own ``dbo.CompanyCustomerDetails.MaxUsers`` when set (a negotiated
seat count), else its tier's ``ref.CustomerTier.MaxUsers``; a company without customer details,
or whose limit is empty at both levels (the enterprise tier), is unlimited.

An invitation takes a seat while it is pending and unexpired, so a company cannot promise more
seats than it has. Accepting one turns its seat into the member's, so an accept is refused only
when the company's active members alone already fill the limit (the limit was lowered, or
members came another way): a company at its limit cannot gain a member.

The rule is decided under a lock of the company row (``select_for_update``), taken inside the
caller's transaction before counting and held to its end, so of two invitations or two
accepts racing for the last seat, the second counts the first. The count is a statement of its
own after the lock: under READ COMMITTED a subquery of the locking statement itself would
still read the snapshot taken before the wait (PostgreSQL documentation, "Transaction
Isolation", 13.2.1), and miss the member who just took the seat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from eventlead.core.exceptions import Conflict
from reference.models import UserCompanyStatus, UserInvitationStatus
from reference.selectors import reference_id

from .models import Company, CompanyCustomerDetails, UserCompany, UserInvitation

MESSAGE_SEATS_FULL = (
    "This company's plan has {limit} seats and they are all taken by members and pending invitations; "
    "cancel an invitation, remove a member or upgrade the plan first."
)
MESSAGE_MEMBERS_FULL = (
    "This company's plan has {limit} seats and its members fill them all; "
    "ask a company admin to free a seat or upgrade the plan."
)


class SeatLimitReached(Conflict):
    """The company has no free seat under its plan's ``MaxUsers`` (409 ``conflict``)."""


def company_lock(company_id: int) -> None:
    """Lock the company row to the end of the transaction: seat and email-limit decisions wait here.

    The row alone, without joins: on PostgreSQL a joined FOR UPDATE would also lock the shared
    ``ref`` rows (the tier every free company points at).
    """
    Company.objects.select_for_update().values_list("pk", flat=True).get(pk=company_id)


def _count(queryset: QuerySet[Any]) -> Subquery:
    return Subquery(
        queryset.order_by().values("company_id").annotate(total=Count("pk")).values("total"),
        output_field=IntegerField(),
    )


def seats_of(company_id: int, now: datetime) -> tuple[int | None, int, int]:
    """``(limit, active members, pending unexpired invitations)`` of the company, in one query."""
    details = CompanyCustomerDetails.objects.filter(company_id=OuterRef("pk"), is_deleted=False)
    members = UserCompany.objects.filter(
        company_id=OuterRef("pk"),
        is_deleted=False,
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
    )
    pending = UserInvitation.objects.filter(
        company_id=OuterRef("pk"),
        is_deleted=False,
        status_id=reference_id(UserInvitationStatus, UserInvitationStatus.PENDING),
        expires_at__gt=now,
    )
    limit, tier_limit, member_count, pending_count = (
        Company.objects.filter(pk=company_id)
        .annotate(
            own_limit=Subquery(details.values("max_users")[:1]),
            tier_limit=Subquery(details.values("customer_tier__max_users")[:1]),
            member_count=Coalesce(_count(members), Value(0)),
            pending_count=Coalesce(_count(pending), Value(0)),
        )
        .values_list("own_limit", "tier_limit", "member_count", "pending_count")
        .get()
    )
    return (limit if limit is not None else tier_limit), member_count, pending_count


def seat_for_invitation_check(*, company_id: int, now: datetime) -> None:
    """Refuse a new pending invitation when members and pending invitations fill the limit.

    Locks the company row first (``company_lock``); call inside the transaction that creates
    the invitation.
    """
    company_lock(company_id)
    limit, members, pending = seats_of(company_id, now)
    if limit is not None and members + pending + 1 > limit:
        raise SeatLimitReached(MESSAGE_SEATS_FULL.format(limit=limit))


def seat_for_member_check(*, company_id: int, now: datetime) -> None:
    """Refuse a new active member when the active members fill the limit.

    The accepting invitation's own pending seat is the seat it turns into, so pending
    invitations are not counted here. Locks the company row first; call inside the
    transaction that adds the member.
    """
    company_lock(company_id)
    limit, members, _ = seats_of(company_id, now)
    if limit is not None and members + 1 > limit:
        raise SeatLimitReached(MESSAGE_MEMBERS_FULL.format(limit=limit))
