"""The ``audit`` tables in the back office: read by every admin, altered by none.

Each list links the users and companies it names to their pages, and ``trail_rows`` gives the
user's and the company's pages the links of their audit trail panels.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib import admin
from django.db.models import Case, OuterRef, Subquery, When

from eventlead.backoffice.links import change_url, linked, user_change_url
from eventlead.backoffice.options import LogAdmin
from reference.models import UserCompanyRole, UserRole

from .diff import Trail, TrailEntry
from .models import ActivityLog, AuditCompany, AuditRole, AuditUser, RoleScope

# The entity types services write to ActivityLog. A fixed list, because a DISTINCT over a
# table of millions of rows on every page would be the slowest query of the list.
ENTITY_TYPES = (
    "AppSetting",
    "Company",
    "CompanyBillingDetails",
    "CompanyCustomerDetails",
    "CompanyOrganizerDetails",
    "User",
    "UserCompany",
    "UserInvitation",
    "ValidationRule",
)


def exported_tables() -> list[str]:
    """The log and audit tables, whose exports are recorded under their model's name."""
    from django.apps import apps

    from eventlead.backoffice.exports import exportable

    return sorted(str(model._meta.object_name) for model in apps.get_models() if exportable(model))


class EntityTypeFilter(admin.SimpleListFilter):
    title = "entity type"
    parameter_name = "entity_type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in (*ENTITY_TYPES, *exported_tables())]

    def queryset(self, request, queryset):
        return queryset.filter(entity_type=self.value()) if self.value() else queryset


class TrailRow(NamedTuple):
    """A line of a user's or a company's audit trail panel, with its links: to the page of
    whoever made the change, and to the audit row itself (all its values)."""

    entry: TrailEntry
    actor_url: str
    row_url: str


def trail_rows(entries: list[TrailEntry]) -> list[TrailRow]:
    """``entries`` with their links; no query (the panels join the actors when they read)."""
    return [
        TrailRow(
            entry,
            user_change_url(entry.actor_id) if entry.actor_id is not None else "",
            change_url(entry.row_model, entry.row_id),
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class TrailPanel:
    """An audit trail panel of a user's or a company's page (``admin/auditing/trail_panel.html``)."""

    title: str
    rows: list[TrailRow]
    truncated: bool  # only the newest ``limit`` lines are shown
    limit: int
    links: Sequence[tuple[str, str]]  # (text, url): the filtered lists behind the panel


def trail_panel(trail: Trail, *, title: str, limit: int, links: Sequence[tuple[str, str]]) -> TrailPanel:
    """The panel of ``trail``, read with one row past ``limit`` per source (``auditing.diff.trail``)."""
    return TrailPanel(title, trail_rows(trail.entries), trail.truncated, limit, links)


USER_COLUMN = linked("user", "User")
COMPANY_COLUMN = linked("company", "Company")
CHANGED_BY_COLUMN = linked("changed_by", "Changed by")


@admin.register(ActivityLog)
class ActivityLogAdmin(LogAdmin):
    list_display = ("created_date", "action", "entity_type", "entity_id", USER_COLUMN, COMPANY_COLUMN, "description")
    list_filter = (EntityTypeFilter,)
    list_select_related = ("user", "company")
    date_hierarchy = "created_date"
    email_search_fields = ("user__email",)
    search_fields = ("action", "description", "=entity_id")


class SnapshotAdmin(LogAdmin):
    list_filter = ("operation",)
    date_hierarchy = "changed_date"


@admin.register(AuditUser)
class AuditUserAdmin(SnapshotAdmin):
    list_display = ("changed_date", "operation", USER_COLUMN, "changed_fields", CHANGED_BY_COLUMN, "request_id")
    list_select_related = ("user", "changed_by")
    email_search_fields = ("user__email", "changed_by__email")
    search_fields = ("user__email",)


@admin.register(AuditCompany)
class AuditCompanyAdmin(SnapshotAdmin):
    list_display = ("changed_date", "operation", COMPANY_COLUMN, "changed_fields", CHANGED_BY_COLUMN, "request_id")
    list_select_related = ("company", "changed_by")
    email_search_fields = ("changed_by__email",)
    search_fields = ("company__company_name",)


def _role_name(column: str):
    """The role's display name: a system role (``ref.UserRole``) or a company role."""

    def name_from(model):
        return Subquery(model.objects.filter(pk=OuterRef(column)).values("display_name")[:1])

    return Case(When(role_scope=RoleScope.SYSTEM, then=name_from(UserRole)), default=name_from(UserCompanyRole))


@admin.register(AuditRole)
class AuditRoleAdmin(LogAdmin):
    list_display = (
        "changed_date",
        "role_scope",
        USER_COLUMN,
        COMPANY_COLUMN,
        "old_role",
        "new_role",
        CHANGED_BY_COLUMN,
        "reason",
    )
    list_filter = ("role_scope",)
    list_select_related = ("user", "company", "changed_by")
    date_hierarchy = "changed_date"
    email_search_fields = ("user__email", "changed_by__email")
    search_fields = ("reason",)
    fields = (
        "changed_date",
        "role_scope",
        "user",
        "company",
        "old_role",
        "new_role",
        "old_role_id",
        "new_role_id",
        "changed_by",
        "reason",
        "request_id",
    )
    readonly_fields = ("old_role", "new_role")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(old_role_name=_role_name("old_role_id"), new_role_name=_role_name("new_role_id"))
        )

    @admin.display(description="Old role")
    def old_role(self, change):
        return change.old_role_name or "—"

    @admin.display(description="New role")
    def new_role(self, change):
        return change.new_role_name or "—"
