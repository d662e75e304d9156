"""GET /users/me/invitations and accepting or declining by id: the signed-in invitee's inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers, status

from accounts.models import User
from auditing.models import ActivityLog, AuditRole
from companies.invitations import MESSAGE_EXPIRED, MESSAGE_NOT_PENDING, invitation_cancel, invitation_create
from companies.models import Company, UserCompany, UserInvitation
from companies.services import company_create
from eventlead.core.exceptions import MESSAGE_VALIDATION
from eventlead.core.pagination import MESSAGE_CURSOR
from eventlead.testing.openapi import assert_documented
from reference.models import UserCompanyRole

from .team_support import conflict, not_found, plan

pytestmark = pytest.mark.django_db

GUEST = "guest@example.com"
ME = "users/me/invitations"


def moment(value) -> str:
    return serializers.DateTimeField().to_representation(value)


@pytest.fixture
def admin_of(make_user):
    """A new company (no seat limit) whose admin has this name; returns the company and its admin."""

    def make(company_name, first_name, last_name):
        admin = make_user(f"{first_name.lower()}@example.com", first_name=first_name, last_name=last_name)
        company = company_create(creator=admin, company_name=company_name, country_code="AU")
        plan(company.pk)
        return company, admin

    return make


@pytest.fixture
def guest(client_for):
    return client_for(GUEST)


def invite(company, admin, email=GUEST, role="company_user", minutes_ago=0):
    return invitation_create(
        company=company, actor=admin, email=email, role=role, now=timezone.now() - timedelta(minutes=minutes_ago)
    )


def row(invitation) -> dict:
    invitation = UserInvitation.objects.select_related("company", "role", "invited_by").get(pk=invitation.pk)
    return {
        "invitationId": invitation.pk,
        "companyId": invitation.company_id,
        "companyName": invitation.company.display_name,
        "role": invitation.role.code,
        "invitedByName": invitation.invited_by.full_name,
        "invitedAt": moment(invitation.invited_at),
        "expiresAt": moment(invitation.expires_at),
    }


def test_the_inbox_holds_the_callers_open_invitations_from_every_company_newest_first(guest, admin_of):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    bay, bo = admin_of("Bay Expos", "Bo", "Chen")
    closed, cy = admin_of("Closed Co", "Cy", "Dunn")
    gone, gil = admin_of("Gone Co", "Gil", "Ford")
    older = invite(harbour, hana, minutes_ago=120)
    invite(harbour, hana, email="other@example.com", minutes_ago=60)  # someone else's
    cancelled = invite(bay, bo, minutes_ago=90)
    invitation_cancel(company=bay, invitation_id=cancelled.pk, actor=bo)
    newer = invite(bay, bo, role="company_viewer", minutes_ago=30)
    expired = invite(closed, cy, minutes_ago=10)
    UserInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())  # not yet swept
    invite(gone, gil, minutes_ago=5)
    Company.objects.filter(pk=gone.pk).update(is_deleted=True)

    response = guest.get(f"/api/v1/{ME}")

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"results": [row(newer), row(older)], "next": None}
    assert response.json()["results"][0] == {
        "invitationId": newer.pk,
        "companyId": bay.pk,
        "companyName": "Bay Expos",
        "role": "company_viewer",
        "invitedByName": "Bo Chen",
        "invitedAt": moment(newer.invited_at),
        "expiresAt": moment(newer.expires_at),
    }
    assert_documented(response)


def test_an_unverified_address_sees_an_empty_inbox(guest, admin_of):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    invite(harbour, hana)
    User.objects.filter(email=GUEST).update(email_verified_at=None)

    response = guest.get(f"/api/v1/{ME}")

    assert (response.status_code, response.json()) == (status.HTTP_200_OK, {"results": [], "next": None})


def test_the_inbox_pages_by_cursor_and_refuses_a_forged_one(guest, admin_of):
    sent = []
    for n in range(5):
        company, admin = admin_of(f"Company {n}", f"Admin{n}", "Smith")
        sent.append(invite(company, admin, minutes_ago=10 * n))  # sent[0] is the newest

    first = guest.get(f"/api/v1/{ME}", {"limit": 2}).json()
    second = guest.get(f"/api/v1/{ME}", {"limit": 2, "cursor": first["next"]}).json()
    third = guest.get(f"/api/v1/{ME}", {"limit": 2, "cursor": second["next"]}).json()
    forged = guest.get(f"/api/v1/{ME}", {"cursor": first["next"][:-2] + "xx"})

    assert [first["results"], second["results"], third["results"]] == [
        [row(sent[0]), row(sent[1])],
        [row(sent[2]), row(sent[3])],
        [row(sent[4])],
    ]
    assert third["next"] is None
    assert forged.status_code == status.HTTP_400_BAD_REQUEST
    assert forged.json() == {
        "error": {
            "code": "validation_error",
            "message": MESSAGE_VALIDATION,
            "fields": {"cursor": [MESSAGE_CURSOR]},
            "requestId": forged["X-Request-ID"],
        }
    }


# Authentication (the session with its user) and the page with its companies, roles and inviters.
QUERIES_OF_THE_INBOX = 2


@pytest.mark.parametrize("invitations", [1, 12])
def test_the_inbox_is_one_query_however_many_rows(guest, admin_of, django_assert_num_queries, invitations):
    for n in range(invitations):
        company, admin = admin_of(f"Company {n}", f"Admin{n}", "Smith")
        invite(company, admin, minutes_ago=n)
    guest.get(f"/api/v1/{ME}")  # the session's first use is recorded once

    with django_assert_num_queries(QUERIES_OF_THE_INBOX):
        response = guest.get(f"/api/v1/{ME}")

    assert len(response.json()["results"]) == invitations


def test_accepting_by_id_joins_the_company_as_the_token_route_does(guest, admin_of, send):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    invitation = invite(harbour, hana, role="company_viewer")
    guest_user = User.objects.get(email=GUEST)

    response = send(guest, "post", f"{ME}/{invitation.pk}/accept")

    assert response.status_code == status.HTTP_200_OK
    membership = UserCompany.objects.get(user=guest_user, company=harbour)
    assert response.json() == {
        "membership": {
            "userCompanyId": membership.pk,
            "userId": guest_user.pk,
            "email": GUEST,
            "firstName": "Mia",
            "lastName": "Nguyen",
            "role": "company_viewer",
            "status": "active",
            "joinedVia": "invitation",
            "joinedDate": moment(membership.joined_date),
            "isPrimary": True,
            "removedDate": None,
            "removalReason": "",
        }
    }
    assert_documented(response)
    invitation.refresh_from_db()
    assert (invitation.status.code, invitation.accepted_user_id) == ("accepted", guest_user.pk)
    role = AuditRole.objects.get(user=guest_user, company=harbour)
    viewer = UserCompanyRole.objects.get(code="company_viewer").pk
    assert (role.old_role_id, role.new_role_id, role.reason) == (None, viewer, "accepted an invitation")
    accepted = ActivityLog.objects.get(action="invitation_accepted")
    assert (accepted.user_id, accepted.company_id) == (guest_user.pk, harbour.pk)
    assert accepted.entity_id == str(invitation.pk)
    assert guest.get(f"/api/v1/{ME}").json() == {"results": [], "next": None}

    again = send(guest, "post", f"{ME}/{invitation.pk}/accept")
    assert again.json() == conflict(again, MESSAGE_NOT_PENDING)


def test_declining_by_id_answers_as_the_token_route_does(guest, admin_of, send):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    invitation = invite(harbour, hana)

    response = send(guest, "post", f"{ME}/{invitation.pk}/decline", {"reason": "Wrong team"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "companyName": "Harbour Events",
        "invitedEmail": GUEST,
        "role": "company_user",
        "status": "declined",
        "expiresAt": moment(invitation.expires_at),
    }
    assert_documented(response)
    invitation.refresh_from_db()
    assert (invitation.status.code, invitation.decline_reason) == ("declined", "Wrong team")
    activity = ActivityLog.objects.get(action="invitation_declined")
    assert (activity.user.email, activity.description) == (GUEST, "Wrong team")
    assert not UserCompany.objects.filter(user__email=GUEST).exists()


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_someone_elses_invitation_is_404_exactly_as_an_unused_id(guest, admin_of, send, action):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    theirs = invite(harbour, hana, email="other@example.com")

    other = send(guest, "post", f"{ME}/{theirs.pk}/{action}")
    unused = send(guest, "post", f"{ME}/{theirs.pk + 1000}/{action}")

    assert other.status_code == unused.status_code == status.HTTP_404_NOT_FOUND
    assert (other.json(), unused.json()) == (not_found(other), not_found(unused))
    assert_documented(other)
    assert UserInvitation.objects.get(pk=theirs.pk).status.code == "pending"
    assert not ActivityLog.objects.filter(action__in=["invitation_accepted", "invitation_declined"]).exists()


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_unverified_caller_finds_no_invitation_by_id(guest, admin_of, send, action):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    invitation = invite(harbour, hana)
    User.objects.filter(email=GUEST).update(email_verified_at=None)

    response = send(guest, "post", f"{ME}/{invitation.pk}/{action}")

    assert response.json() == not_found(response)
    assert UserInvitation.objects.get(pk=invitation.pk).status.code == "pending"


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_expired_or_answered_invitation_is_a_409(guest, admin_of, send, action):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    expired = invite(harbour, hana)
    UserInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    bay, bo = admin_of("Bay Expos", "Bo", "Chen")
    cancelled = invite(bay, bo)
    invitation_cancel(company=bay, invitation_id=cancelled.pk, actor=bo)

    too_late = send(guest, "post", f"{ME}/{expired.pk}/{action}")
    answered = send(guest, "post", f"{ME}/{cancelled.pk}/{action}")

    assert too_late.status_code == answered.status_code == status.HTTP_409_CONFLICT
    assert too_late.json() == conflict(too_late, MESSAGE_EXPIRED)
    assert answered.json() == conflict(answered, MESSAGE_NOT_PENDING)
    assert_documented(too_late)
    assert not UserCompany.objects.filter(user__email=GUEST).exists()


def test_the_inbox_and_its_answers_need_a_signed_in_caller(api_client, admin_of):
    harbour, hana = admin_of("Harbour Events", "Hana", "Ito")
    invitation = invite(harbour, hana)

    responses = [
        api_client.get(f"/api/v1/{ME}"),
        api_client.post(f"/api/v1/{ME}/{invitation.pk}/accept"),
        api_client.post(f"/api/v1/{ME}/{invitation.pk}/decline"),
    ]

    assert [response.status_code for response in responses] == [status.HTTP_401_UNAUTHORIZED] * 3
    assert UserInvitation.objects.get(pk=invitation.pk).status.code == "pending"
