"""Back office for users: find, edit, unlock, suspend, end sessions, reset MFA; never a password,
token hash, session key or MFA secret on screen.

A user's page tells their story: memberships, sessions, the latest auth events, the audit trail
about them (each snapshot's changes field by field), the emails sent to them and the invitations
they sent and received. Each panel is one bounded query (two for the auth events and the trail),
whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from auditing.admin import trail_panel
from auditing.diff import Trail, trail
from auditing.models import ActivityLog, AuditRole, AuditUser
from companies.admin import invitation_status
from companies.models import Company, UserCompany, UserInvitation
from eventlead.backoffice.links import change_url, changelist_url, linked
from eventlead.backoffice.options import (
    HTTPS_URL_FIELDS,
    LogAdmin,
    NoRelatedEditingMixin,
    ReadOnlyPermissionsMixin,
    editable_fields,
    https_formfield,
)
from logging_app.models import AuthEvent, EmailDelivery
from reference.models import UserRole, UserStatus

from . import admin_actions
from .mfa import recovery_codes_left
from .models import User, UserSession
from .sessions import UNKNOWN_DEVICE, device_label

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

# What the user page shows. Never on it: the password hash, the API session identifier and the
# token versions (bookkeeping for revocation); one-time token tables are not registered at all.
USER_FIELDSETS: _FieldsetSpec = (
    (None, {"fields": ("email", "first_name", "last_name", "phone", "role_title", "profile_picture_url")}),
    ("Access", {"fields": ("user_role", "status", "mfa_status")}),
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
    "mfa_status",
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


# Sessions -------------------------------------------------------------------------------------

# A user's page lists this many sessions: the active ones first, then the most recently ended.
SESSION_PANEL_ROWS = 20
MESSAGE_SESSION_ENDED = "Ended the session on {device}."
MESSAGE_SESSION_ALREADY_ENDED = "That session had already ended or expired: nothing was changed."
MESSAGE_SESSION_NOT_FOUND = "This user has no such session: nothing was changed."
MESSAGE_SIGNED_OUT_EVERYWHERE = "Signed {email} out of every device."
MESSAGE_MFA_RESET = (
    "Two-factor authentication turned off for {email}: device and {codes} unused recovery code{s} deleted. "
    "They set it up again (a system admin at the next back-office sign-in)."
)
MESSAGE_MFA_NOT_ON = "Two-factor authentication was not on for {email}: nothing was changed."


def panel_sessions(user: User) -> list[UserSession]:
    """``user``'s sessions for their page: active (and expired) ones first, then the most recently
    ended, each with who ended it. One query, at most ``SESSION_PANEL_ROWS + 1`` rows: the one
    past the limit tells the page that there are more."""
    return list(
        UserSession.objects.filter(user=user)
        .select_related("updated_by")
        .order_by(F("ended_at").desc(nulls_first=True), "-created_date", "-id")[: SESSION_PANEL_ROWS + 1]
    )


def session_state(session: UserSession, now) -> str:
    if session.ended_at is not None:
        return "Ended"
    return "Active" if session.is_active_at(now) else "Expired"


class SessionRow(NamedTuple):
    """One line of a user's sessions panel; identified by its row id, never by its key."""

    session: UserSession
    state: str
    end_url: str


@dataclass(frozen=True)
class SessionsPanel:
    """What ``admin/accounts/user/change_form.html`` shows under the user's memberships."""

    rows: list[SessionRow]
    more_url: str  # all of the user's sessions, when there are more than the panel shows
    can_end: bool
    end_all_url: str


@dataclass(frozen=True)
class MfaPanel:
    """The "Reset MFA" form of ``admin/accounts/user/change_form.html`` (the status is in "Access")."""

    on: bool
    can_reset: bool
    reset_url: str
    reason_max_length: int


class MfaResetForm(forms.Form):
    reason = forms.CharField(
        max_length=admin_actions.MFA_RESET_REASON_MAX_LENGTH,
        strip=True,
        error_messages={"required": admin_actions.MESSAGE_MFA_RESET_REASON},
    )


class SessionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("expired", "Expired"), ("ended", "Ended"))

    def queryset(self, request, queryset):
        now = timezone.now()
        states = {
            "active": Q(ended_at__isnull=True, expires_at__gt=now),
            "expired": Q(ended_at__isnull=True, expires_at__lte=now),
            "ended": Q(ended_at__isnull=False),
        }
        return queryset.filter(states[self.value()]) if self.value() in states else queryset


