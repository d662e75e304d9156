"""The company activity feed (spec/api.md, "Teams"): who did what in one company, newest first.

One feed from three ``audit`` tables, each read by its company and time index:

- ``audit.ActivityLog``: the business actions the services record (``activity_record``), such
  as ``invitation_created`` or ``member_removed``; their codes are the feed's actions;
- ``audit.Role``: the company's role changes (``role_change_record``), as ``role_granted``,
  ``role_changed`` or ``role_removed``;
- ``audit.Company``: the snapshots of the company's own row (``entity_snapshot_record``), as
  ``company_record_created``, ``company_record_changed`` or ``company_record_deleted``.

A page reads at most ``limit + 1`` rows of each source after the cursor and merges them here:
the first ``limit`` of the merge are the page, and a row past them means there is another.
The position is (time, source rank, row id), a strict total order across the three tables,
so rows of two tables at the same instant come in the same order on every page and no row
repeats or is skipped. A page costs three queries whatever its size: each source brings its
actor, and the names its summaries need, in its own query.

Nothing here shows a stored value: snapshots and actions are summarised by the names of what
changed (``auditing.diff``), so no secret, address or free text reaches a summary but the
target's own label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Case, CharField, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim

from auditing.diff import field_changes
from auditing.models import ActivityLog, AuditCompany, AuditRole, Operation
from eventlead.core.exceptions import ValidationFailed
from eventlead.core.pagination import MESSAGE_CURSOR, Page, cursor_decode, cursor_encode, cursor_key, cursor_moment
from reference.models import UserCompanyRole

from .models import Company, UserCompany, UserInvitation

if TYPE_CHECKING:
    from accounts.models import User

LIST_NAME = "company-activity"

SOURCE_ACTIVITY, SOURCE_ROLE, SOURCE_COMPANY = "activity", "role", "company"
# Ties in time are broken by source, higher rank first. A service writes the snapshot, then
# the role change, then the action (``companies.services.company_create``), so at one instant
# the feed reads as it would by time: the action, the role change, the snapshot.
RANKS = {SOURCE_ACTIVITY: 2, SOURCE_ROLE: 1, SOURCE_COMPANY: 0}

ROLE_GRANTED, ROLE_CHANGED, ROLE_REMOVED = "role_granted", "role_changed", "role_removed"
ROLE_ACTIONS = {
    ROLE_GRANTED: Q(old_role_id__isnull=True, new_role_id__isnull=False),
    ROLE_CHANGED: Q(old_role_id__isnull=False, new_role_id__isnull=False),
    ROLE_REMOVED: Q(new_role_id__isnull=True),
}
RECORD_CREATED, RECORD_CHANGED, RECORD_DELETED = (
    "company_record_created",
    "company_record_changed",
    "company_record_deleted",
)
RECORD_ACTIONS: dict[str, str] = {
    Operation.INSERT: RECORD_CREATED,
    Operation.UPDATE: RECORD_CHANGED,
    Operation.SOFT_DELETE: RECORD_DELETED,
}

# What a summary calls an actor who is no user (a scheduled job, an anonymous link holder).
SYSTEM = "System"
NO_ROLE = "no role"

# The business actions recorded with a company (grep ``activity_record(`` for their writers),
# by what their summary says. ``{actor}`` is who did it, ``{target}`` the target's label,
# ``{role}`` the role the action gave. An action not listed is summarised by its code.
ACTIVITY_SUMMARIES = {
    "company_created": "{actor} created the company {target}",
    "company_updated": "{actor} changed the company's profile",
    "company_mfa_required": "{actor} required two-factor authentication of every member",
    "company_mfa_not_required": "{actor} stopped requiring two-factor authentication",
    "company_billing_details_updated": "{actor} changed the billing details",
    "company_organizer_details_updated": "{actor} changed the organizer details",
    "company_abr_refreshed": "{actor} refreshed the company's details from the ABR",
    "member_role_changed": "{actor} changed {target}'s role to {role}",
    "member_removed": "{actor} removed {target} from the company",
    "member_left": "{actor} left the company",
    "invitation_created": "{actor} invited {target} as {role}",
    "invitations_bulk_created": "{actor} invited {created} of {rows} addresses at once",
    "invitation_resent": "{actor} resent the invitation to {target}",
    "invitation_cancelled": "{actor} cancelled the invitation to {target}",
    "invitation_accepted": "{actor} accepted the invitation to {target}",
    # Declined by the link's anonymous holder as often as by a signed-in invitee.
    "invitation_declined": "The invitation to {target} was declined",
}
ROLE_SUMMARIES = {
    ROLE_GRANTED: "{actor} gave {subject} the role {new}",
    ROLE_CHANGED: "{actor} changed {subject}'s role from {old} to {new}",
    ROLE_REMOVED: "{actor} took the role {old} from {subject}",
}
# The same changes, made by the member to themselves (creating a company, accepting, leaving).
OWN_ROLE_SUMMARIES = {
    ROLE_GRANTED: "{subject} became {new}",
    ROLE_CHANGED: "{subject} changed their own role from {old} to {new}",
    ROLE_REMOVED: "{subject} gave up the role {old}",
}
RECORD_SUMMARIES = {
    RECORD_CREATED: "Company record created",
    RECORD_CHANGED: "Company details changed",
    RECORD_DELETED: "Company deleted",
}

# ``ActivityLog.EntityType`` as the feed's target type, and a label where the row is not named.
TARGET_TYPES = {
    "Company": "company",
    "UserCompany": "member",
    "UserInvitation": "invitation",
    "CompanyBillingDetails": "billing_details",
    "CompanyOrganizerDetails": "organizer_details",
}
DETAILS_LABELS = {"CompanyBillingDetails": "Billing details", "CompanyOrganizerDetails": "Organizer details"}
ACTION_CODES = sorted({*ACTIVITY_SUMMARIES, *ROLE_ACTIONS, *RECORD_SUMMARIES})


@dataclass(frozen=True)
class ActivityFilters:
    """What the caller narrowed the feed to; None is no narrowing."""

    actor_id: int | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Actor:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True)
class Target:
    type: str
    id: int | None
    label: str


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the feed, whichever table it came from."""

    source: str
    row_id: int
    occurred_at: datetime
    actor: Actor | None
    action: str
    target: Target
    summary: str

    @property
    def id(self) -> str:
        """Unique across the sources: ``activity:12``, ``role:4``, ``company:7``."""
        return f"{self.source}:{self.row_id}"

    @property
    def position(self) -> tuple[datetime, int, int]:
        return (self.occurred_at, RANKS[self.source], self.row_id)


