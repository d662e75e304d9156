"""JWTs that carry the user's token versions and take their lifetimes from AppSetting.

Every token carries its session's key (``sid``: ``dbo.UserSession``) and ``auth_time``, when
the session's user last proved who they are (sign-in or re-authentication), kept through
refreshes. ``atv``/``rtv`` are the user's ``AccessTokenVersion``/``RefreshTokenVersion`` when the token
was issued; raising either (logout-all, password reset or change) rejects every older token
at once. Lifetimes are read when each token is issued, so an admin's change applies to the
next token without a restart.

Each refresh token is recorded once, with its final claims, as an outstanding token (the row
its blacklist entry points at), holding the SHA-256 of the token rather than the token itself:
a copy of the table gives no one a usable refresh token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, BlacklistMixin, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from configuration.settings_store import get_setting

from .tokens import hash_token

if TYPE_CHECKING:
    from .models import User, UserSession

ACCESS_VERSION_CLAIM = "atv"
REFRESH_VERSION_CLAIM = "rtv"
SESSION_CLAIM = "sid"
AUTH_TIME_CLAIM = "auth_time"


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

    @classmethod
    def for_user(cls, user):
        """The token alone: simplejwt's blacklist app would record it now, before its claims are
        final and with the token in clear; ``issue_token_pair`` records it once they are."""
        return super(BlacklistMixin, cls).for_user(user)

    def check_blacklist(self) -> None:
        """Left to the one place a refresh token is used up: ``accounts.services._retire``
        inserts it into the blacklist, whose unique token column refuses a second use, in the
        same transaction. A look-up first would cost a query and decide nothing."""


def issue_token_pair(user: User, session: UserSession | None = None) -> dict[str, str]:
    """Issue a refresh token and its access token of ``session``, recorded for logout and rotation.

    Without a session, one is opened for the requesting device (a sign-in whose checks the
    caller made).
    """
    if session is None:
        from .sessions import session_open

        session = session_open(user=user)
    refresh = VersionedRefreshToken.for_user(user)
    refresh[REFRESH_VERSION_CLAIM] = user.refresh_token_version
    _session_claims(refresh, user, session)
    return {"access": str(refresh.access_token), "refresh": refresh_token_record(refresh, user)}


def issue_access_token(user: User, session: UserSession) -> str:
    """An access token of ``session`` alone (re-authentication: its ``auth_time`` is the session's)."""
    access = VersionedAccessToken.for_user(user)
    _session_claims(access, user, session)
    return str(access)


def _session_claims(token: VersionedAccessToken | VersionedRefreshToken, user: User, session: UserSession) -> None:
    token[ACCESS_VERSION_CLAIM] = user.access_token_version
    token[SESSION_CLAIM] = session.session_key
    token[AUTH_TIME_CLAIM] = int(session.authenticated_at.timestamp())


def refresh_token_record(refresh: VersionedRefreshToken, user: User) -> str:
    """Encode a refresh token with its final claims and record it as outstanding (by hash)."""
    encoded = str(refresh)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token=hash_token(encoded),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return encoded
