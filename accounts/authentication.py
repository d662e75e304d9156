"""Bearer JWT authentication that also checks the user's token versions and status."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from eventlead.db.compiled import CompiledQuery

from .jwt import ACCESS_VERSION_CLAIM, VersionedAccessToken
from .models import User

# The user with status and role (the manager's select_related): the query of every
# authenticated request, compiled once rather than per request.
USER_BY_ID = CompiledQuery(lambda user_id: User.objects.filter(pk=user_id), user_id=int)
MAX_ID = 2**31 - 1  # the AutoField's range on every engine


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
        user = None
        try:
            user_id = int(validated_token.get("sub"))
        except (ValueError, TypeError):
            user_id = 0
        if 0 < user_id <= MAX_ID:
            user = USER_BY_ID.first(user_id=user_id)
        if user is None or not user.is_active or validated_token.get(ACCESS_VERSION_CLAIM) != user.access_token_version:
            raise InvalidToken("The access token is no longer valid.")
        return user
