"""The ``audit`` tables in the back office: read by every admin, altered by none."""

from django.contrib import admin
from django.db.models import Case, OuterRef, Subquery, When

from eventlead.backoffice.options import LogAdmin
from reference.models import UserCompanyRole, UserRole

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


class EntityTypeFilter(admin.SimpleListFilter):
    title = "entity type"
    parameter_name = "entity_type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in ENTITY_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(entity_type=self.value()) if self.value() else queryset


@admin.register(ActivityLog)
class ActivityLogAdmin(LogAdmin):
    list_display = ("created_date", "action", "entity_type", "entity_id", "user", "company", "description")
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
    list_display = ("changed_date", "operation", "user", "changed_fields", "changed_by", "request_id")
    list_select_related = ("user", "changed_by")
    email_search_fields = ("user__email", "changed_by__email")
    search_fields = ("user__email",)


@admin.register(AuditCompany)
class AuditCompanyAdmin(SnapshotAdmin):
    list_display = ("changed_date", "operation", "company", "changed_fields", "changed_by", "request_id")
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
    list_display = ("changed_date", "role_scope", "user", "company", "old_role", "new_role", "changed_by", "reason")
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
