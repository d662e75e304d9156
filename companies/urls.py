from django.urls import path

from . import apis

urlpatterns = [
    path("companies", apis.CompanyListApi.as_view(), name="company-list"),
    path("companies/<int:company_id>", apis.CompanyDetailApi.as_view(), name="company-detail"),
    path("companies/<int:company_id>/billing-details", apis.BillingDetailsApi.as_view(), name="company-billing"),
    path("companies/<int:company_id>/organizer-details", apis.OrganizerDetailsApi.as_view(), name="company-organizer"),
    path("companies/<int:company_id>/members", apis.MemberListApi.as_view(), name="member-list"),
    path("companies/<int:company_id>/members/<int:user_company_id>", apis.MemberDetailApi.as_view(), name="member-detail"),
    path("companies/<int:company_id>/invitations", apis.InvitationListApi.as_view(), name="invitation-list"),
    path("companies/<int:company_id>/invitations/<int:invitation_id>/resend", apis.InvitationResendApi.as_view(),
         name="invitation-resend"),
    path("companies/<int:company_id>/invitations/<int:invitation_id>/cancel", apis.InvitationCancelApi.as_view(),
         name="invitation-cancel"),
    path("invitations/<str:token>", apis.InvitationPreviewApi.as_view(), name="invitation-preview"),
    path("invitations/<str:token>/accept", apis.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/<str:token>/decline", apis.InvitationDeclineApi.as_view(), name="invitation-decline"),
]
