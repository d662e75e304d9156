"""Back office for users: find, edit, unlock, suspend; never a password or token hash on screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from companies.models import UserCompany
from eventlead.backoffice.options import (
    HTTPS_URL_FIELDS,
    NoRelatedEditingMixin,
    ReadOnlyPermissionsMixin,
    editable_fields,
    https_formfield,
)
from reference.models import UserRole, UserStatus

from . import admin_actions
from .models import User

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

# What the user page shows. Never on it: the password hash, the API session identifier and the
# token versions (bookkeeping for revocation); one-time token tables are not registered at all.
USER_FIELDSETS: _FieldsetSpec = (
    (None, {"fields": ("email", "first_name", "last_name", "phone", "role_title", "profile_picture_url")}),
    ("Access", {"fields": ("user_role", "status", "two_factor")}),
    ("Preferences", {"fields": ("timezone_identifier", "language", "country")}),
    (
        "Sign-in and lockout",
        {
            "fields": (
                "email_verified_at",
                "last_login",
                "last_password_change",
                "failed_login_attempts",
                "last_failed_login_at",
                "is_locked",
                "locked_until",
                "locked_reason",
            )
        },
    ),
    ("Record", {"fields": ("created_date", "updated_date", "is_deleted", "deleted_date")}),
)
USER_READONLY_FIELDS = (
    "email",
    "two_factor",
    "email_verified_at",
    "last_login",
    "last_password_change",
    "failed_login_attempts",
    "last_failed_login_at",
    "is_locked",
    "locked_until",
    "locked_reason",
    "created_date",
    "updated_date",
    "is_deleted",
    "deleted_date",
)


class EmailVerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(email_verified_at__isnull=self.value() == "no")
        return queryset


class MembershipInline(ReadOnlyPermissionsMixin, admin.TabularInline):
    """The user's companies, read-only: memberships change through the company's own flows."""

    model = UserCompany
    fk_name = "user"
    fields = ("company", "role", "status", "joined_via", "joined_date", "is_primary", "is_deleted")
    readonly_fields = fields
    extra = 0
    can_delete = False
    classes = ("records",)
    verbose_name_plural = "memberships"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company", "role", "status", "joined_via")


class UserAdminForm(forms.ModelForm):
    """Refuses what would lock the acting admin out (checked again by the service)."""

    actor = None

    class Meta:
        model = User
        fields = editable_fields(USER_FIELDSETS, USER_READONLY_FIELDS)
        formfield_callback = https_formfield

    def clean(self):
        cleaned = super().clean()
        if self.actor is not None and self.instance.pk == self.actor.pk:
            role, status = cleaned.get("user_role"), cleaned.get("status")
            if role is not None and role.code != UserRole.SYSTEM_ADMIN:
                self.add_error("user_role", admin_actions.MESSAGE_OWN_ROLE)
            if status is not None and status.code != UserStatus.ACTIVE:
                self.add_error("status", admin_actions.MESSAGE_OWN_STATUS)
        return cleaned


@admin.register(User)
class UserAdmin(NoRelatedEditingMixin, admin.ModelAdmin):
    form = UserAdminForm
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = (
        "email",
        "full_name",
        "user_role",
        "status",
        "email_verified",
        "is_locked",
        "last_login",
        "created_date",
    )
    list_filter = ("status", "user_role", "is_locked", EmailVerifiedFilter, "is_deleted")
    list_select_related = ("status", "user_role")
    search_fields = ("email", "first_name", "last_name")
    search_help_text = "Email address, first or last name"
    ordering = ("email",)
    autocomplete_fields = ("language", "country")
    inlines = (MembershipInline,)
    actions = ("unlock", "sign_out_everywhere", "resend_verification", "suspend", "reactivate", "reset_two_factor")
    fieldsets = USER_FIELDSETS
    readonly_fields = USER_READONLY_FIELDS

    def has_add_permission(self, request):
        return False  # accounts come from sign-up and invitations; admins from `manage.py ensure_admin`

    def has_delete_permission(self, request, obj=None):
        return False  # users are never removed: suspend instead

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        admin_actions.user_admin_update(user=obj, actor=request.user, fields=form.changed_data)

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, user):
        return user.full_name

    @admin.display(description="Verified", boolean=True, ordering="email_verified_at")
    def email_verified(self, user):
        return user.email_verified_at is not None

    @admin.display(description="Two-factor sign-in")
    def two_factor(self, user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).only("last_used_at").first()
        if device is None:
            return "Not enrolled (enrols at the next back-office sign-in)"
        return f"Enrolled, last used {device.last_used_at:%Y-%m-%d %H:%M}" if device.last_used_at else "Enrolled"

    # Actions ----------------------------------------------------------------------------------

    def _report(self, request, done: int, verb: str, skipped: int = 0, why: str = ""):
        self.message_user(request, f"{verb} {done} user{'s' if done != 1 else ''}.")
        if skipped:
            self.message_user(request, f"{skipped} left as they were: {why}.", messages.WARNING)

    @admin.action(description="Unlock selected users", permissions=("change",))
    def unlock(self, request, queryset):
        done = sum(admin_actions.user_unlock(user=user, actor=request.user) for user in queryset)
        self._report(request, done, "Unlocked", len(queryset) - done, "not locked")

    @admin.action(description="Sign selected users out of every device", permissions=("change",))
    def sign_out_everywhere(self, request, queryset):
        for user in queryset:
            admin_actions.user_sign_out_everywhere(user=user, actor=request.user)
        self._report(request, len(queryset), "Signed out")

    @admin.action(description="Resend the verification email", permissions=("change",))
    def resend_verification(self, request, queryset):
        done = sum(admin_actions.user_verification_resend(user=user) for user in queryset)
        self._report(request, done, "Sent a verification email to", len(queryset) - done, "already verified")

    @admin.action(description="Suspend selected users", permissions=("change",))
    def suspend(self, request, queryset):
        done = refused = 0
        for user in queryset:
            try:
                done += admin_actions.user_suspend(user=user, actor=request.user)
            except ValidationError as error:
                refused += 1
                self.message_user(request, " ".join(error.messages), messages.ERROR)
        self._report(request, done, "Suspended", len(queryset) - done - refused, "not active")

    @admin.action(description="Reactivate selected users", permissions=("change",))
    def reactivate(self, request, queryset):
        done = sum(admin_actions.user_reactivate(user=user, actor=request.user) for user in queryset)
        self._report(request, done, "Reactivated", len(queryset) - done, "not suspended")

    @admin.action(description="Reset two-factor sign-in (lost device)", permissions=("change",))
    def reset_two_factor(self, request, queryset):
        done = sum(bool(admin_actions.user_two_factor_reset(user=user, actor=request.user)) for user in queryset)
        self._report(request, done, "Reset two-factor sign-in for", len(queryset) - done, "not enrolled")
