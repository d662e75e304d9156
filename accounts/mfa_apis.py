"""The MFA API: enrolment of a TOTP device, recovery codes, and the second step of a sign-in.

Each view parses input, calls ``accounts.mfa``, serializes the result (spec/api.md, "MFA for
every account"). Setting a device up, turning MFA off and new recovery codes need a recent
sign-in (step-up). Confirming does not: it finishes what the step-up setup began, and only
whoever saw setup's answer knows the secret its code comes from; asking again there would make
a user who is slow with the phone start over.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.apis import validated_input
from eventlead.core.exceptions import ValidationFailed

from . import mfa
from . import mfa_serializers as ms
from .apis import PublicApi
from .permissions import PasswordNotExpired, RecentAuthentication
from .selectors import user_profile
from .serializers import LoginOutput
from .throttles import MfaTokenRateThrottle, SettingRateThrottle

STEP_UP_401 = OpenApiResponse(
    description="reauthentication_required: sign in again first (auth/reauthenticate); or no valid bearer token."
)


class MfaApi(APIView):
    """Signed in, with a password that has not expired; limited per user (scope ``mfa``)."""

    permission_classes = [IsAuthenticated, PasswordNotExpired]
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "mfa"


class StepUpMfaApi(MfaApi):
    """A change that needs a recent sign-in (``security.reauth_minutes``)."""

    permission_classes = [IsAuthenticated, PasswordNotExpired, RecentAuthentication]


class MfaStatusApi(APIView):
    @extend_schema(responses={200: ms.MfaStatusOutput})
    def get(self, request):
        """Whether two-factor authentication is on, since when, and how many recovery codes are left."""
        return Response(ms.MfaStatusOutput(mfa.mfa_status(request.user)).data)


class TotpSetupApi(StepUpMfaApi):
    @extend_schema(
        request=None,
        responses={
            200: ms.TotpSetupOutput,
            401: STEP_UP_401,
            409: OpenApiResponse(description="conflict: two-factor authentication is already on."),
        },
    )
    def post(self, request):
        """A new secret for an authenticator app (step-up); nothing is on until it is confirmed.

        Asking again replaces the secret: only the last one shown can be confirmed.
        """
        return Response(ms.TotpSetupOutput(mfa.totp_setup(user=request.user)).data)


class TotpConfirmApi(MfaApi):
    @extend_schema(
        request=ms.TotpCodeInput,
        responses={
            200: ms.RecoveryCodesOutput,
            400: OpenApiResponse(description="validation_error: the code is not right (field code)."),
            409: OpenApiResponse(
                description="conflict: two-factor authentication is already on, or no device waits to be confirmed."
            ),
        },
    )
    def post(self, request):
        """Turn two-factor authentication on with the app's first code; the ten recovery codes, shown once."""
        code = validated_input(ms.TotpCodeInput, request)["code"]
        codes = mfa.totp_confirm(user=request.user, code=code)
        if codes is None:
            raise ValidationFailed(fields={"code": [mfa.MESSAGE_WRONG_SETUP_CODE]})
        return Response(ms.RecoveryCodesOutput({"recovery_codes": codes}).data)


class TotpApi(StepUpMfaApi):
    @extend_schema(
        request=None,
        responses={
            204: None,
            401: STEP_UP_401,
            409: OpenApiResponse(description="conflict: two-factor authentication is not on."),
        },
    )
    def delete(self, request):
        """Turn two-factor authentication off (step-up): the device and the recovery codes are deleted."""
        if not mfa.mfa_disable(user=request.user):
            raise mfa.MfaNotOn()
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecoveryCodesApi(StepUpMfaApi):
    @extend_schema(
        request=None,
        responses={
            200: ms.RecoveryCodesOutput,
            401: STEP_UP_401,
            409: OpenApiResponse(description="conflict: two-factor authentication is not on."),
        },
    )
    def post(self, request):
        """Ten new recovery codes, shown once (step-up); the old ones stop working."""
        codes = mfa.recovery_codes_regenerate(user=request.user)
        return Response(ms.RecoveryCodesOutput({"recovery_codes": codes}).data)


class MfaVerifyApi(PublicApi):
    # Per client IP, and per mfaToken in a bucket of its own: guesses from many addresses at one
    # sign-in are bounded, and so are guesses from one address at many.
    throttle_classes = [SettingRateThrottle, MfaTokenRateThrottle]
    throttle_scope = "mfaVerify"

    @extend_schema(
        request=ms.MfaVerifyInput,
        responses={
            200: LoginOutput,
            400: OpenApiResponse(
                description="validation_error; token_invalid or token_expired: the mfaToken is unknown, used, "
                "expired (five minutes) or older than the password."
            ),
            401: OpenApiResponse(
                description="invalid_credentials: the code is not right (it counts toward the account lockout), "
                "or the account is locked or suspended."
            ),
        },
    )
    def post(self, request):
        """Finish a sign-in: the mfaToken from login and a TOTP or recovery code give the tokens login would."""
        user, tokens = mfa.mfa_verify(**validated_input(ms.MfaVerifyInput, request))
        return Response({**tokens, "user": user_profile(user=user)})
