"""The companies API: companies, details, members and invitations."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.apis import PublicApi
from eventlead.core.apis import validated_input, validated_query
from eventlead.core.pagination import PAGE_PARAMETERS, page_parameters

from . import invitations, selectors, services
from . import serializers as s
from .access import membership_get, membership_role, require_admin
from .models import UserCompany
from .serializers import INVITATION_STATUSES, MESSAGE_INVITATION_STATUS  # noqa: F401 - bench/floors.py reads them here

LAST_ADMIN = OpenApiResponse(
    description="conflict: the company would be left without an active company admin who can sign in "
    "(admins whose account is suspended, locked, unverified or deleted do not count)."
)
# Every route of one company (the detail and everything under it) can answer this 403.
REFUSED = OpenApiResponse(
    description="permission_denied (company admins only, where so), password_expired, or mfa_required: "
    "the company requires two-factor authentication and the caller has not turned it on."
)
NOT_PENDING = OpenApiResponse(description="conflict: the invitation is no longer pending.")
RECIPIENT_LIMIT = OpenApiResponse(
    description="throttled: the address has had email.invitation_emails_per_recipient invitation emails from this "
    "company within email.invitation_emails_window_hours."
)


def _company_body(company, role):
    return s.CompanyOutput(company, context={"role": role}).data


class CompanyListApi(APIView):
    @extend_schema(responses={200: s.CompanyOutput(many=True)})
    def get(self, request):
        return Response(selectors.companies_body(user=request.user))

    @extend_schema(
        request=s.CompanyCreateInput,
        responses={201: s.CompanyOutput, 409: OpenApiResponse(description="conflict: the ABN belongs to a company.")},
    )
    def post(self, request):
        company = services.company_create(creator=request.user, **validated_input(s.CompanyCreateInput, request))
        return Response(_company_body(company, "company_admin"), status=status.HTTP_201_CREATED)


class CompanyDetailApi(APIView):
    @extend_schema(responses={200: s.CompanyOutput, 403: REFUSED})
    def get(self, request, company_id):
        return Response(selectors.company_body(user=request.user, company_id=company_id))

    @extend_schema(request=s.CompanyUpdateInput, responses={200: s.CompanyOutput, 403: REFUSED})
    def patch(self, request, company_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        company = services.company_update(
            company=membership.company,
            actor=request.user,
            **validated_input(s.CompanyUpdateInput, request, partial=True),
        )
        return Response(_company_body(company, membership.role.code))


class _CompanyDetailsApi(APIView):
    kind: str
    serializer_class: type
    admins_only_read = False

    def _details(self, company):
        return getattr(company, f"{self.kind}_details", None)

    def get(self, request, company_id):
        membership = membership_get(user=request.user, company_id=company_id)
        if self.admins_only_read:
            require_admin(membership)
        details = services.DETAILS_MODELS[self.kind].objects.filter(company=membership.company).first()
        return Response(self.serializer_class(details).data if details else {})

    def patch(self, request, company_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        data = validated_input(self.serializer_class, request, partial=True)
        if "billing_country" in data:
            data["billing_country_code"] = (data.pop("billing_country") or {}).get("country_code")
        details = services.company_details_update(
            company=membership.company, kind=self.kind, actor=request.user, **data
        )
        return Response(self.serializer_class(details).data)


@extend_schema(request=s.BillingDetailsIO, responses={200: s.BillingDetailsIO, 403: REFUSED})
class BillingDetailsApi(_CompanyDetailsApi):
    kind, serializer_class, admins_only_read = "billing", s.BillingDetailsIO, True


@extend_schema(request=s.OrganizerDetailsIO, responses={200: s.OrganizerDetailsIO, 403: REFUSED})
class OrganizerDetailsApi(_CompanyDetailsApi):
    kind, serializer_class = "organizer", s.OrganizerDetailsIO


def _member_of(company_id, user_company_id) -> UserCompany:
    from eventlead.core.exceptions import NotFound

    target = UserCompany.objects.filter(pk=user_company_id, company_id=company_id, is_deleted=False).first()
    if target is None:
        raise NotFound()
    return target


class MemberListApi(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: s.MemberPageOutput, 403: REFUSED},
        description="The company's members, removed ones included, in joining order, a page at a time.",
    )
    def get(self, request, company_id):
        membership_role(user=request.user, company_id=company_id)
        cursor, limit = page_parameters(request)
        return Response(selectors.members_page(company_id=company_id, cursor=cursor, limit=limit).body())


class MemberDetailApi(APIView):
    @extend_schema(
        request=s.MemberRoleInput,
        responses={200: s.MemberOutput, 403: REFUSED, 409: LAST_ADMIN},
        description="Change a member's role. A member who stops being company admin has the pending "
        "invitations they sent to this company cancelled.",
    )
    def patch(self, request, company_id, user_company_id):
        require_admin(membership_get(user=request.user, company_id=company_id))
        data = validated_input(s.MemberRoleInput, request)
        target = services.member_role_change(
            membership=_member_of(company_id, user_company_id),
            role_code=data["role"],
            actor=request.user,
            reason=data["reason"],
        )
        return Response(s.MemberOutput(selectors.company_members(company_id=company_id).get(pk=target.pk)).data)

    @extend_schema(
        request=s.MemberRemoveInput,
        responses={200: s.MemberOutput, 403: REFUSED, 409: LAST_ADMIN},
        description="Remove a member (soft). The pending invitations they sent to this company are cancelled.",
    )
    def delete(self, request, company_id, user_company_id):
        require_admin(membership_get(user=request.user, company_id=company_id))
        target = services.member_remove(
            membership=_member_of(company_id, user_company_id),
            actor=request.user,
            reason=validated_input(s.MemberRemoveInput, request)["reason"],
        )
        return Response(s.MemberOutput(selectors.company_members(company_id=company_id).get(pk=target.pk)).data)


class InvitationListApi(APIView):
    @extend_schema(
        parameters=[s.InvitationListQuery, *PAGE_PARAMETERS],
        responses={200: s.InvitationPageOutput, 403: REFUSED},
        description="The company's invitations, newest first, a page at a time.",
    )
    def get(self, request, company_id):
        require_admin(membership_role(user=request.user, company_id=company_id))
        wanted = validated_query(s.InvitationListQuery, request).get("status") or None
        cursor, limit = page_parameters(request)
        page = selectors.invitations_page(company_id=company_id, status=wanted, cursor=cursor, limit=limit)
        return Response(page.body())

    @extend_schema(
        request=s.InvitationCreateInput,
        responses={
            201: s.InvitationOutput,
            403: REFUSED,
            409: OpenApiResponse(
                description="conflict: a pending invitation or an active membership exists, or the plan's seats "
                "(MaxUsers) are all taken by active members and pending invitations."
            ),
            429: RECIPIENT_LIMIT,
        },
    )
    def post(self, request, company_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        invitation = invitations.invitation_create(
            company=membership.company, actor=request.user, **validated_input(s.InvitationCreateInput, request)
        )
        return Response(s.InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class InvitationResendApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: s.InvitationOutput,
            403: REFUSED,
            409: NOT_PENDING,
            429: OpenApiResponse(
                description="throttled: the resend limit or cooldown, or the address's invitation emails from this "
                "company (email settings), applies."
            ),
        },
    )
    def post(self, request, company_id, invitation_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        invitation = invitations.invitation_resend(
            company=membership.company, invitation_id=invitation_id, actor=request.user
        )
        return Response(s.InvitationOutput(invitation).data)


class InvitationCancelApi(APIView):
    @extend_schema(request=s.ReasonInput, responses={200: s.InvitationOutput, 403: REFUSED, 409: NOT_PENDING})
    def post(self, request, company_id, invitation_id):
        membership = membership_get(user=request.user, company_id=company_id)
        require_admin(membership)
        invitation = invitations.invitation_cancel(
            company=membership.company,
            invitation_id=invitation_id,
            actor=request.user,
            reason=validated_input(s.ReasonInput, request)["reason"],
        )
        return Response(s.InvitationOutput(invitation).data)


class InvitationPreviewApi(PublicApi):
    @extend_schema(responses={200: s.InvitationPreviewOutput})
    def get(self, request, token):
        return Response(s.InvitationPreviewOutput(invitations.invitation_by_token(token)).data)


class InvitationAcceptApi(APIView):
    """Accept as the signed-in invitee, or anonymously by creating the account."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=s.InvitationAcceptInput,
        responses={
            200: s.InvitationAcceptOutput,
            201: s.InvitationAcceptNewAccountOutput,
            400: OpenApiResponse(description="token_invalid or token_expired; validation_error for a new account."),
            403: OpenApiResponse(description="permission_denied: signed in as an account the invitation is not for."),
            409: OpenApiResponse(
                description="conflict: already a member, or an account exists: sign in to accept, or the company's "
                "active members fill its plan's seats (MaxUsers)."
            ),
        },
    )
    def post(self, request, token):
        data = validated_input(s.InvitationAcceptInput, request)
        membership, tokens = invitations.invitation_accept(token=token, user=request.user, **data)
        body = {
            "membership": s.MemberOutput(
                selectors.company_members(company_id=membership.company_id).get(pk=membership.pk)
            ).data
        }
        if tokens:
            return Response({**tokens, **body}, status=status.HTTP_201_CREATED)
        return Response(body)


class InvitationDeclineApi(PublicApi):
    @extend_schema(request=s.ReasonInput, responses={200: s.InvitationPreviewOutput})
    def post(self, request, token):
        invitation = invitations.invitation_decline(
            token=token, reason=validated_input(s.ReasonInput, request)["reason"]
        )
        return Response(s.InvitationPreviewOutput(invitation).data)
