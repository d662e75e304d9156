"""Back office for companies: profile and the three detail records, members and invitations read-only,
and below them the company's story: its activity trail with each snapshot's changes, and the ABR
cache entry of its ABN beside the details last copied from the ABR."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from abrcache.models import ABRSearch, SearchType
from auditing.admin import trail_panel
from auditing.diff import Trail, trail
from auditing.models import ActivityLog, AuditCompany
from auditing.services import activity_record
from configuration.forms import JSONObjectField
from eventlead.backoffice.links import changelist_url, linked
from eventlead.backoffice.options import (
    HTTPS_URL_FIELDS,
    NoRelatedEditingMixin,
    ReadOnlyAdmin,
    ReadOnlyPermissionsMixin,
    editable_fields,
    https_formfield,
)

from . import admin_actions
from .admin_actions import AbrRefresh
from .invitations import effective_status
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
# Shown, never on the form: the tier (changed under "Company customer details") and the ABR
# cache entry of the company's ABN.
COMPANY_READONLY_FIELDS = ("tier", *ABR_FIELDS, "abr_cache", *RECORD_FIELDS)
COMPANY_FIELDSETS: _FieldsetSpec = (
    (
        None,
        {
            "fields": (
                "company_name",
                "tier",
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
    (
        "From the ABR",
        {
            "fields": (*ABR_FIELDS, "abr_cache"),
            "description": "Copied from the Australian Business Register by the list’s “Refresh ABR details” "
            "action, last when the verification time says. The cache entry is the ABR’s answer for this ABN as "
            "kept for look-ups.",
        },
    ),
    ("Record", {"fields": RECORD_FIELDS}),
)


# The activity trail shows this many lines: actions and snapshots, newest first.
TRAIL_PANEL_ROWS = 50
INVITATION_EXPIRED = "Expired"
NO_ABR_CACHE_ENTRY = "None: nothing is cached for this ABN (a look-up or “Refresh ABR details” caches the ABR’s answer)"


def invitation_status(invitation: UserInvitation, now=None) -> str:
    """The invitation's status as its invitee sees it: a pending invitation past its expiry is
    expired, before ``manage.py expire_invitations`` marks it so (``invitations.effective_status``)."""
    if effective_status(invitation, now) != invitation.status.code:
        return INVITATION_EXPIRED
    return str(invitation.status)


def company_trail(company: Company) -> Trail:
    """The company's activity trail: its actions (``ActivityLog.CompanyID``) and its snapshots,
    newest first. One query each, at most ``TRAIL_PANEL_ROWS + 1`` rows each, actors joined."""
    limit = TRAIL_PANEL_ROWS + 1
    snapshots = (
        AuditCompany.objects.filter(company_id=company.pk)  # IX_AuditCompany_CompanyID_ChangedDate
        .select_related("changed_by")
        .order_by("-changed_date", "-id")[:limit]
    )
    activities = (
        ActivityLog.objects.filter(company_id=company.pk)  # IX_AuditActivityLog_CompanyID_CreatedDate
        .select_related("user")
        .order_by("-created_date", "-id")[:limit]
    )
    return trail(snapshots=snapshots, activities=activities, model=Company, limit=TRAIL_PANEL_ROWS)


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
    """Invitations without their token hash; the status as the invitee sees it."""

    model = UserInvitation
    fields = (
        "invited_email",
        "role",
        "current_status",
        "invited_by",
        "invited_at",
        "expires_at",
        "accepted_user",
        "resend_count",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("role", "status", "invited_by", "accepted_user")

    @admin.display(description="Status")
    def current_status(self, invitation):
        return invitation_status(invitation)


@admin.register(UserInvitation)
class UserInvitationAdmin(ReadOnlyAdmin):
    """Every company's invitations, read-only: what the dashboard's invitation figures open.

    Invitations change through their own flows (the API, and a company's page); never the token
    hash on screen.
    """

    list_display = (
        "invited_email",
        linked("company", "Company"),
        "role",
        "current_status",
        linked("invited_by", "Invited by"),
        "invited_at",
        "expires_at",
        "accepted_at",
        "declined_at",
    )
    list_filter = ("status", "role")
    list_select_related = ("company", "role", "status", "invited_by")
    date_hierarchy = "invited_at"
    ordering = ("-invited_at", "-id")
    search_fields = ("=invited_email", "company__company_name")
    search_help_text = "An email address, or a company's name"
    fields = (
        "company",
        "invited_email",
        "invited_first_name",
        "invited_last_name",
        "role",
        "status",
        "invited_by",
        "invited_at",
        "expires_at",
        "accepted_at",
        "accepted_user",
        "declined_at",
        "decline_reason",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "expired_at",
        "resend_count",
        "last_resent_at",
    )
    readonly_fields = fields

    @admin.display(description="Status")
    def current_status(self, invitation):
        return invitation_status(invitation)


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
        fields = editable_fields(COMPANY_FIELDSETS, COMPANY_READONLY_FIELDS)
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
    readonly_fields = COMPANY_READONLY_FIELDS
    fieldsets = COMPANY_FIELDSETS

    def get_queryset(self, request):
        # The change page shows the tier: the company is read with its customer details and tier.
        # Django's changelist skips ``list_select_related`` for a queryset that joins already, so
        # the list's joins are named here.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            query = f"company__id__exact={obj.pk}"
            context["trail_panel"] = trail_panel(
                company_trail(obj),
                title="Activity trail",
                limit=TRAIL_PANEL_ROWS,
                links=(
                    ("all of this company’s actions", changelist_url(ActivityLog, query)),
                    ("all of its snapshots", changelist_url(AuditCompany, query)),
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    @admin.display(description="ABR cache entry")
    def abr_cache(self, company):
        """The cached ABR answer for the company's ABN (one primary-key read), or why there is none."""
        if not company.abn:
            return "—"
        entry = ABRSearch.objects.filter(search_type=SearchType.ABN, search_value=company.abn).first()
        if entry is None:
            return NO_ABR_CACHE_ENTRY
        state = "fresh" if timezone.now() <= entry.expires_at else "expired: the next look-up asks the ABR"
        summary = (
            f"Cached {timezone.localtime(entry.cached_at):%Y-%m-%d %H:%M %Z}, "
            f"expires {timezone.localtime(entry.expires_at):%Y-%m-%d %H:%M %Z} ({state}); "
            f"{entry.result_count} result{'s' if entry.result_count != 1 else ''}, "
            f"{entry.hit_count} hit{'s' if entry.hit_count != 1 else ''}"
        )
        site = self.admin_site.name
        cache_list = reverse(f"{site}:abrcache_abrsearch_changelist", current_app=site)
        query = urlencode({"type": SearchType.ABN, "q": company.abn})
        return format_html('{} (<a href="{}?{}">in the ABR cache</a>)', summary, cache_list, query)

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
