"""JWTs that carry the user's token versions and take their lifetimes from AppSetting.

``atv``/``rtv`` are the user's ``AccessTokenVersion``/``RefreshTokenVersion`` when the token
was issued; raising either (logout-all, password reset or change) rejects every older token
at once. Lifetimes are read when each token is issued, so an admin's change applies to the
next token without a restart.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from configuration.settings_store import get_setting

if TYPE_CHECKING:
    from .models import User

ACCESS_VERSION_CLAIM = "atv"
REFRESH_VERSION_CLAIM = "rtv"
SESSION_CLAIM = "sid"


class VersionedAccessToken(AccessToken):
    @property
    def lifetime(self):
        return timedelta(minutes=get_setting("auth.access_token_minutes"))


class VersionedRefreshToken(RefreshToken):
    access_token_class = VersionedAccessToken
    # Claims that stay with the refresh token and are copied into its access tokens.
    # simplejwt's no_copy_claims is inferred as a fixed-length tuple, so a longer one does not match it.
    no_copy_claims = (*RefreshToken.no_copy_claims, REFRESH_VERSION_CLAIM)  # type: ignore[assignment]

    @property
    def lifetime(self):
        return timedelta(days=get_setting("auth.refresh_token_days"))

    def check_blacklist(self) -> None:
        """Left to the one place a refresh token is used up: ``accounts.services._retire``
        inserts it into the blacklist, whose unique token column refuses a second use, in the
        same transaction. A look-up first would cost a query and decide nothing."""


def issue_token_pair(user: User) -> dict[str, str]:
    """Issue a refresh token and its access token, recorded for logout and rotation."""
    refresh = VersionedRefreshToken.for_user(user)
    refresh[REFRESH_VERSION_CLAIM] = user.refresh_token_version
    refresh[ACCESS_VERSION_CLAIM] = user.access_token_version
    refresh[SESSION_CLAIM] = user.session_token
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
