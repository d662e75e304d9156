"""The back-office admin site: system administrators only, with a TOTP code when required.

Sign-in is Django's admin login form over ``accounts.backends.EmailLockoutBackend``: the
password is checked by ``accounts.services.credentials_check``, so a wrong password counts
toward the lockout exactly as on the API, and only an active, unlocked user is signed in.
The form then refuses anyone who is not staff (``is_staff`` is the ``system_admin`` role)
with Django's standard message. With ``ADMIN_REQUIRE_2FA`` on, a signed-in admin reaches no
admin page until a TOTP or recovery code has been accepted in this session (``two_factor``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts.admin_actions import admin_sign_in_record

from . import two_factor

# Headings for the apps on the index page, in the administrators' words.
APP_TITLES = {
    "reference": "Reference tables",
    "configuration": "Settings and validation rules",
    "accounts": "Users",
    "companies": "Companies",
    "logging_app": "Logs",
    "auditing": "Audit trail",
    "abrcache": "ABR cache",
    "otp_totp": "Two-factor devices",
}


@dataclass(frozen=True)
class PageLink:
    """A custom admin page shown on the index beside an app's models."""

    app_label: str
    name: str
    url_name: str


class BackOfficeSite(admin.AdminSite):
    site_header = "EventLead back office"
    site_title = "EventLead back office"
    index_title = "System administration"
    enable_nav_sidebar = True

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._pages: list[tuple[str, object, PageLink]] = []

    def each_context(self, request):
        # "View site" leads to the product, not to this server's API.
        return {**super().each_context(request), "site_url": settings.FRONTEND_BASE_URL}

    def password_change(self, request, extra_context=None):
        """Django's view and template, with the change made by ``accounts.services``."""
        from django.contrib.auth.views import PasswordChangeView

        from .forms import ServicePasswordChangeForm

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=ServicePasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
        )(request)

    # The index ------------------------------------------------------------------------------

    def index(self, request, extra_context=None):
        """The app list with the operations dashboard above it (``?period=24h``, ``7d`` or ``30d``).

        Reached only through ``admin_view``, so the figures are computed for system admins alone.
        """
        from .dashboard import PERIODS, cached_dashboard, period_from

        period = period_from(request.GET.get("period"))
        context = {"dashboard": cached_dashboard(period), "dashboard_periods": PERIODS.values()}
        return super().index(request, {**context, **(extra_context or {})})

    # Access -----------------------------------------------------------------------------------

    def has_permission(self, request):
        """Active system admins only, and with a second factor when one is required."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return not two_factor.required() or two_factor.is_verified(user)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Check the password (Django's admin login), then send an admin on to the second factor."""
        if request.method == "GET" and two_factor.awaits_code(request.user):
            return two_factor.redirect_to_step(request, self.name)
        response = super().login(request, extra_context)
        signed_in = request.method == "POST" and isinstance(response, HttpResponseRedirect)
        if signed_in and request.user.is_authenticated:
            awaits_code = two_factor.awaits_code(request.user)
            admin_sign_in_record(user=request.user, second_factor_follows=awaits_code)
            if awaits_code:
                return two_factor.redirect_to_step(request, self.name)
        return response

    # Custom pages -----------------------------------------------------------------------------

    def register_page(self, *, route: str, view, link: PageLink) -> None:
        """Add a page behind the admin's own access check, listed on the index under its app.

        For data the model admin cannot show, such as ``cache.ABRSearch`` (a composite primary
        key, which Django 5.2's admin refuses to register).
        """
        self._pages.append((route, view, link))

    def get_urls(self):
        pages = [
            path("two-factor/", two_factor.TwoFactorView.as_view(admin_site=self), name="two_factor"),
            # Not behind admin_view: an admin halfway through sign-in (no code yet) may sign out.
            path("logout/", self.logout, name="logout"),
            *(path(route, self.admin_view(view), name=link.url_name) for route, view, link in self._pages),
        ]
        return pages + super().get_urls()

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        by_label = {app["app_label"]: app for app in app_list}
        for _, _, link in self._pages:
            if app_label not in (None, link.app_label):
                continue
            url = reverse(f"{self.name}:{link.url_name}", current_app=self.name)
            app = by_label.get(link.app_label)
            if app is None:
                app = {
                    "name": link.app_label,
                    "app_label": link.app_label,
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [],
                }
                app_list.append(app)
                by_label[link.app_label] = app
            app["models"].append(
                {
                    "model": None,
                    "name": link.name,
                    "object_name": link.url_name,
                    "perms": {"view": True},
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,
                }
            )
        for app in app_list:
            app["name"] = APP_TITLES.get(app["app_label"], app["name"])
        # The order of APP_TITLES: daily work first, logs and audit after.
        order = list(APP_TITLES)
        app_list.sort(key=lambda app: order.index(app["app_label"]) if app["app_label"] in order else len(order))
        return app_list
