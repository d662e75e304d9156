"""TOTP as the admin's second factor (django-otp): enrolment on first sign-in, a code every time.

After the password step an admin without a confirmed device is shown a new secret (QR code,
``otpauth://`` URI and the base32 text) and confirms it with a first code; an admin with one
enters the current code. ``django_otp.login`` then marks the session verified, which
``OTPMiddleware`` reads on every request. Wrong codes are throttled by the device itself
(django-otp's ``ThrottlingMixin``: an exponential delay) and recorded as failed sign-ins.

Enrolling needs the password only, as first sign-in must; a lost device is reset by another
admin (the user action "Reset two-factor sign-in"), and its owner enrols again at next sign-in.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from auditing.services import activity_record
from logging_app.models import AuthEventType
from logging_app.services import auth_event_record

DEVICE_NAME = "EventLead admin"
MESSAGE_WRONG_CODE = "That code is not right. Check the time on your device and enter the current code."
MESSAGE_THROTTLED = "Too many wrong codes. Wait a minute, then enter the current code."


def required() -> bool:
    """Read per request, so tests (and a settings override) can switch it."""
    return settings.ADMIN_REQUIRE_2FA


def is_verified(user) -> bool:
    """True once a code was accepted in this session (``OTPMiddleware`` adds ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def awaits_code(user) -> bool:
    """A signed-in system admin who still has to give a code in this session."""
    return user.is_authenticated and user.is_active and user.is_staff and required() and not is_verified(user)


def redirect_to_step(request, site_name: str) -> HttpResponseRedirect:
    url = reverse(f"{site_name}:two_factor")
    next_url = request.POST.get("next") or request.GET.get("next")
    return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


def device_for(user):
    """Return ``(device, enrolling)``: the confirmed TOTP device, or one waiting to be confirmed."""
    devices = TOTPDevice.objects.filter(user=user).order_by("id")
    confirmed = devices.filter(confirmed=True).first()
    if confirmed is not None:
        return confirmed, False
    pending = devices.filter(confirmed=False).first()
    return pending or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False), True


def code_check(*, request, device, code: str, enrolling: bool) -> str | None:
    """Verify ``code`` and mark the session verified; return an error message, or None if accepted."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return MESSAGE_THROTTLED
    if not device.verify_token(code):
        auth_event_record(
            event_type=AuthEventType.LOGIN_FAILED, user=device.user, failure_reason="wrong_two_factor_code"
        )
        return MESSAGE_WRONG_CODE
    if enrolling:
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            type(device).objects.filter(user=device.user, confirmed=False).delete()
            activity_record(
                action="admin_two_factor_enrolled",
                entity=device.user,
                actor=device.user,
                description="Enrolled a TOTP device for admin sign-in.",
            )
    otp_login(request, device)
    return None


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


@method_decorator([never_cache, csrf_protect], name="dispatch")
class TwoFactorView(View):
    """The second sign-in step: enrol a device, or enter its current code."""

    # Always given by as_view(admin_site=...), which takes only names the class already has.
    admin_site: AdminSite = None  # type: ignore[assignment]
    template_name = "admin/two_factor.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:login"))
        if not awaits_code(user):
            return HttpResponseRedirect(self._next_url())
        self.device, self.enrolling = device_for(user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            error = code_check(
                request=request, device=self.device, code=form.cleaned_data["code"], enrolling=self.enrolling
            )
            if error is None:
                return HttpResponseRedirect(self._next_url())
            form.add_error("code", error)
        return self._render(form)

    def _next_url(self) -> str:
        request = self.request
        candidate = request.POST.get("next") or request.GET.get("next") or ""
        allowed = url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return candidate if allowed else reverse(f"{self.admin_site.name}:index")

    def _render(self, form):
        context = {
            **self.admin_site.each_context(self.request),
            "title": "Set up two-factor sign-in" if self.enrolling else "Two-factor sign-in",
            "form": form,
            "enrolling": self.enrolling,
            "next": self._next_url(),
        }
        if self.enrolling:
            uri = self.device.config_url
            secret = b32encode(self.device.bin_key).decode()
            context.update(
                otpauth_uri=uri,
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                # segno writes the SVG from the URI alone: nothing user-supplied reaches it unescaped.
                qr_svg=mark_safe(segno.make(uri, error="m").svg_inline(scale=5)),  # noqa: S308
            )
        self.request.current_app = self.admin_site.name
        return TemplateResponse(self.request, self.template_name, context)
