from datetime import timedelta

from django.utils import timezone
from rest_framework.permissions import BasePermission

from configuration.settings_store import get_setting
from eventlead.core.exceptions import PasswordExpired, ReauthenticationRequired

from .jwt import AUTH_TIME_CLAIM


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


class RecentAuthentication(BasePermission):
    """Step-up: a sensitive operation needs a token whose ``auth_time`` (when its user last proved
    who they are) is within ``security.reauth_minutes``; otherwise 401 ``reauthentication_required``.

    Put after ``IsAuthenticated``. POST /auth/reauthenticate gives a fresh access token.
    """

    def has_permission(self, request, view):
        auth_time = request.auth.get(AUTH_TIME_CLAIM) if request.auth is not None else None
        window = timedelta(minutes=get_setting("security.reauth_minutes"))
        # A claim is any JSON value; only a number of seconds counts (bool is an int in Python).
        if not isinstance(auth_time, int) or isinstance(auth_time, bool):
            raise ReauthenticationRequired()
        if auth_time < (timezone.now() - window).timestamp():
            raise ReauthenticationRequired()
        return True
