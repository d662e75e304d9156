"""The admin's second factor: enrolment on first sign-in, then a code every time.

The device is ``accounts.mfa``'s: django-otp's ``TOTPDevice``, the same one the API's MFA uses, so
an administrator enrolled in either place has MFA on in both. After the password step an admin
without a confirmed device is shown a new secret (QR code, ``otpauth://`` URI and the base32
text) and confirms it with a first code (``accounts.mfa.mfa_enable``); the ten recovery codes
are then shown once, on the page that answers that POST, and are never shown again. An enrolled
admin enters the current code or a recovery code (``accounts.mfa.second_factor_check``), and
``django_otp.login`` marks the session verified, which ``OTPMiddleware`` reads on every request.

Wrong codes count toward the account lockout, as wrong passwords do; the password step does
not start that count afresh while a code is still due (``admin_sign_in_record``). A wrong code
while enrolling is recorded but not counted: whoever sees that page holds the secret already.

Enrolling needs the password only, as first sign-in must; a lost device is reset on the user's
page ("Reset MFA", with a reason) or by ``manage.py reset_mfa``, and its owner enrols again at
next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.admin_actions import admin_second_factor_record
from accounts.models import User
from eventlead.core.exceptions import InvalidCredentials
from logging_app.models import AuthEventType
from logging_app.services import auth_event_record

MESSAGE_WRONG_CODE = "That code is not right. Check the time on your device and enter the current code."
MESSAGE_WRONG_CODE_OR_RECOVERY = (
    "That code is not right. Enter the current code from your authenticator app, or an unused recovery code."
)
FAILURE_WRONG_CODE = "wrong_two_factor_code"


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


def device_for(user) -> tuple[TOTPDevice, bool]:
    """Return ``(device, enrolling)``: the confirmed TOTP device, or one waiting to be confirmed."""
    confirmed = mfa.totp_device(user)
    if confirmed is not None:
        return confirmed, False
    return mfa.pending_device(user), True


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code: an error to show, or accepted (with the recovery codes, after enrolment)."""

    error: str | None = None
    recovery_codes: list[str] | None = None
    locked: bool = False


def code_check(*, request, device: TOTPDevice, code: str, enrolling: bool) -> CodeCheck:
    """Verify ``code`` and mark the session verified when it is right."""
    user = request.user
    if enrolling:
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if not device.verify_token(mfa.normalize_code(code)):
                auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason=FAILURE_WRONG_CODE)
                return CodeCheck(error=MESSAGE_WRONG_CODE)
            codes = mfa.mfa_enable(user=user, device=device, now=timezone.now(), actor=user)
        otp_login(request, device)
        admin_second_factor_record(user=user)
        return CodeCheck(recovery_codes=codes)
    try:
        mfa.second_factor_check(user=user, code=code, failure_reason=FAILURE_WRONG_CODE)
    except InvalidCredentials:
        locked = not User.objects.get(pk=user.pk).is_active
        return CodeCheck(error=MESSAGE_WRONG_CODE_OR_RECOVERY, locked=locked)
    otp_login(request, device)
    admin_second_factor_record(user=user)
    return CodeCheck()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, *args, enrolling: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if enrolling:
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
        else:
            self.fields["code"].label = "Code from your authenticator app, or a recovery code"

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


@method_decorator([never_cache, csrf_protect], name="dispatch")
class TwoFactorView(View):
    """The second sign-in step: enrol a device, or enter its current code."""

    # Always given by as_view(admin_site=...), which takes only names the class already has.
    admin_site: AdminSite = None  # type: ignore[assignment]
    template_name = "admin/two_factor.html"
    recovery_codes_template_name = "admin/accounts/recovery_codes.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:login"))
        if not awaits_code(user):
            return HttpResponseRedirect(self._next_url())
        self.device, self.enrolling = device_for(user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(CodeForm(enrolling=self.enrolling))

    def post(self, request):
        form = CodeForm(request.POST, enrolling=self.enrolling)
        if form.is_valid():
            check = code_check(
                request=request, device=self.device, code=form.cleaned_data["code"], enrolling=self.enrolling
            )
            if check.locked:
                # Locked by wrong codes: signed out, and the password is refused until the lock ends.
                logout(request)
                return HttpResponseRedirect(reverse(f"{self.admin_site.name}:login"))
            if check.recovery_codes is not None:
                return self._render_recovery_codes(check.recovery_codes)
            if check.error is None:
                return HttpResponseRedirect(self._next_url())
            form.add_error("code", check.error)
        return self._render(form)

    def _render_recovery_codes(self, codes: list[str]):
        """The recovery codes, shown once: in the answer to the enrolment, never stored or shown again."""
        context = {
            **self.admin_site.each_context(self.request),
            "title": "Save your recovery codes",
            "recovery_codes": codes,
            "next": self._next_url(),
        }
        self.request.current_app = self.admin_site.name
        return TemplateResponse(self.request, self.recovery_codes_template_name, context)

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
            secret = mfa.device_secret(self.device)
            context.update(
                otpauth_uri=uri,
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                # segno writes the SVG from the URI alone: nothing user-supplied reaches it unescaped.
                qr_svg=mark_safe(mfa.qr_svg(uri)),  # noqa: S308
            )
        self.request.current_app = self.admin_site.name
        return TemplateResponse(self.request, self.template_name, context)
