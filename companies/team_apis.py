"""The teams API (spec/api.md, "Teams"): my invitations, bulk invitations, leaving a company."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from eventlead.core.apis import validated_input
from eventlead.core.pagination import PAGE_PARAMETERS, newest_first_page

from . import invitations, selectors, services
from . import serializers as s
from . import team_serializers as ts
from .access import membership_get, require_admin
from .apis import LAST_ADMIN, REFUSED

NOT_YOURS = OpenApiResponse(
    description="not_found: no invitation with this id to the caller's verified address (anyone else's "
    "invitation answers exactly as an id never used)."
)
NO_LONGER_OPEN = "conflict: the invitation is no longer pending, or has expired."
SEAT_LIMIT = (
    "conflict: the company's plan has no free seat: its active members fill MaxUsers "
    "(CompanyCustomerDetails.MaxUsers, else the tier's)."
)


def _membership_body(membership):
    return s.MemberOutput(selectors.company_members(company_id=membership.company_id).get(pk=membership.pk)).data


class ReceivedInvitationListApi(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: ts.ReceivedInvitationPageOutput},
        description="The pending, unexpired invitations to the caller's address, from every company, newest "
        "first. Empty until the caller's address is verified.",
    )
    def get(self, request):
        page = newest_first_page(
            invitations.invitations_received(user=request.user),
            request,
            list_name="my-invitations",
            time_field="invited_at",
            row=lambda invitation: ts.ReceivedInvitationOutput(invitation).data,
        )
        return Response(page.body())


class ReceivedInvitationAcceptApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.InvitationAcceptOutput,
            404: NOT_YOURS,
            409: OpenApiResponse(description=f"{NO_LONGER_OPEN} Or already a member. Or {SEAT_LIMIT}"),
        },
        description="Join the company, as the token route does, by the invitation's id: for the signed-in "
        "invitee, whose verified address the invitation is to.",
    )
    def post(self, request, invitation_id):
        membership = invitations.invitation_accept_received(invitation_id=invitation_id, user=request.user)
        return Response({"membership": _membership_body(membership)})


class ReceivedInvitationDeclineApi(APIView):
    @extend_schema(
        request=s.ReasonInput,
        responses={
            200: s.InvitationPreviewOutput,
            404: NOT_YOURS,
            409: OpenApiResponse(description=NO_LONGER_OPEN),
        },
        description="Decline, as the token route does, by the invitation's id, for the signed-in invitee.",
    )
    def post(self, request, invitation_id):
        invitation = invitations.invitation_decline_received(
            invitation_id=invitation_id,
            user=request.user,
            reason=validated_input(s.ReasonInput, request)["reason"],
        )
        return Response(s.InvitationPreviewOutput(invitation).data)


class BulkInvitationApi(APIView):
    @extend_schema(
        request=ts.BulkInvitationInput,
        responses={207: ts.BulkInvitationOutput, 403: REFUSED},
        description=f"Invite up to {ts.MAX_BULK_ROWS} addresses (company admins only). Each row is made as the "
        "single create makes it, in its own savepoint: the rows that can be made are made, and the answer is a "
        "207 with one result per row, in order. A row's own errors are its result (invalid), not a 400; a body "
        f"without 1 to {ts.MAX_BULK_ROWS} rows is a 400.",
    )
    def post(self, request, company_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        rows = validated_input(ts.BulkInvitationInput, request)["invitations"]
        results = invitations.invitations_bulk_create(company=membership.company, actor=request.user, rows=rows)
        return Response(ts.BulkInvitationOutput({"results": results}).data, status=status.HTTP_207_MULTI_STATUS)


class CompanyLeaveApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.MemberOutput,
            403: OpenApiResponse(description="password_expired. (A company's MFA requirement never stops leaving.)"),
            409: LAST_ADMIN,
        },
        description="Leave the company: the caller's membership is removed (reason left) and the pending "
        "invitations they sent to it are cancelled. Allowed whatever the caller's role, and even when the company "
        "requires MFA the caller has not turned on; refused while the caller is its last active admin.",
    )
    def post(self, request, company_id):
        membership = services.member_leave(user=request.user, company_id=company_id)
        return Response(_membership_body(membership))
