"""The ``log`` tables in the back office: read-only, newest first, searchable by request id and email."""

from django.contrib import admin

from eventlead.backoffice.links import linked
from eventlead.backoffice.options import LogAdmin

from .models import AbrLookup, ApiRequest, ApplicationError, AuthEvent, EmailDelivery

# The user a row names, as a link to their page (their whole story).
USER_COLUMN = linked("user", "User")


class StatusClassFilter(admin.SimpleListFilter):
    """2xx, 3xx, 4xx, 5xx: a range on the status code rather than a DISTINCT over the table."""

    title = "status"
    parameter_name = "status_class"

    def lookups(self, request, model_admin):
        return [(str(hundred), f"{hundred}xx") for hundred in (2, 3, 4, 5)]

    def queryset(self, request, queryset):
        if self.value() in {"2", "3", "4", "5"}:
            low = int(self.value()) * 100
            return queryset.filter(status_code__gte=low, status_code__lt=low + 100)
        return queryset


class MethodFilter(admin.SimpleListFilter):
    title = "method"
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return [(method, method) for method in ("GET", "POST", "PUT", "PATCH", "DELETE")]

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


@admin.register(ApiRequest)
class ApiRequestAdmin(LogAdmin):
    list_display = (
        "created_date",
        "method",
        "path",
        "status_code",
        "duration_ms",
        USER_COLUMN,
        "ip_address",
        "request_id",
    )
    list_filter = (StatusClassFilter, MethodFilter)
    list_select_related = ("user",)
    date_hierarchy = "created_date"
    email_search_fields = ("user__email",)
    search_fields = ("path",)


@admin.register(AuthEvent)
class AuthEventAdmin(LogAdmin):
    list_display = ("created_date", "event_type", USER_COLUMN, "email", "failure_reason", "ip_address", "request_id")
    list_filter = ("event_type",)
    list_select_related = ("user",)
    date_hierarchy = "created_date"
    email_search_fields = ("email",)
    search_fields = ("email", "failure_reason")


@admin.register(ApplicationError)
class ApplicationErrorAdmin(LogAdmin):
    list_display = ("created_date", "severity", "error_type", "method", "path", USER_COLUMN, "request_id")
    list_select_related = ("user",)
    date_hierarchy = "created_date"
    email_search_fields = ("user__email",)
    search_fields = ("path", "error_type", "message")


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(LogAdmin):
    list_display = (
        "created_date",
        "email_type",
        "recipient_email",
        USER_COLUMN,
        "subject",
        "status",
        "attempt_count",
        "sent_at",
    )
    list_filter = ("status", "email_type")
    list_select_related = ("user",)
    date_hierarchy = "created_date"
    request_id_field = None
    email_search_fields = ("recipient_email",)
    search_fields = ("recipient_email", "subject")


@admin.register(AbrLookup)
class AbrLookupAdmin(LogAdmin):
    """Each ABR search and how it was answered: the timeline behind the dashboard's hit rate."""

    list_display = ("created_date", "search_type", "outcome")
    list_filter = ("outcome", "search_type")
    date_hierarchy = "created_date"
    request_id_field = None
    search_fields = ()