@dataclass(frozen=True)
class _After:
    """The cursor's position: the last entry of the previous page."""

    moment: datetime
    rank: int
    row_id: int


def company_activity(*, company_id: int, filters: ActivityFilters, cursor: str | None, limit: int) -> Page:
    """One page of the company's feed, newest first, as ``ActivityEntry`` rows.

    The company is the caller's to choose (``access.membership_role`` first): every source is
    filtered by it whatever the cursor says, so a cursor of another company only names a time.
    """
    after = _position(cursor) if cursor is not None else None
    sources: list[tuple[str, QuerySet[Any], str, Callable[[Any], ActivityEntry]]] = [
        (SOURCE_ACTIVITY, _activity_rows(company_id, filters), "created_date", _activity_entry),
        (SOURCE_ROLE, _role_rows(company_id, filters), "changed_date", _role_entry),
        (SOURCE_COMPANY, _record_rows(company_id, filters), "changed_date", _record_entry),
    ]
    entries: list[ActivityEntry] = []
    for source, rows, time_field, entry in sources:
        entries += map(entry, _page_of(rows, time_field=time_field, rank=RANKS[source], after=after, limit=limit))
    entries.sort(key=lambda entry: entry.position, reverse=True)
    following = None
    if len(entries) > limit:
        last = entries[limit - 1]
        following = cursor_encode((last.occurred_at.isoformat(), RANKS[last.source], last.row_id), list_name=LIST_NAME)
    return Page(entries[:limit], following)


def _position(cursor: str) -> _After:
    position = cursor_decode(cursor, list_name=LIST_NAME)
    if len(position) != 3:
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    moment, rank, row_id = cursor_moment(position[0]), cursor_key(position[1]), cursor_key(position[2])
    if rank not in RANKS.values():
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return _After(moment, rank, row_id)


def _page_of(rows: QuerySet[Any], *, time_field: str, rank: int, after: _After | None, limit: int) -> list[Any]:
    """The first ``limit + 1`` of ``rows`` (one source, of rank ``rank``) past ``after``, newest first.

    Past the position (time, rank, id) in descending order: an older time, or the same time
    and a lower rank, or the same time and rank and a lower id. The rank is the source's own,
    so at the cursor's instant a whole source is either all past it or compared by id. Each
    case bounds the time from above, which the (CompanyID, time) index serves.
    """
    if after is not None:
        if rank < after.rank:
            rows = rows.filter(**{f"{time_field}__lte": after.moment})
        elif rank > after.rank:
            rows = rows.filter(**{f"{time_field}__lt": after.moment})
        else:
            tied = Q(**{time_field: after.moment, "pk__lt": after.row_id})
            rows = rows.filter(Q(**{f"{time_field}__lt": after.moment}) | tied, **{f"{time_field}__lte": after.moment})
    return list(rows.order_by(f"-{time_field}", "-pk")[: limit + 1])


