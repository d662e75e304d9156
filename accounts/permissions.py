from datetime import timedelta

from django.utils import timezone
from rest_framework.permissions import BasePermission

from configuration.settings_store import get_setting
from eventlead.core.exceptions import PasswordExpired


class PasswordNotExpired(BasePermission):
    """Refuse a user whose password is older than ``auth.password_expiry_days`` (0: never)."""

    def has_permission(self, request, view):
        user = request.user
        days = get_setting("auth.password_expiry_days")
        if user is None or not days:
            return True
        changed = user.last_password_change or user.created_date
        if changed + timedelta(days=days) < timezone.now():
            raise PasswordExpired()
        return True
