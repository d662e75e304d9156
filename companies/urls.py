from django.urls import path, register_converter

from eventlead.core.converters import IdConverter

from . import activity_apis, apis, team_apis

register_converter(IdConverter, "id")

urlpatterns = [
    path("companies/<id:company_id>/activity", activity_apis.CompanyActivityApi.as_view(), name="company-activity"),
    path("companies", apis.CompanyListApi.as_view(), name="company-list"),
    path("companies/<id:company_id>", apis.CompanyDetailApi.as_view(), name="company-detail"),
    path("companies/<id:company_id>/billing-details", apis.BillingDetailsApi.as_view(), name="company-billing"),
    path("companies/<id:company_id>/organizer-details", apis.OrganizerDetailsApi.as_view(), name="company-organizer"),
    path("companies/<id:company_id>/members", apis.MemberListApi.as_view(), name="member-list"),
    path(
        "companies/<id:company_id>/members/<id:user_company_id>", apis.MemberDetailApi.as_view(), name="member-detail"
    ),
    path("companies/<id:company_id>/invitations", apis.InvitationListApi.as_view(), name="invitation-list"),
    path(
        "companies/<id:company_id>/invitations/<id:invitation_id>/resend",
        apis.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path(
        "companies/<id:company_id>/invitations/<id:invitation_id>/cancel",
        apis.InvitationCancelApi.as_view(),
        name="invitation-cancel",
    ),
    path("invitations/<str:token>", apis.InvitationPreviewApi.as_view(), name="invitation-preview"),
    path("invitations/<str:token>/accept", apis.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/<str:token>/decline", apis.InvitationDeclineApi.as_view(), name="invitation-decline"),
    # Teams (helper "invites"): my invitations, bulk invitations, leaving.
    path("users/me/invitations", team_apis.ReceivedInvitationListApi.as_view(), name="my-invitation-list"),
    path(
        "users/me/invitations/<id:invitation_id>/accept",
        team_apis.ReceivedInvitationAcceptApi.as_view(),
        name="my-invitation-accept",
    ),
    path(
        "users/me/invitations/<id:invitation_id>/decline",
        team_apis.ReceivedInvitationDeclineApi.as_view(),
        name="my-invitation-decline",
    ),
    path("companies/<id:company_id>/invitations/bulk", team_apis.BulkInvitationApi.as_view(), name="invitation-bulk"),
    path("companies/<id:company_id>/leave", team_apis.CompanyLeaveApi.as_view(), name="company-leave"),
]
