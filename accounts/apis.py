"""The accounts API: each view parses input, calls a service, serializes the result."""

from functools import partial

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.apis import validated_input
from eventlead.core.pagination import PAGE_PARAMETERS, newest_first_page

from . import serializers as s
from . import services
from .mfa_serializers import MfaChallengeOutput
from .permissions import PasswordNotExpired, RecentAuthentication
from .selectors import session_row, user_profile, user_sessions
from .throttles import EmailRateThrottle, RefreshTokenRateThrottle, SettingRateThrottle, TokenRateThrottle

MESSAGE_EMAIL_SENT = "If the address can be used, an email with the next step is on its way."
# S105 reads "PASSWORD" in a name as a secret; these are messages.
MESSAGE_PASSWORD_RESET = "Your password has been reset. Sign in with the new one."  # noqa: S105
MESSAGE_ACCOUNT_SECURED = "Every session has ended. A link to choose a new password is on its way."


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
            200: OpenApiResponse(
                response=PolymorphicProxySerializer(
                    component_name="LoginResult",
                    serializers=[s.LoginOutput, MfaChallengeOutput],
                    resource_type_field_name=None,
                ),
                description="The tokens and the user; or, with two-factor authentication on, mfaRequired and an "
                "mfaToken (single use, five minutes) for POST /api/v1/auth/mfa/verify, and no tokens yet.",
            ),
            401: OpenApiResponse(description="invalid_credentials: wrong email or password, or a locked account."),
            403: OpenApiResponse(description="email_not_verified: the password was right; verify the email first."),
        },
    )
    def post(self, request):
        user, tokens = services.user_login(**validated_input(s.LoginInput, request))
        if tokens.get("mfa_required"):
            return Response(tokens)
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


class SessionsApi(APIView):
    @extend_schema(parameters=PAGE_PARAMETERS, responses={200: s.SessionPageOutput})
    def get(self, request):
        """The caller's active sessions, newest first: one per sign-in on one device."""
        current = request.user.current_session
        page = newest_first_page(
            user_sessions(user=request.user),
            request,
            list_name="sessions",
            time_field="created_date",
            row=partial(session_row, current),
        )
        return Response(page.body())


class SessionApi(APIView):
    @extend_schema(
        request=None,
        responses={204: None, 404: OpenApiResponse(description="not_found: no active session of the caller's.")},
    )
    def delete(self, request, session_id):
        """End one of the caller's sessions: its access and refresh tokens are refused from now on."""
        services.session_revoke(user=request.user, session_key=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionsRevokeOthersApi(APIView):
    permission_classes = [IsAuthenticated, PasswordNotExpired, RecentAuthentication]

    @extend_schema(
        request=None,
        responses={
            204: None,
            401: OpenApiResponse(description="reauthentication_required: sign in again first (auth/reauthenticate)."),
        },
    )
    def post(self, request):
        """End every session of the caller but this one (step-up: a recent sign-in is needed)."""
        services.sessions_revoke_others(user=request.user, current=request.user.current_session)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReauthenticateApi(APIView):
    permission_classes = [IsAuthenticated]  # Allowed with an expired password, like password change.
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "reauthenticate"

    @extend_schema(
        request=s.ReauthenticateInput,
        responses={
            200: s.AccessOutput,
            400: OpenApiResponse(
                description="validation_error: neither or both of password and code; a wrong password or code "
                "(fields password or code); a code while two-factor authentication is off."
            ),
        },
    )
    def post(self, request):
        """Confirm the password, or once MFA is on a TOTP or recovery code, again: a fresh access token
        whose ``auth_time`` is now.

        A wrong password or code counts toward the account's lockout.
        """
        proof = validated_input(s.ReauthenticateInput, request)
        access = services.reauthenticate(user=request.user, session=request.user.current_session, **proof)
        return Response({"access": access})


class SecureAccountApi(PublicApi):
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "secureAccount"

    @extend_schema(request=s.TokenInput, responses={200: s.AcceptedOutput})
    def post(self, request):
        """ "This wasn't me", from a security email: every session ends and a password reset link is sent."""
        services.account_secure(token=validated_input(s.TokenInput, request)["token"])
        return Response({"detail": MESSAGE_ACCOUNT_SECURED})
