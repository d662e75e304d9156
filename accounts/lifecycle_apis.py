"""The account lifecycle API (spec/api.md, "Account lifecycle"): email change, export, closure."""

from collections.abc import Sequence
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from eventlead.core.apis import validated_input

from . import lifecycle
from .apis import MeApi, PublicApi
from .permissions import PasswordNotExpired, RecentAuthentication
from .serializers import AddressField, password_field
from .throttles import SettingRateThrottle, TokenRateThrottle

MESSAGE_EMAIL_CHANGE_SENT = (
    "If the address can be used, a link to confirm it is on its way there. Your current address has been told."
)
EXPORT_FILENAME = "eventlead-account-export.json"
STEP_UP_REFUSED = OpenApiResponse(description="reauthentication_required: sign in again first (auth/reauthenticate).")


class EmailChangeInput(serializers.Serializer[Any]):
    new_email = AddressField()


class EmailChangeAcceptedOutput(serializers.Serializer[Any]):
    detail = serializers.CharField()


class EmailChangeConfirmInput(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=200)


class EmailChangeConfirmOutput(serializers.Serializer[Any]):
    email = serializers.EmailField()


class AccountCloseInput(serializers.Serializer[Any]):
    password = password_field()


class EmailChangeApi(APIView):
    permission_classes = [IsAuthenticated, PasswordNotExpired, RecentAuthentication]
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "emailChange"

    @extend_schema(request=EmailChangeInput, responses={202: EmailChangeAcceptedOutput, 401: STEP_UP_REFUSED})
    def post(self, request):
        """Ask to change the account's email address (step-up).

        A link goes to the new address and a notice to the current one. The answer is the same
        whether or not the new address has an account.
        """
        new_email = validated_input(EmailChangeInput, request)["new_email"]
        lifecycle.email_change_request(user=request.user, new_email=new_email)
        return Response({"detail": MESSAGE_EMAIL_CHANGE_SENT}, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmApi(PublicApi):
    throttle_classes = [TokenRateThrottle]
    throttle_scope = "emailChangeConfirm"

    @extend_schema(
        request=EmailChangeConfirmInput,
        responses={
            200: EmailChangeConfirmOutput,
            409: OpenApiResponse(description="conflict: the address has meanwhile become another account's."),
        },
    )
    def post(self, request):
        """Confirm an email change with the link's token: the address changes and every session ends."""
        user = lifecycle.email_change_confirm(token=validated_input(EmailChangeConfirmInput, request)["token"])
        return Response({"email": user.email})


class AccountExportApi(APIView):
    throttle_classes = [SettingRateThrottle]
    throttle_scope = "accountExport"

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Everything held about the caller.")}
    )
    def get(self, request):
        """Everything held about the caller, as one JSON document to download (docs/export.md)."""
        response = Response(lifecycle.account_export(user=request.user))
        response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
        return response


class AccountApi(MeApi):
    """``users/me``: the profile (``MeApi``), and closing the account (DELETE, step-up)."""

    throttle_scope = "accountClose"

    def _closing(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method == "DELETE"

    def get_permissions(self) -> Sequence[Any]:
        if self._closing():
            return [IsAuthenticated(), PasswordNotExpired(), RecentAuthentication()]
        return super().get_permissions()

    def get_throttles(self) -> list[BaseThrottle]:
        if self._closing():
            return [SettingRateThrottle()]
        return super().get_throttles()

    @extend_schema(
        request=AccountCloseInput,
        responses={
            204: None,
            401: STEP_UP_REFUSED,
            409: OpenApiResponse(description="conflict: the caller is the last active admin of a company."),
        },
    )
    def delete(self, request):
        """Close the caller's account (password and step-up): it is de-identified and every session ends."""
        password = validated_input(AccountCloseInput, request)["password"]
        lifecycle.account_close(user=request.user, password=password)
        return Response(status=status.HTTP_204_NO_CONTENT)
