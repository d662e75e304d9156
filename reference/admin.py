"""Back office for the 13 ``ref`` tables: edit in the list, retire rather than delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django import forms
from django.contrib import admin

from configuration.forms import JSONObjectField
from eventlead.backoffice.options import InUseProtectedAdmin, editable_fields

from . import models

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

USED_BY_CODE = "the application's code"


def codes_named_in_code(model) -> set[str]:
    """The codes a model names as constants (``UserStatus.ACTIVE = "active"``): code looks them up."""
    return {value for name, value in vars(model).items() if name.isupper() and isinstance(value, str)}


class ReferenceAdmin(InUseProtectedAdmin):
    """Code, display name, sort order and active: sort order and active are edited in the list.

    ``Code`` is the stable key code and seed data use, so it is fixed once a row exists.
    """

    # Declared as tuples of any length: the model admins below list more columns.
    list_display: tuple[str, ...] = ("code", "display_name", "sort_order", "is_active")
    list_display_links: tuple[str, ...] = ("code", "display_name")
    list_editable = ("sort_order", "is_active")
    list_filter: ClassVar[tuple[str, ...]] = ("is_active",)
    search_fields: ClassVar[tuple[str, ...]] = ("code", "display_name")
    readonly_fields = ("created_date", "updated_date")
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return ("code", *readonly) if obj is not None else readonly

    def rows_in_use(self, rows):
        users = super().rows_in_use(rows)
        if codes_named_in_code(self.model) & {row.code for row in rows}:
            users.append(USED_BY_CODE)
        return users


COUNTRY_FIELDSETS: _FieldsetSpec = (
    (
        None,
        {
            "fields": (
                "code",
                "display_name",
                "country_code",
                "country_code3",
                "country_name",
                "phone_prefix",
                "description",
                "sort_order",
                "is_active",
            )
        },
    ),
    (
        "Currency and tax",
        {
            "fields": (
                "currency_code",
                "currency_symbol",
                "currency_name",
                "tax_rate",
                "tax_name",
                "tax_inclusive",
                "tax_number_label",
            )
        },
    ),
    (
        "Integrations",
        {"fields": ("company_validation_provider", "address_validation_provider", "integration_config")},
    ),
    ("Dates", {"fields": ("created_date", "updated_date")}),
)


class CountryForm(forms.ModelForm):
    integration_config = JSONObjectField(
        required=False,
        help_text="A JSON object of provider settings for this country, or empty.",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )

    class Meta:
        model = models.Country
        fields = editable_fields(COUNTRY_FIELDSETS, ReferenceAdmin.readonly_fields)


@admin.register(models.Country)
class CountryAdmin(ReferenceAdmin):
    form = CountryForm
    list_display = (
        "code",
        "country_name",
        "currency_code",
        "currency_symbol",
        "tax_name",
        "tax_rate",
        "tax_inclusive",
        "sort_order",
        "is_active",
    )
    list_display_links = ("code", "country_name")
    list_filter = ("is_active", "tax_inclusive", "company_validation_provider")
    search_fields = ("code", "country_code", "country_code3", "country_name", "display_name", "currency_code")
    fieldsets = COUNTRY_FIELDSETS


@admin.register(models.Language)
class LanguageAdmin(ReferenceAdmin):
    list_display = ("code", "display_name", "language_code", "native_name", "sort_order", "is_active")
    search_fields = ("code", "display_name", "language_code", "language_name", "native_name")


@admin.register(models.Industry)
class IndustryAdmin(ReferenceAdmin):
    list_display = ("code", "display_name", "industry_code", "sort_order", "is_active")
    search_fields = ("code", "display_name", "industry_code", "industry_name")


@admin.register(models.CustomerTier)
class CustomerTierAdmin(ReferenceAdmin):
    list_display = ("code", "display_name", "max_users", "monthly_price", "sort_order", "is_active")


for model in (
    models.UserStatus,
    models.UserInvitationStatus,
    models.UserRole,
    models.UserCompanyRole,
    models.UserCompanyStatus,
    models.SettingCategory,
    models.SettingType,
    models.RuleType,
    models.JoinedVia,
):
    admin.site.register(model, ReferenceAdmin)
