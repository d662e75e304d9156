"""Bearer JWT authentication that checks the token's session, the user's token versions and status."""

from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from .jwt import ACCESS_VERSION_CLAIM, SESSION_CLAIM, VersionedAccessToken
from .selectors import session_for_token
from .sessions import session_touch


class VersionedJWTAuthentication(JWTAuthentication):
    """Refuse tokens of ended sessions, tokens older than the user's ``AccessTokenVersion`` and
    users who may not sign in.

    The session and its user are read from the database on every request, in one query, so
    ending a session, logout-all, password changes, suspension, lockout and soft delete take
    effect at once, not when the token expires. The request's session is ``user.current_session``.
    """

    def get_validated_token(self, raw_token):
        try:
            return VersionedAccessToken(raw_token)
        except Exception as error:  # noqa: BLE001 - any decoding problem is the same 401
            raise InvalidToken("The access token is invalid or expired.") from error

    def get_user(self, validated_token):
        session = session_for_token(validated_token.get(SESSION_CLAIM), validated_token.get("sub"))
        now = timezone.now()
        if session is None or not session.is_active_at(now):
            raise InvalidToken("The access token is no longer valid.")
        user = session.user
        if not user.is_active or validated_token.get(ACCESS_VERSION_CLAIM) != user.access_token_version:
            raise InvalidToken("The access token is no longer valid.")
        session_touch(session, now)
        user.current_session = session
        return user
