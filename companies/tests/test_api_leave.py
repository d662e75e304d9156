"""POST /companies/{id}/leave: a member removes themselves; the last admin cannot; MFA never stops it."""

import pytest
from rest_framework import serializers, status

from auditing.models import ActivityLog, AuditRole
from companies.models import Company, UserCompany, UserInvitation
from companies.seats import MESSAGE_SEATS_FULL
from companies.services import ACTION_MEMBER_LEFT, MESSAGE_LAST_ADMIN, REASON_INVITER_LEFT, REASON_LEFT
from eventlead.core.exceptions import MfaRequired
from eventlead.testing.openapi import assert_documented
from reference.models import UserCompanyRole

from .team_support import conflict, not_found, plan

pytestmark = pytest.mark.django_db

CREW = "crew@example.com"


def moment(value) -> str:
    return serializers.DateTimeField().to_representation(value)


@pytest.fixture
def cid(company):
    plan(company["companyId"])
    return company["companyId"]


def leave(send, client, company_id):
    return send(client, "post", f"companies/{company_id}/leave")


def test_a_member_leaves_recorded_as_a_removal_with_reason_left_and_a_role_change_to_none(
    cid, add_member, client_for, send
):
    crew = add_member(cid, CREW, role="company_viewer")
    client = client_for(CREW)

    response = leave(send, client, cid)

    assert response.status_code == status.HTTP_200_OK
    crew.refresh_from_db()
    assert response.json() == {
        "userCompanyId": crew.pk,
        "userId": crew.user_id,
        "email": CREW,
        "firstName": "Mia",
        "lastName": "Nguyen",
        "role": "company_viewer",
        "status": "removed",
        "joinedVia": "invitation",
        "joinedDate": moment(crew.joined_date),
        "isPrimary": False,
        "removedDate": moment(crew.removed_date),
        "removalReason": REASON_LEFT,
    }
    assert_documented(response)
    assert crew.removed_by_id == crew.user_id
    role = AuditRole.objects.get(user_id=crew.user_id, company_id=cid)
    viewer = UserCompanyRole.objects.get(code="company_viewer").pk
    assert (role.old_role_id, role.new_role_id, role.changed_by_id, role.reason) == (
        viewer,
        None,
        crew.user_id,
        REASON_LEFT,
    )
    activity = ActivityLog.objects.get(action=ACTION_MEMBER_LEFT)
    assert (activity.user_id, activity.company_id, activity.entity_id) == (crew.user_id, cid, str(crew.pk))
    assert not ActivityLog.objects.filter(action="member_removed").exists()

    gone = client.get(f"/api/v1/companies/{cid}")
    again = leave(send, client, cid)
    assert (gone.status_code, again.status_code) == (status.HTTP_404_NOT_FOUND, status.HTTP_404_NOT_FOUND)
    assert again.json() == not_found(again)


def test_an_admin_who_leaves_takes_their_pending_invitations_with_them(cid, auth_client, add_member, client_for, send):
    add_member(cid, "second-admin@example.com", role="company_admin")
    second = client_for("second-admin@example.com")
    invitations = f"companies/{cid}/invitations"
    theirs = send(second, "post", invitations, {"email": "theirs@example.com", "role": "company_user"}).json()
    mine = send(auth_client, "post", invitations, {"email": "mine@example.com", "role": "company_user"}).json()

    response = leave(send, second, cid)

    assert response.status_code == status.HTTP_200_OK
    cancelled = UserInvitation.objects.get(pk=theirs["invitationId"])
    assert (cancelled.status.code, cancelled.cancellation_reason) == ("cancelled", REASON_INVITER_LEFT)
    assert cancelled.cancelled_by.email == "second-admin@example.com"
    assert UserInvitation.objects.get(pk=mine["invitationId"]).status.code == "pending"


def test_the_last_active_admin_cannot_leave(cid, auth_client, user, add_member, send):
    add_member(cid, CREW)
    invitation = send(
        auth_client, "post", f"companies/{cid}/invitations", {"email": "guest@example.com", "role": "company_user"}
    ).json()

    response = leave(send, auth_client, cid)

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == conflict(response, MESSAGE_LAST_ADMIN)
    assert_documented(response)
    own = UserCompany.objects.get(company_id=cid, user=user)
    assert (own.status.code, own.role.code, own.removal_reason) == ("active", "company_admin", "")
    assert not AuditRole.objects.filter(user=user, new_role_id__isnull=True).exists()
    assert not ActivityLog.objects.filter(action=ACTION_MEMBER_LEFT).exists()
    assert UserInvitation.objects.get(pk=invitation["invitationId"]).status.code == "pending"


def test_a_company_requiring_mfa_still_lets_a_member_without_it_leave(cid, add_member, client_for, send):
    add_member(cid, CREW)
    Company.objects.filter(pk=cid).update(require_mfa=True)
    client = client_for(CREW)

    refused = client.get(f"/api/v1/companies/{cid}")
    response = leave(send, client, cid)

    assert refused.status_code == status.HTTP_403_FORBIDDEN
    assert refused.json()["error"]["message"] == MfaRequired.message
    assert response.status_code == status.HTTP_200_OK
    assert (response.json()["status"], response.json()["removalReason"]) == ("removed", REASON_LEFT)


def test_leaving_frees_the_seat(cid, auth_client, add_member, client_for, send):
    plan(cid, tier="free")  # the admin and the crew member fill its 2 seats
    add_member(cid, CREW)
    invitations = f"companies/{cid}/invitations"
    body = {"email": "guest@example.com", "role": "company_user"}
    refused = send(auth_client, "post", invitations, body)
    assert refused.json() == conflict(refused, MESSAGE_SEATS_FULL.format(limit=2))

    leave(send, client_for(CREW), cid)

    assert send(auth_client, "post", invitations, body).status_code == status.HTTP_201_CREATED


def test_a_stranger_or_an_anonymous_caller_cannot_leave(cid, make_user, client_for, api_client, send):
    make_user("stranger@example.com")

    stranger = leave(send, client_for("stranger@example.com"), cid)
    anonymous = leave(send, api_client, cid)

    assert stranger.json() == not_found(stranger)
    assert anonymous.status_code == status.HTTP_401_UNAUTHORIZED
    assert UserCompany.objects.filter(company_id=cid, status__code="active").count() == 1