def _narrowed(rows: QuerySet[_M], filters: ActivityFilters, *, time_field: str, actor_field: str) -> QuerySet[_M]:
    if filters.actor_id is not None:
        rows = rows.filter(**{actor_field: filters.actor_id})
    if filters.since is not None:
        rows = rows.filter(**{f"{time_field}__gte": filters.since})
    if filters.until is not None:
        rows = rows.filter(**{f"{time_field}__lt": filters.until})
    return rows


# Sources ---------------------------------------------------------------------------------------


# Each source reads the columns its entries show and no more: a user's password hash or
# session token never leaves the database with an actor.
USER_COLUMNS = ("first_name", "last_name", "email")
COMPANY_COLUMNS = Company.DISPLAY_NAME_COLUMNS


_M = TypeVar("_M", bound=Model)


def _columns(relation: str, columns: tuple[str, ...]) -> list[str]:
    return [f"{relation}__{column}" for column in columns]


def _row_named(model: type[UserInvitation] | type[UserCompany]) -> QuerySet[Any]:
    """The row of ``model`` an ``ActivityLog`` row names, in its company, for a subquery.

    ``EntityID`` is text; the actions of this feed store integer keys in it. It is cast on the
    outer side, so the lookup is the row's primary key; the ``CASE`` around the subquery casts
    only the rows whose ``EntityType`` is ``model``.
    """
    return model.objects.filter(
        pk=Cast(OuterRef("entity_id"), IntegerField()), company_id=OuterRef("company_id")
    ).order_by()


def _role_name(**lookup: Any) -> Subquery:
    return Subquery(UserCompanyRole.objects.filter(**lookup).order_by().values("display_name")[:1])


def _activity_rows(company_id: int, filters: ActivityFilters) -> QuerySet[ActivityLog]:
    rows = ActivityLog.objects.filter(company_id=company_id)
    if filters.action is not None:
        if filters.action in ROLE_ACTIONS or filters.action in RECORD_ACTIONS.values():
            return rows.none()  # an action of the other sources
        rows = rows.filter(action=filters.action)
    invited_email = _row_named(UserInvitation).values("invited_email")
    member_name = _row_named(UserCompany).values(
        name=Coalesce(
            NullIf(Trim(Concat("user__first_name", Value(" "), "user__last_name")), Value("")),
            "user__email",
            output_field=CharField(),
        )
    )
    feed: QuerySet[ActivityLog] = (
        _narrowed(rows, filters, time_field="created_date", actor_field="user_id")
        .select_related("user", "company")
        .only(
            "created_date",
            "action",
            "entity_type",
            "entity_id",
            "new_values",
            *_columns("user", USER_COLUMNS),
            *_columns("company", COMPANY_COLUMNS),
        )
        .annotate(
            # The row the action is about, by the name the company knows it by now.
            target_label=Case(
                When(entity_type="UserInvitation", then=Subquery(invited_email[:1])),
                When(entity_type="UserCompany", then=Subquery(member_name[:1])),
            ),
            # The role an invitation or a role change gave, as its writer recorded it (by code).
            role_code=KT("new_values__role"),
            role_name=_role_name(code=OuterRef("role_code")),
        )
    )
    return feed


def _role_rows(company_id: int, filters: ActivityFilters) -> QuerySet[AuditRole]:
    rows = AuditRole.objects.filter(company_id=company_id)
    if filters.action is not None:
        if filters.action not in ROLE_ACTIONS:
            return rows.none()
        rows = rows.filter(ROLE_ACTIONS[filters.action])
    feed: QuerySet[AuditRole] = (
        _narrowed(rows, filters, time_field="changed_date", actor_field="changed_by_id")
        .select_related("user", "changed_by")
        .only(
            "changed_date",
            "old_role_id",
            "new_role_id",
            *_columns("user", USER_COLUMNS),
            *_columns("changed_by", USER_COLUMNS),
        )
        .annotate(
            old_role_name=_role_name(pk=OuterRef("old_role_id")), new_role_name=_role_name(pk=OuterRef("new_role_id"))
        )
    )
    return feed


