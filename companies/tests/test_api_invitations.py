"""The invitation lifecycle over HTTP: every transition and every refusal."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import hash_token
from auditing.models import ActivityLog, AuditRole
from companies.models import UserCompany, UserInvitation

from .conftest import link_token

pytestmark = pytest.mark.django_db
PASSWORD = "Invitee-passphrase-2024"


@pytest.fixture
def invite(auth_client, company, send):
    def do(email="guest@example.com", role="company_user", **extra):
        return send(
            auth_client,
            "post",
            f"companies/{company['companyId']}/invitations",
            {"email": email, "role": role, **extra},
        )

    return do


def last_token():
    return link_token(mail.outbox[-1])


def test_create_emails_a_link_and_stores_only_the_hash(invite, settings, user):
    response = invite(email="Guest@Example.com", firstName="Gus")

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "invitationId": body["invitationId"],
        "invitedEmail": "guest@example.com",
        "invitedFirstName": "Gus",
        "invitedLastName": "",
        "role": "company_user",
        "status": "pending",
        "invitedBy": "member@example.com",
        "invitedAt": body["invitedAt"],
        "expiresAt": body["expiresAt"],
        "acceptedAt": None,
        "declinedAt": None,
        "declineReason": "",
        "cancelledAt": None,
        "cancellationReason": "",
        "resendCount": 0,
        "lastResentAt": None,
    }
    assert mail.outbox[0].to == ["guest@example.com"]
    assert settings.FRONTEND_BASE_URL + "/invitations/accept?token=" in mail.outbox[0].body
    invitation = UserInvitation.objects.get()
    assert invitation.token_hash == hash_token(last_token())
    assert invitation.expires_at - invitation.invited_at == timedelta(days=7)


def test_duplicate_pending_invitation_or_existing_member_is_409(invite, make_user):
    invite()
    assert invite(email="GUEST@example.com").status_code == 409
    member = invite(email="member@example.com")
    assert member.status_code == 409
    assert member.json()["error"] == {
        "code": "conflict",
        "message": "This address already belongs to an active member of this company.",
        "requestId": member["X-Request-ID"],
    }


def test_only_admins_invite_and_list(company, invite, client_for, send, make_user):
    invite()
    guest_token = last_token()
    make_user("guest@example.com")
    guest = client_for("guest@example.com")
    send(guest, "post", f"invitations/{guest_token}/accept")

    cid = company["companyId"]
    assert (
        send(guest, "post", f"companies/{cid}/invitations", {"email": "x@y.co", "role": "company_user"}).status_code
        == 403
    )
    assert guest.get(f"/api/v1/companies/{cid}/invitations").status_code == 403


def test_public_preview(invite, api_client):
    invite(role="company_viewer")

    response = api_client.get(f"/api/v1/invitations/{last_token()}")

    assert response.status_code == 200
    assert response.json() == {
        "companyName": "Acme Events",
        "invitedEmail": "guest@example.com",
        "role": "company_viewer",
        "status": "pending",
        "expiresAt": response.json()["expiresAt"],
    }
    assert api_client.get("/api/v1/invitations/not-a-token").status_code == 404


def test_anonymous_accept_creates_a_verified_account_and_returns_tokens(invite, company, send):
    invite(role="company_viewer")
    token = last_token()

    response = send(
        APIClient(),
        "post",
        f"invitations/{token}/accept",
        {"password": PASSWORD, "firstName": "Gus", "lastName": "Guest"},
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"access", "refresh", "membership"}
    assert (body["membership"]["role"], body["membership"]["joinedVia"], body["membership"]["email"]) == (
        "company_viewer",
        "invitation",
        "guest@example.com",
    )
    user = User.objects.get(email="guest@example.com")
    assert user.email_verified_at is not None and user.status.code == "active"
    invitation = UserInvitation.objects.get()
    assert invitation.status.code == "accepted" and invitation.accepted_user == user
    assert AuditRole.objects.filter(user=user, company_id=company["companyId"]).count() == 1
    assert ActivityLog.objects.filter(action="invitation_accepted").count() == 1
    again = send(
        APIClient(),
        "post",
        f"invitations/{token}/accept",
        {"password": PASSWORD, "firstName": "Gus", "lastName": "Guest"},
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "token_invalid"


def test_anonymous_accept_needs_a_password_and_names(invite, send):
    invite()

    response = send(APIClient(), "post", f"invitations/{last_token()}/accept", {})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"password", "firstName", "lastName"}
    assert not User.objects.filter(email="guest@example.com").exists()


def test_signed_in_invitee_joins_and_another_account_gets_403(invite, client_for, send, make_user):
    invite()
    token = last_token()
    make_user("guest@example.com")
    intruder = client_for("intruder@example.com")

    refused = send(intruder, "post", f"invitations/{token}/accept")
    accepted = send(client_for("guest@example.com"), "post", f"invitations/{token}/accept")

    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This invitation is for a different email address."
    assert accepted.status_code == 200
    assert accepted.json()["membership"]["role"] == "company_user"
    assert UserCompany.objects.filter(user__email="intruder@example.com").count() == 0


def test_anonymous_accept_for_an_existing_account_asks_to_sign_in(invite, send, make_user):
    make_user("guest@example.com")
    invite()

    response = send(
        APIClient(),
        "post",
        f"invitations/{last_token()}/accept",
        {"password": PASSWORD, "firstName": "G", "lastName": "G"},
    )

    assert response.status_code == 409
    assert UserInvitation.objects.get().status.code == "pending"


def test_decline_then_accept_is_refused(invite, send):
    invite()
    token = last_token()

    declined = send(APIClient(), "post", f"invitations/{token}/decline", {"reason": "Wrong team"})
    accept = send(
        APIClient(), "post", f"invitations/{token}/accept", {"password": PASSWORD, "firstName": "G", "lastName": "G"}
    )

    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert UserInvitation.objects.get().decline_reason == "Wrong team"
    assert accept.json()["error"]["code"] == "token_invalid"
    assert not User.objects.filter(email="guest@example.com").exists()


def test_cancel_kills_the_link(invite, auth_client, company, send, user):
    invitation_id = invite().json()["invitationId"]
    token = last_token()

    cancelled = send(
        auth_client,
        "post",
        f"companies/{company['companyId']}/invitations/{invitation_id}/cancel",
        {"reason": "Sent to the wrong person"},
    )

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    invitation = UserInvitation.objects.get()
    assert invitation.cancelled_by == user and invitation.cancellation_reason == "Sent to the wrong person"
    assert send(APIClient(), "post", f"invitations/{token}/decline").json()["error"]["code"] == "token_invalid"
    assert (
        send(auth_client, "post", f"companies/{company['companyId']}/invitations/{invitation_id}/cancel").status_code
        == 409
    )


def test_expiry_is_computed_on_read_and_refuses_acceptance(invite, auth_client, company, send):
    invite()
    token = last_token()
    UserInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    listed = auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations").json()
    response = send(
        APIClient(), "post", f"invitations/{token}/accept", {"password": PASSWORD, "firstName": "G", "lastName": "G"}
    )

    assert listed["results"][0]["status"] == "expired"
    assert response.status_code == 400 and response.json()["error"]["code"] == "token_expired"
    assert invite().status_code == 201  # a new invitation to the same address is allowed


def test_expire_invitations_command_marks_overdue_ones(invite):
    invite()
    invite(email="second@example.com")
    UserInvitation.objects.filter(invited_email="guest@example.com").update(expires_at=timezone.now())

    call_command("expire_invitations")

    statuses = dict(UserInvitation.objects.values_list("invited_email", "status__code"))
    assert statuses == {"guest@example.com": "expired", "second@example.com": "pending"}


def test_resend_sends_a_new_link_and_kills_the_old_one(invite, auth_client, company, send):
    invitation_id = invite().json()["invitationId"]
    old = last_token()
    UserInvitation.objects.update(invited_at=timezone.now() - timedelta(minutes=16))

    response = send(auth_client, "post", f"companies/{company['companyId']}/invitations/{invitation_id}/resend")

    assert response.status_code == 200 and response.json()["resendCount"] == 1
    new = last_token()
    assert new != old
    assert APIClient().get(f"/api/v1/invitations/{old}").status_code == 404
    assert APIClient().get(f"/api/v1/invitations/{new}").status_code == 200


def test_resend_respects_the_cooldown_and_the_limit(invite, auth_client, company, send):
    invitation_id = invite().json()["invitationId"]
    path = f"companies/{company['companyId']}/invitations/{invitation_id}/resend"

    too_soon = send(auth_client, "post", path)
    assert too_soon.status_code == 429
    assert too_soon.json()["error"]["code"] == "throttled"
    assert UserInvitation.objects.get().resend_count == 0

    for expected in (1, 2, 3):
        UserInvitation.objects.update(
            invited_at=timezone.now() - timedelta(hours=1),
            last_resent_at=timezone.now() - timedelta(minutes=15, seconds=1),
        )
        assert send(auth_client, "post", path).json()["resendCount"] == expected
    UserInvitation.objects.update(last_resent_at=timezone.now() - timedelta(hours=1))
    over = send(auth_client, "post", path)
    assert over.status_code == 429
    assert over.json()["error"]["message"] == "This invitation has been resent the maximum number of times."
    assert UserInvitation.objects.get().resend_count == 3


def test_cooldown_boundary(invite, company, user):
    from companies.invitations import invitation_resend
    from eventlead.core.exceptions import Throttled

    invite()
    invitation = UserInvitation.objects.get()
    with pytest.raises(Throttled):
        invitation_resend(
            company=invitation.company,
            invitation_id=invitation.pk,
            actor=user,
            now=invitation.invited_at + timedelta(minutes=15) - timedelta(seconds=1),
        )
    invitation_resend(
        company=invitation.company,
        invitation_id=invitation.pk,
        actor=user,
        now=invitation.invited_at + timedelta(minutes=15),
    )


def test_list_filters_by_status(invite, auth_client, company, send):
    invite()
    second = invite(email="second@example.com").json()["invitationId"]
    send(auth_client, "post", f"companies/{company['companyId']}/invitations/{second}/cancel")

    pending = auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations?status=pending").json()

    assert [i["invitedEmail"] for i in pending["results"]] == ["guest@example.com"]


@pytest.mark.parametrize(("rows", "more"), [(1, False), (50, False), (51, True)])
def test_invitation_list_runs_a_fixed_number_of_queries(
    invite, auth_client, company, rows, more, django_assert_num_queries
):
    for n in range(rows):
        invite(email=f"guest{n}@example.com")
    auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations")

    # user (auth), caller's membership, a page of invitations with role/status/inviter
    with django_assert_num_queries(3):
        response = auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations")

    assert (len(response.json()["results"]), response.json()["next"] is not None) == (min(rows, 50), more)
