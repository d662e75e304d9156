"""Admin sign-in by email, through the same lockout as the API login."""

from django.contrib.auth.backends import BaseBackend

from eventlead.core.exceptions import InvalidCredentials

from .models import User


class EmailLockoutBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        from .services import credentials_check

        if not username or password is None:
            return None
        try:
            user = credentials_check(email=username, password=password)
        except InvalidCredentials:
            return None
        return user if user.is_active else None

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
