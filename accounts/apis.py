"""The accounts API: each view parses input, calls a service, serializes the result."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.apis import validated_input

from . import serializers as s
from . import services
from .selectors import user_profile
from .throttles import EmailRateThrottle, RefreshTokenRateThrottle, SettingRateThrottle, TokenRateThrottle

MESSAGE_EMAIL_SENT = "If the address can be used, an email with the next step is on its way."
# S105 reads "PASSWORD" in a name as a secret; these are messages.
MESSAGE_PASSWORD_RESET = "Your password has been reset. Sign in with the new one."  # noqa: S105


class PublicApi(APIView):
    """Open to anonymous callers; a stale Authorization header is ignored, not refused."""

    authentication_classes = []
    permission_classes = [AllowAny]


class SignupApi(PublicApi):
    throttle_classes = [SettingRateThrottle, EmailRateThrottle]
    throttle_scope = "signup"

    @extend_schema(request=s.SignupInput, responses={202: s.AcceptedOutput})
    def post(self, request):
        data = validated_input(s.SignupInput, request)
        services.user_signup(**data)
        return Response({"detail": MESSAGE_EMAIL_SENT}, status=status.HTTP_202_ACCEPTED)


class VerifyEmailApi(PublicApi):
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "verifyEmail"

    @extend_schema(request=s.TokenInput, responses={200: s.VerifiedOutput})
    def post(self, request):
        services.email_verify(token=validated_input(s.TokenInput, request)["token"])
        return Response({"verified": True})


class VerifyEmailResendApi(PublicApi):
    throttle_classes = [SettingRateThrottle, EmailRateThrottle]
    throttle_scope = "verifyEmailResend"

    @extend_schema(request=s.EmailInput, responses={202: s.AcceptedOutput})
    def post(self, request):
        services.email_verification_resend(email=validated_input(s.EmailInput, request)["email"])
        return Response({"detail": MESSAGE_EMAIL_SENT}, status=status.HTTP_202_ACCEPTED)


class LoginApi(PublicApi):
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=s.LoginInput,
        responses={
            200: s.LoginOutput,
            401: OpenApiResponse(description="invalid_credentials: wrong email or password, or a locked account."),
            403: OpenApiResponse(description="email_not_verified: the password was right; verify the email first."),
        },
    )
    def post(self, request):
        user, tokens = services.user_login(**validated_input(s.LoginInput, request))
        return Response({**tokens, "user": user_profile(user=user)})


class TokenRefreshApi(PublicApi):
    throttle_classes = [RefreshTokenRateThrottle]
    throttle_scope = "tokenRefresh"

    @extend_schema(
        request=s.RefreshInput,
        responses={
            200: s.TokenPairOutput,
            401: OpenApiResponse(description="token_invalid: the refresh token is expired, rotated or revoked."),
        },
    )
    def post(self, request):
        return Response(services.token_refresh(raw_refresh=validated_input(s.RefreshInput, request)["refresh"]))


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]  # Allowed with an expired password.

    @extend_schema(request=s.RefreshInput, responses={204: None})
    def post(self, request):
        services.session_logout(user=request.user, raw_refresh=validated_input(s.RefreshInput, request)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.session_logout_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(PublicApi):
    throttle_classes = [SettingRateThrottle, EmailRateThrottle]
    throttle_scope = "passwordReset"

    @extend_schema(request=s.EmailInput, responses={202: s.AcceptedOutput})
    def post(self, request):
        services.password_reset_request(email=validated_input(s.EmailInput, request)["email"])
        return Response({"detail": MESSAGE_EMAIL_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(PublicApi):
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "passwordResetConfirm"

    @extend_schema(request=s.PasswordResetConfirmInput, responses={200: s.AcceptedOutput})
    def post(self, request):
        services.password_reset_confirm(**validated_input(s.PasswordResetConfirmInput, request))
        return Response({"detail": MESSAGE_PASSWORD_RESET})


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]  # The way out of an expired password.
    # Per user: each try costs a password hash, and wrong ones also count toward the lockout.
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "passwordChange"

    @extend_schema(request=s.PasswordChangeInput, responses={200: s.TokenPairOutput})
    def post(self, request):
        return Response(services.password_change(user=request.user, **validated_input(s.PasswordChangeInput, request)))


class MeApi(APIView):
    @extend_schema(responses={200: s.UserOutput})
    def get(self, request):
        return Response(user_profile(user=request.user))

    @extend_schema(request=s.ProfileInput, responses={200: s.UserOutput})
    def patch(self, request):
        changes = validated_input(s.ProfileInput, request, partial=True)
        user = services.user_profile_update(user=request.user, **changes)
        return Response(user_profile(user=user))
