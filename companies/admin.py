"""Back office for companies: profile and the three detail records, members and invitations read-only."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter

from auditing.services import activity_record
from configuration.forms import JSONObjectField
from eventlead.backoffice.options import (
    HTTPS_URL_FIELDS,
    NoRelatedEditingMixin,
    ReadOnlyPermissionsMixin,
    editable_fields,
    https_formfield,
)

from . import admin_actions
from .admin_actions import AbrRefresh
from .models import (
    Company,
    CompanyBillingDetails,
    CompanyCustomerDetails,
    CompanyOrganizerDetails,
    UserCompany,
    UserInvitation,
)
from .validation import compact_number, validate_for_country

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

# Filled from the ABR by "Refresh ABR details"; shown, not typed.
ABR_FIELDS = (
    "legal_entity_name",
    "business_names",
    "abn_status",
    "abn_status_effective_from",
    "entity_type",
    "gst_registered",
    "gst_registered_from",
    "abr_last_verified_at",
)
RECORD_FIELDS = ("created_date", "updated_date", "is_deleted", "deleted_date")
COMPANY_FIELDSETS: _FieldsetSpec = (
    (
        None,
        {
            "fields": (
                "company_name",
                "custom_display_name",
                "display_name_source",
                "abn",
                "acn",
                "country",
                "industry",
                "parent_company",
            )
        },
    ),
    (
        "Contact",
        {
            "fields": (
                "phone",
                "email",
                "website",
                "address_line1",
                "address_line2",
                "suburb",
                "state_code",
                "postal_code",
            )
        },
    ),
    ("Security", {"fields": ("require_mfa",)}),
    ("From the ABR", {"fields": ABR_FIELDS}),
    ("Record", {"fields": RECORD_FIELDS}),
)


class ReadOnlyInline(ReadOnlyPermissionsMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    classes = ("records",)


class MemberInline(ReadOnlyInline):
    model = UserCompany
    fk_name = "company"
    fields = ("user", "role", "status", "joined_via", "joined_date", "is_primary", "is_deleted")
    readonly_fields = fields
    verbose_name_plural = "members"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "role", "status", "joined_via")


class InvitationInline(ReadOnlyInline):
    """Invitations without their token hash."""

    model = UserInvitation
    fields = ("invited_email", "role", "status", "invited_by", "invited_at", "expires_at", "resend_count")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("role", "status", "invited_by")


class DetailsInline(NoRelatedEditingMixin, admin.StackedInline):
    """One of the company's detail records (at most one each)."""

    extra = 0
    max_num = 1
    can_delete = False
    formfield_overrides = HTTPS_URL_FIELDS
    exclude = ("is_deleted", "deleted_date")


class CustomerDetailsInline(DetailsInline):
    model = CompanyCustomerDetails


class BillingDetailsInline(DetailsInline):
    model = CompanyBillingDetails
    autocomplete_fields = ("billing_country",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("billing_country")


class OrganizerDetailsForm(forms.ModelForm):
    social_links = JSONObjectField(required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))

    class Meta:
        model = CompanyOrganizerDetails
        fields = ("website", "public_email", "public_phone", "description", "logo_url", "social_links")
        formfield_callback = https_formfield


class OrganizerDetailsInline(DetailsInline):
    model = CompanyOrganizerDetails
    form = OrganizerDetailsForm


class CompanyForm(forms.ModelForm):
    """Contact fields are checked against the country's validation rules, as the API does."""

    class Meta:
        model = Company
        fields = editable_fields(COMPANY_FIELDSETS, (*ABR_FIELDS, *RECORD_FIELDS))
        formfield_callback = https_formfield
        labels = {"require_mfa": "Require two-factor authentication of members"}
        help_texts = {
            "require_mfa": "Members without two-factor authentication are refused (403 mfa_required) on every "
            "route of this company until they turn it on. The list of companies and their profile still show it."
        }

    def clean(self):
        cleaned = super().clean()
        for field in ("abn", "acn"):
            if cleaned.get(field):
                cleaned[field] = compact_number(cleaned[field])
        country = cleaned.get("country")
        if country is not None:
            values = {field: cleaned.get(field) for field in ("abn", "acn", "phone", "postal_code")}
            errors = validate_for_country(values, country_id=country.pk, country_code=country.country_code)
            for field, field_errors in errors.items():
                for error in field_errors:
                    self.add_error(field, error)
        return cleaned


@admin.register(Company)
class CompanyAdmin(NoRelatedEditingMixin, admin.ModelAdmin):
    form = CompanyForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ("company_name", "abn", "country", "tier", "gst_registered", "abr_last_verified_at", "is_deleted")
    list_select_related = ("country", "customer_details__customer_tier")
    list_filter = (
        ("customer_details__customer_tier", admin.RelatedFieldListFilter),
        ("country", RelatedOnlyFieldListFilter),
        "gst_registered",
        "is_deleted",
    )
    search_fields = ("company_name", "legal_entity_name", "custom_display_name", "abn")
    search_help_text = "Company name or ABN"
    ordering = ("company_name",)
    autocomplete_fields = ("country", "industry", "parent_company")
    inlines = (CustomerDetailsInline, BillingDetailsInline, OrganizerDetailsInline, MemberInline, InvitationInline)
    actions = ("refresh_abr_details",)
    readonly_fields = (*ABR_FIELDS, *RECORD_FIELDS)
    fieldsets = COMPANY_FIELDSETS

    def get_search_results(self, request, queryset, search_term):
        # "51 824 753 556" finds ABN 51824753556: an 11-digit number is looked up exactly.
        digits = re.sub(r"\s", "", search_term)
        if re.fullmatch(r"\d{11}", digits):
            return queryset.filter(abn=digits), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False  # companies are created by their first admin, who becomes a member

    def has_delete_permission(self, request, obj=None):
        return False  # company rows are never removed

    @admin.display(description="Tier", ordering="customer_details__customer_tier__sort_order")
    def tier(self, company):
        details = getattr(company, "customer_details", None)
        return details.customer_tier if details else "—"

    def save_model(self, request, obj, form, change):
        admin_actions.company_admin_update(company=obj, actor=request.user, fields=form.changed_data)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for details in instances:
            if details.pk is None:
                details.created_by = request.user
            details.updated_by = request.user
            details.save()
            kind = type(details).__name__.removeprefix("Company").removesuffix("Details").lower()
            changed = formset_changes(formset, details)
            activity_record(
                action=f"company_{kind}_details_updated",
                entity=details,
                actor=request.user,
                company_id=details.company_id,
                description="Changed in the back office",
                new_values={field: str(getattr(details, field)) for field in changed},
            )
        formset.save_m2m()

    @admin.action(description="Refresh ABR details", permissions=("change",))
    def refresh_abr_details(self, request, queryset):
        outcomes = Counter(
            admin_actions.company_abr_refresh(company=company, actor=request.user) for company in queryset
        )
        refreshed = sum(outcomes.pop(done, 0) for done in (AbrRefresh.REFRESHED, AbrRefresh.UNCHANGED))
        self.message_user(request, f"Refreshed ABR details of {refreshed} compan{'ies' if refreshed != 1 else 'y'}.")
        for outcome, count in outcomes.items():
            self.message_user(request, f"{count} not refreshed: {outcome.value}.", messages.WARNING)


def formset_changes(formset, instance) -> list[str]:
    """The fields changed in the form that saved ``instance``."""
    for form in formset.forms:
        if form.instance is instance:
            return list(form.changed_data)
    return []
