"""Bearer JWT authentication that also checks the user's token versions and status."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from .jwt import ACCESS_VERSION_CLAIM, VersionedAccessToken
from .selectors import user_by_id


class VersionedJWTAuthentication(JWTAuthentication):
    """Refuse tokens older than the user's ``AccessTokenVersion`` and users who may not sign in.

    The user is read from the database on every request, so logout-all, password changes,
    suspension, lockout and soft delete take effect at once, not when the token expires.
    """

    def get_validated_token(self, raw_token):
        try:
            return VersionedAccessToken(raw_token)
        except Exception as error:  # noqa: BLE001 - any decoding problem is the same 401
            raise InvalidToken("The access token is invalid or expired.") from error

    def get_user(self, validated_token):
        user = user_by_id(validated_token.get("sub"))
        if user is None or not user.is_active or validated_token.get(ACCESS_VERSION_CLAIM) != user.access_token_version:
            raise InvalidToken("The access token is no longer valid.")
        return user
