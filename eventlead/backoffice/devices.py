"""The TOTP devices list: read-only, without keys; a device is reset from its user's page."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .options import ReadOnlyAdmin


class TOTPDeviceAdmin(ReadOnlyAdmin):
    """Replaces django-otp's own admin, which can add devices and show their QR codes."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")
    ordering = ("user__email",)


def register(site: admin.AdminSite) -> None:
    """Put this admin in place of django-otp's (registered by its own admin module)."""
    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, TOTPDeviceAdmin)
