"""Bearer JWT authentication that also checks the user's token versions and status."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from .jwt import ACCESS_VERSION_CLAIM, VersionedAccessToken
from .models import User


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
        try:
            # get() rather than first(): no ORDER BY on the hottest query there is.
            user = User.objects.get(pk=validated_token.get("sub"))
        except (User.DoesNotExist, ValueError, TypeError):
            user = None
        if user is None or not user.is_active or validated_token.get(ACCESS_VERSION_CLAIM) != user.access_token_version:
            raise InvalidToken("The access token is no longer valid.")
        return user
