"""Back office for runtime settings and country validation rules; every change goes through ``services``."""

from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html, format_html_join

from auditing.models import ActivityLog
from eventlead.backoffice.options import NoRelatedEditingMixin

from . import services
from .forms import AppSettingForm, ValidationRuleForm
from .models import AppSetting, ValidationRule

HISTORY_ROWS = 50


def change_history(entity_type: str, pk, actions) -> str:
    """The latest changes to one row from ``audit.ActivityLog``, as a table (one query)."""
    rows = (
        ActivityLog.objects.filter(entity_type=entity_type, entity_id=str(pk), action__in=actions)
        .select_related("user")
        .order_by("-id")[:HISTORY_ROWS]
    )
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
        (
            (
                row.created_date.strftime("%Y-%m-%d %H:%M:%S %Z"),
                row.user.email if row.user else "—",
                row.action.replace("_", " "),
                _values_text(row.old_values),
                _values_text(row.new_values),
            )
            for row in rows
        ),
    )
    if not body:
        return "No changes recorded yet."
    return format_html(
        '<table class="change-history"><thead><tr><th>When</th><th>Who</th><th>What</th>'
        "<th>Old</th><th>New</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


def _values_text(values) -> str:
    if not values:
        return ""
    if set(values) <= {"SettingKey", "SettingValue"}:
        return str(values.get("SettingValue", ""))
    return ", ".join(f"{key}={value}" for key, value in values.items())


@admin.register(AppSetting)
class AppSettingAdmin(admin.ModelAdmin):
    """Settings grouped by category; values checked against type and range; history on each page."""

    form = AppSettingForm
    # The category column comes first: the list template (admin/configuration/appsetting/
    # change_list_results.html) turns it into a heading row wherever it changes.
    list_display = ("category_name", "setting_key", "value_display", "default_display", "rule_display", "editable")
    list_display_links = ("setting_key",)
    list_filter = ("category", "setting_type", "is_editable", "is_sensitive")
    list_select_related = ("category", "setting_type")
    search_fields = ("setting_key", "description")
    ordering = ("category__sort_order", "sort_order", "setting_key")
    list_per_page = 200
    actions = ("reset_to_default",)
    readonly_fields = (
        "setting_key",
        "description",
        "category",
        "setting_type",
        "value_display",
        "default_display",
        "rule_display",
        "is_editable",
        "is_sensitive",
        "updated_date",
        "updated_by",
        "change_history",
    )

    def get_fieldsets(self, request, obj=None):
        value = "setting_value" if self.has_change_permission(request, obj) else "value_display"
        return (
            (None, {"fields": ("setting_key", "description", "category", "setting_type")}),
            ("Value", {"fields": (value, "default_display", "rule_display")}),
            ("Flags", {"fields": ("is_editable", "is_sensitive", "updated_date", "updated_by")}),
            ("Change history", {"fields": ("change_history",)}),
        )

    def has_add_permission(self, request):
        return False  # settings are the code's contract, seeded with it

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def save_model(self, request, obj, form, change):
        services.app_setting_update(setting=obj, value=form.cleaned_data["setting_value"], actor=request.user)

    @admin.display(description="Category", ordering="category__sort_order")
    def category_name(self, setting):
        return setting.category.display_name

    @admin.display(description="Editable", boolean=True, ordering="is_editable")
    def editable(self, setting):
        return setting.is_editable

    @admin.display(description="Value")
    def value_display(self, setting):
        return truncatechars(services.setting_value_display(setting, setting.setting_value), 40)

    @admin.display(description="Default")
    def default_display(self, setting):
        return truncatechars(services.setting_value_display(setting, setting.default_value), 40)

    @admin.display(description="Allowed")
    def rule_display(self, setting):
        low, high = (
            None if limit is None else services.limit_text(limit) for limit in (setting.min_value, setting.max_value)
        )
        if low is not None and high is not None:
            allowed = f" {low}–{high}"
        elif low is not None or high is not None:
            allowed = f" ≥ {low}" if low is not None else f" ≤ {high}"
        else:
            allowed = ""
        return format_html('<span style="white-space: nowrap">{}{}</span>', setting.setting_type.code, allowed)

    @admin.display(description="Changes")
    def change_history(self, setting):
        return change_history("AppSetting", setting.pk, [services.ACTION_SETTING_CHANGED])

    @admin.action(description="Reset selected settings to their defaults", permissions=("change",))
    def reset_to_default(self, request, queryset):
        reset, skipped = 0, []
        for setting in queryset.select_related("setting_type"):
            if not setting.is_editable:
                skipped.append(setting.setting_key)
                continue
            services.app_setting_reset(setting=setting, actor=request.user)
            reset += 1
        self.message_user(request, f"Reset {reset} setting{'s' if reset != 1 else ''} to the default value.")
        if skipped:
            self.message_user(request, f"Not editable, left as they are: {', '.join(skipped)}.", messages.WARNING)


@admin.register(ValidationRule)
class ValidationRuleAdmin(NoRelatedEditingMixin, admin.ModelAdmin):
    """Country rules the API applies to phone numbers, postcodes and tax ids."""

    form = ValidationRuleForm
    list_display = (
        "rule_name",
        "country",
        "rule_type",
        "validation_pattern",
        "example_value",
        "is_active",
        "sort_order",
    )
    list_editable = ("is_active", "sort_order")
    list_filter = ("rule_type", "is_active", ("country", RelatedOnlyFieldListFilter))
    list_select_related = ("country", "rule_type")
    search_fields = ("rule_name", "validation_pattern", "country__country_code", "country__country_name")
    autocomplete_fields = ("country",)
    readonly_fields = ("created_date", "created_by", "updated_date", "updated_by", "change_history")
    fieldsets = (
        (None, {"fields": ("country", "rule_type", "rule_name", "is_active", "sort_order")}),
        ("Pattern", {"fields": ("validation_pattern", "error_message", "example_value", "description", "try_value")}),
        ("History", {"fields": ("created_date", "created_by", "updated_date", "updated_by", "change_history")}),
    )

    def save_model(self, request, obj, form, change):
        services.validation_rule_save(rule=obj, actor=request.user)
        sample = form.cleaned_data.get("try_value")
        if sample:
            passes, text = services.validation_rule_try(rule=obj, value=sample)
            self.message_user(request, text, messages.SUCCESS if passes else messages.WARNING)

    def delete_model(self, request, obj):
        services.validation_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.validation_rule_delete(rule=rule, actor=request.user)

    @admin.display(description="Changes")
    def change_history(self, rule):
        if rule.pk is None:
            return "—"
        actions = [services.ACTION_RULE_CREATED, services.ACTION_RULE_CHANGED]
        return change_history("ValidationRule", rule.pk, actions)