def _record_rows(company_id: int, filters: ActivityFilters) -> QuerySet[AuditCompany]:
    rows = AuditCompany.objects.filter(company_id=company_id)
    if filters.action is not None:
        operations = [operation for operation, action in RECORD_ACTIONS.items() if action == filters.action]
        if not operations:
            return rows.none()
        rows = rows.filter(operation__in=operations)
    return (
        _narrowed(rows, filters, time_field="changed_date", actor_field="changed_by_id")
        .select_related("changed_by", "company")
        .only(
            "changed_date",
            "operation",
            "old_values",
            "new_values",
            *_columns("changed_by", USER_COLUMNS),
            *_columns("company", COMPANY_COLUMNS),
        )
    )


# Entries ---------------------------------------------------------------------------------------


def _actor(user: User | None) -> Actor | None:
    if user is None:
        return None
    return Actor(user_id=user.pk, name=user.full_name, email=user.email)


def _called(user: User | None) -> str:
    """How a summary names a user: their name, else their address; ``SYSTEM`` for no user."""
    if user is None:
        return SYSTEM
    return user.full_name or user.email


def _company_label(company: Company | None, company_id: int | None) -> str:
    return company.display_name if company is not None else f"Company {company_id}"


def _entity_key(entity_id: str) -> int | None:
    return int(entity_id) if entity_id.isascii() and entity_id.isdigit() else None


def _activity_entry(row: ActivityLog) -> ActivityEntry:
    target_type = TARGET_TYPES.get(row.entity_type, row.entity_type)
    key = _entity_key(row.entity_id)
    if row.entity_type == "Company":
        label = _company_label(row.company, row.company_id)
    elif row.entity_type in DETAILS_LABELS:
        label = DETAILS_LABELS[row.entity_type]
    else:
        label = getattr(row, "target_label", None) or f"{row.entity_type} {row.entity_id}".strip()
    values = row.new_values if isinstance(row.new_values, dict) else {}
    template = ACTIVITY_SUMMARIES.get(row.action)
    if template is None:
        summary = f"{_called(row.user)}: {row.action.replace('_', ' ')}"
    else:
        summary = template.format(
            actor=_called(row.user),
            target=label,
            role=getattr(row, "role_name", None) or values.get("role") or NO_ROLE,
            created=values.get("created", 0),
            rows=values.get("rows", 0),
        )
    return ActivityEntry(
        source=SOURCE_ACTIVITY,
        row_id=row.pk,
        occurred_at=row.created_date,
        actor=_actor(row.user),
        action=row.action,
        target=Target(type=target_type, id=key, label=label),
        summary=summary,
    )


def _role_action(row: AuditRole) -> str:
    if row.new_role_id is None:
        return ROLE_REMOVED
    return ROLE_GRANTED if row.old_role_id is None else ROLE_CHANGED


def _role_entry(row: AuditRole) -> ActivityEntry:
    action = _role_action(row)
    subject = _called(row.user) if row.user is not None else f"User {row.user_id}"  # a row since gone
    own = row.changed_by_id is not None and row.changed_by_id == row.user_id
    summary = (OWN_ROLE_SUMMARIES if own else ROLE_SUMMARIES)[action].format(
        actor=_called(row.changed_by),
        subject=subject,
        old=getattr(row, "old_role_name", None) or NO_ROLE,
        new=getattr(row, "new_role_name", None) or NO_ROLE,
    )
    return ActivityEntry(
        source=SOURCE_ROLE,
        row_id=row.pk,
        occurred_at=row.changed_date,
        actor=_actor(row.changed_by),
        action=action,
        target=Target(type="user", id=row.user_id, label=subject),
        summary=summary,
    )


def _field_name(label: str) -> str:
    """A field's label as a summary lists it: "Phone" as "phone", an initialism ("ABN") kept."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _record_entry(row: AuditCompany) -> ActivityEntry:
    action = RECORD_ACTIONS.get(row.operation, RECORD_CHANGED)
    summary = RECORD_SUMMARIES[action]
    if action == RECORD_CHANGED:
        changed = [_field_name(change.label) for change in field_changes(row.old_values, row.new_values, model=Company)]
        if changed:
            summary = f"{summary}: {', '.join(changed)}"
    return ActivityEntry(
        source=SOURCE_COMPANY,
        row_id=row.pk,
        occurred_at=row.changed_date,
        actor=_actor(row.changed_by),
        action=action,
        target=Target(type="company", id=row.company_id, label=_company_label(row.company, row.company_id)),
        summary=summary,
    )