@admin.register(UserSession)
class UserSessionAdmin(LogAdmin):
    """Every sign-in on every device, read-only; sessions are ended from their user's page.

    Never the session key: the user's tokens carry it.
    """

    request_id_field = None
    email_search_fields = ("user__email",)
    search_fields = ("user__email",)
    search_help_text = "The user's email address"
    list_display = (
        "device",
        linked("user", "User"),
        "ip_address",
        "created_date",
        "last_seen_at",
        "expires_at",
        "state",
        "ended_at",
        "end_reason",
        "ended_by",
    )
    list_filter = (SessionStateFilter, "end_reason")
    fields = (
        "user",
        "device",
        "user_agent",
        "ip_address",
        "authenticated_at",
        "created_date",
        "last_seen_at",
        "expires_at",
        "state",
        "ended_at",
        "end_reason",
        "ended_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "updated_by")

    @admin.display(description="Device", ordering="device_label")
    def device(self, session):
        return session.device_label or UNKNOWN_DEVICE

    @admin.display(description="State")
    def state(self, session):
        return session_state(session, timezone.now())

    @admin.display(description="Ended by")
    def ended_by(self, session):
        return session.updated_by if session.ended_at and session.updated_by else "—"


# The rest of the story: auth events, audit trail, emails, invitations --------------------------

# How many rows each panel of a user's page shows, newest first; the lists behind a panel have
# the rest.
AUTH_EVENT_PANEL_ROWS = 50
TRAIL_PANEL_ROWS = 50
EMAIL_PANEL_ROWS = 25
INVITATION_PANEL_ROWS = 25
NEWEST_FIRST = ("-created_date", "-id")
NEWEST_INVITATIONS_FIRST = ("-invited_at", "-id")


def _bounded(rows, limit: int) -> tuple[list, bool]:
    """The first ``limit`` rows of an ordered queryset (one query, one row more), and whether
    any were left out."""
    found = list(rows[: limit + 1])
    return found[:limit], len(found) > limit


def _newest(rows: list, limit: int, key) -> tuple[list, bool]:
    """The newest ``limit`` of ``rows`` (by ``key``), and whether any were left out."""
    rows = sorted(rows, key=key, reverse=True)
    return rows[:limit], len(rows) > limit


def panel_auth_events(user: User) -> tuple[list[AuthEvent], bool]:
    """``user``'s newest auth events, with the failed sign-ins typed with their address for which
    no account was found (``unknown_email``: before the account existed, say), and whether there
    are more.

    Two queries of at most ``AUTH_EVENT_PANEL_ROWS + 1`` rows, one per index
    (IX_AuthEvent_UserID_CreatedDate, IX_AuthEvent_Email), merged here. One query with both
    conditions OR-ed would read every event of the user (a token refresh every few minutes adds
    up to thousands) to sort them; a UNION of two limited selects is refused by SQLite.
    """
    limit = AUTH_EVENT_PANEL_ROWS + 1
    own = AuthEvent.objects.filter(user=user).order_by(*NEWEST_FIRST)[:limit]
    typed = AuthEvent.objects.filter(user__isnull=True, email=user.email).order_by(*NEWEST_FIRST)[:limit]
    return _newest([*own, *typed], AUTH_EVENT_PANEL_ROWS, key=lambda event: (event.created_date, event.pk))


def user_trail(user: User) -> Trail:
    """The audit trail about ``user``: their snapshots and the actions on their account
    (``ActivityLog`` rows of entity "User" and their id), newest first. One query each, at most
    ``TRAIL_PANEL_ROWS + 1`` rows each, with whoever made the change joined."""
    limit = TRAIL_PANEL_ROWS + 1
    snapshots = (
        AuditUser.objects.filter(user_id=user.pk)  # IX_AuditUser_UserID_ChangedDate
        .select_related("changed_by")
        .order_by("-changed_date", "-id")[:limit]
    )
    activities = (
        ActivityLog.objects.filter(entity_type="User", entity_id=str(user.pk))  # IX_..._EntityType_EntityID
        .select_related("user")
        .order_by(*NEWEST_FIRST)[:limit]
    )
    return trail(snapshots=snapshots, activities=activities, model=User, limit=TRAIL_PANEL_ROWS)


def panel_emails(user: User) -> tuple[list[EmailDelivery], bool]:
    """The newest emails to ``user``: those recorded for their account (at any of their addresses)
    and every one sent to their current address (an invitation before they had an account, say).
    One query of at most ``EMAIL_PANEL_ROWS + 1`` rows."""
    rows = EmailDelivery.objects.filter(Q(user=user) | Q(recipient_email=user.email)).order_by(*NEWEST_FIRST)
    return _bounded(rows, EMAIL_PANEL_ROWS)


def panel_invitations_sent(user: User) -> tuple[list[UserInvitation], bool]:
    """The newest invitations ``user`` sent, with their company, role, status and who accepted."""
    rows = (
        UserInvitation.objects.filter(invited_by=user)
        .select_related("company", "role", "status", "accepted_user")
        .order_by(*NEWEST_INVITATIONS_FIRST)
    )
    return _bounded(rows, INVITATION_PANEL_ROWS)


def panel_invitations_received(user: User) -> tuple[list[UserInvitation], bool]:
    """The newest invitations to ``user``: to their address, or accepted by them (under an address
    they have since changed), with their company, role, status and inviter."""
    rows = (
        UserInvitation.objects.filter(Q(invited_email=user.email) | Q(accepted_user=user))
        .select_related("company", "role", "status", "invited_by")
        .order_by(*NEWEST_INVITATIONS_FIRST)
    )
    return _bounded(rows, INVITATION_PANEL_ROWS)


class AuthEventRow(NamedTuple):
    event: AuthEvent
    device: str


class InvitationRow(NamedTuple):
    """An invitation on a user's page, with the pages it links to: its company's and the other
    person's (the invitee who accepted it, or the inviter)."""

    invitation: UserInvitation
    status: str
    company_url: str
    person: User | None
    person_url: str


@dataclass(frozen=True)
class RowsPanel:
    """A read-only panel of a user's page: the newest rows, and the lists behind the panel."""

    rows: list
    truncated: bool  # only the newest ``limit`` rows are shown
    limit: int
    links: tuple[tuple[str, str], ...] = ()  # (text, url)


def _invitation_rows(invitations: list[UserInvitation], person: str) -> list[InvitationRow]:
    now = timezone.now()
    rows = []
    for invitation in invitations:
        other = getattr(invitation, person)
        rows.append(
            InvitationRow(
                invitation,
                invitation_status(invitation, now),
                change_url(Company, invitation.company_id),
                other,
                change_url(User, other.pk) if other is not None else "",
            )
        )
    return rows


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
    actions = ("unlock", "sign_out_everywhere", "resend_verification", "suspend", "reactivate")
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["sessions_panel"] = self._sessions_panel(request, obj)
            context["mfa_panel"] = MfaPanel(
                on=obj.mfa_enabled,
                can_reset=self.has_change_permission(request, obj),
                reset_url=self._url("mfa_reset", quote(obj.pk)),
                reason_max_length=admin_actions.MFA_RESET_REASON_MAX_LENGTH,
            )
            context.update(self._story_panels(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _story_panels(self, user):
        """The read-only panels under the sessions, each linking to the lists behind it."""
        mine = f"user__id__exact={user.pk}"
        to_address = urlencode({"q": user.email})
        events, more_events = panel_auth_events(user)
        emails, more_emails = panel_emails(user)
        sent, more_sent = panel_invitations_sent(user)
        received, more_received = panel_invitations_received(user)
        return {
            "auth_events_panel": RowsPanel(
                [AuthEventRow(event, device_label(event.user_agent)) for event in events],
                more_events,
                AUTH_EVENT_PANEL_ROWS,
                (
                    ("all of this user’s auth events", changelist_url(AuthEvent, mine)),
                    ("every event recorded with their address", changelist_url(AuthEvent, to_address)),
                ),
            ),
            "trail_panel": trail_panel(
                user_trail(user),
                title="Audit trail",
                limit=TRAIL_PANEL_ROWS,
                links=(
                    ("all of their snapshots", changelist_url(AuditUser, mine)),
                    (
                        "all actions on their account",
                        changelist_url(ActivityLog, urlencode({"entity_type": "User", "entity_id": user.pk})),
                    ),
                    ("their role changes", changelist_url(AuditRole, mine)),
                ),
            ),
            "emails_panel": RowsPanel(
                emails,
                more_emails,
                EMAIL_PANEL_ROWS,
                (
                    ("all emails of this user", changelist_url(EmailDelivery, mine)),
                    ("all emails to their address", changelist_url(EmailDelivery, to_address)),
                ),
            ),
            "invitations_sent_panel": RowsPanel(
                _invitation_rows(sent, "accepted_user"), more_sent, INVITATION_PANEL_ROWS
            ),
            "invitations_received_panel": RowsPanel(
                _invitation_rows(received, "invited_by"), more_received, INVITATION_PANEL_ROWS
            ),
        }

    def _sessions_panel(self, request, user):
        now, sessions, user_id = timezone.now(), panel_sessions(user), quote(user.pk)
        site = self.admin_site.name
        sessions_list = reverse(f"{site}:accounts_usersession_changelist", current_app=site)
        return SessionsPanel(
            rows=[
                SessionRow(session, session_state(session, now), self._url("session_end", user_id, session.pk))
                for session in sessions[:SESSION_PANEL_ROWS]
            ],
            more_url=f"{sessions_list}?user__id__exact={user.pk}" if len(sessions) > SESSION_PANEL_ROWS else "",
            can_end=self.has_change_permission(request, user),
            end_all_url=self._url("sessions_end_all", user_id),
        )

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, user):
        return user.full_name

    @admin.display(description="Verified", boolean=True, ordering="email_verified_at")
    def email_verified(self, user):
        return user.email_verified_at is not None

    @admin.display(description="Two-factor authentication")
    def mfa_status(self, user):
        if not user.mfa_enabled:
            return "Off (a system admin sets it up at the next back-office sign-in)"
        left = recovery_codes_left(user)
        since = timezone.localtime(user.mfa_enabled_at)
        return f"On since {since:%Y-%m-%d %H:%M %Z}; {left} of 10 recovery codes left"

    # Ending sessions from the user's page (POST only: the page's buttons) ---------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/sessions/<int:session_id>/end/",
                self.admin_site.admin_view(self.session_end_view),
                name=f"{name}_session_end",
            ),
            path(
                "<path:object_id>/sessions/end-all/",
                self.admin_site.admin_view(self.sessions_end_all_view),
                name=f"{name}_sessions_end_all",
            ),
            path(
                "<path:object_id>/mfa/reset/",
                self.admin_site.admin_view(self.mfa_reset_view),
                name=f"{name}_mfa_reset",
            ),
            *super().get_urls(),
        ]

    def _url(self, name, *args):
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    def _user_to_change(self, request, object_id):
        """The user of ``object_id`` if the admin may change them (403 otherwise); None if unknown."""
        user = self.get_object(request, unquote(object_id))
        if user is not None and not self.has_change_permission(request, user):
            raise PermissionDenied
        return user

    @method_decorator(require_POST)
    def session_end_view(self, request, object_id, session_id):
        """End one of the user's sessions, then back to their page."""
        user = self._user_to_change(request, object_id)
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        session = user.sessions.filter(pk=session_id).first()
        if session is None:
            self.message_user(request, MESSAGE_SESSION_NOT_FOUND, messages.WARNING)
        elif session.is_active_at(timezone.now()) and admin_actions.user_session_end(
            session=session, actor=request.user
        ):
            self.message_user(request, MESSAGE_SESSION_ENDED.format(device=session.device_label or UNKNOWN_DEVICE))
        else:
            self.message_user(request, MESSAGE_SESSION_ALREADY_ENDED, messages.WARNING)
        return HttpResponseRedirect(self._url("change", quote(user.pk)))

    @method_decorator(require_POST)
    def sessions_end_all_view(self, request, object_id):
        """Sign the user out of every device (as the list's action does), then back to their page."""
        user = self._user_to_change(request, object_id)
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        admin_actions.user_sign_out_everywhere(user=user, actor=request.user)
        self.message_user(request, MESSAGE_SIGNED_OUT_EVERYWHERE.format(email=user.email))
        return HttpResponseRedirect(self._url("change", quote(user.pk)))

    @method_decorator(require_POST)
    def mfa_reset_view(self, request, object_id):
        """Turn the user's MFA off (a lost phone), with the reason the form requires; back to their page."""
        user = self._user_to_change(request, object_id)
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = MfaResetForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                self.message_user(request, " ".join(errors), messages.ERROR)
            return HttpResponseRedirect(self._url("change", quote(user.pk)))
        codes = admin_actions.user_mfa_reset(user=user, actor=request.user, reason=form.cleaned_data["reason"])
        if codes is None:
            self.message_user(request, MESSAGE_MFA_NOT_ON.format(email=user.email), messages.WARNING)
        else:
            self.message_user(
                request, MESSAGE_MFA_RESET.format(email=user.email, codes=codes, s="" if codes == 1 else "s")
            )
        return HttpResponseRedirect(self._url("change", quote(user.pk)))

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
