"""An invitation does not outlive its sender's admin rights, over HTTP.

Removing or demoting a company admin cancels the pending invitations they sent to that
company, each with the cancel flow's fields and its own audit row, so a removed admin cannot
let themselves back in through another address of theirs.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework import status
from rest_framework.test import APIClient

from auditing.models import ActivityLog
from companies.invitations import invitation_token_rotate
from companies.models import UserCompany, UserInvitation
from companies.services import REASON_INVITER_DEMOTED, REASON_INVITER_GONE, REASON_INVITER_REMOVED
from reference.models import UserCompanyRole

pytestmark = pytest.mark.django_db
PASSWORD = "Alternate-passphrase-2024"


@pytest.fixture
def team(company, user, add_member, client_for, send):
    """Acme Events with two admins: its creator (``user``) and ``second@example.com``."""
    cid = company["companyId"]
    own = UserCompany.objects.get(company_id=cid, user=user)
    second = add_member(cid, "second@example.com", role="company_admin")
    return cid, own, second, client_for("second@example.com")


def _invite(send, client, cid, email, role="company_admin"):
    """Invite over the API; return the invitation and a live link token for it."""
    response = send(client, "post", f"companies/{cid}/invitations", {"email": email, "role": role})
    assert response.status_code == status.HTTP_201_CREATED, response.content
    invitation = UserInvitation.objects.get(pk=response.json()["invitationId"])
    return invitation, invitation_token_rotate(invitation=invitation)


def _accept_anonymously(send, token):
    return send(
        APIClient(), "post", f"invitations/{token}/accept", {"password": PASSWORD, "firstName": "Al", "lastName": "T"}
    )


def _assert_cancelled(invitation, *, by, reason):
    invitation.refresh_from_db()
    assert (invitation.status.code, invitation.cancelled_by, invitation.updated_by, invitation.cancellation_reason) == (
        "cancelled",
        by,
        by,
        reason,
    )
    assert invitation.cancelled_at is not None


def _assert_link_dead(send, api_client, token):
    preview = api_client.get(f"/api/v1/invitations/{token}")
    accept = _accept_anonymously(send, token)
    assert (preview.status_code, preview.json()["status"]) == (status.HTTP_200_OK, "cancelled")
    assert accept.status_code == status.HTTP_400_BAD_REQUEST
    assert accept.json() == {
        "error": {
            "code": "token_invalid",
            "message": "This link or token is not valid.",
            "requestId": accept["X-Request-ID"],
        }
    }


def _cancellations(reason):
    return list(
        ActivityLog.objects.filter(action="invitation_cancelled", description=reason)
        .order_by("entity_id")
        .values_list("user_id", "company_id", "entity_type", "entity_id")
    )


def test_a_removed_admins_pending_invitations_are_cancelled_and_their_links_refused(
    auth_client, team, user, send, api_client
):
    cid, own, second, second_client = team
    alternate, alternate_token = _invite(send, auth_client, cid, "alternate@example.com")
    viewer, viewer_token = _invite(send, auth_client, cid, "viewer@example.com", role="company_viewer")
    kept, kept_token = _invite(send, second_client, cid, "kept@example.com")

    removed = send(second_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "left the firm"})

    assert (removed.status_code, removed.json()["status"]) == (status.HTTP_200_OK, "removed")
    for invitation in (alternate, viewer):
        _assert_cancelled(invitation, by=second.user, reason=REASON_INVITER_REMOVED)
    assert _cancellations(REASON_INVITER_REMOVED) == [
        (second.user_id, cid, "UserInvitation", str(alternate.pk)),
        (second.user_id, cid, "UserInvitation", str(viewer.pk)),
    ]
    _assert_link_dead(send, api_client, alternate_token)
    _assert_link_dead(send, api_client, viewer_token)
    assert not UserCompany.objects.filter(user__email="alternate@example.com").exists()
    # The other admin's invitation is untouched and still answers.
    kept.refresh_from_db()
    assert (kept.status.code, kept.cancelled_at, kept.cancelled_by) == ("pending", None, None)
    assert _accept_anonymously(send, kept_token).status_code == status.HTTP_201_CREATED


def test_a_demoted_admins_pending_invitations_are_cancelled_and_their_links_refused(
    auth_client, team, send, api_client
):
    cid, own, second, second_client = team
    alternate, alternate_token = _invite(send, auth_client, cid, "alternate@example.com")
    kept, kept_token = _invite(send, second_client, cid, "kept@example.com")

    demoted = send(second_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})

    assert (demoted.status_code, demoted.json()["role"]) == (status.HTTP_200_OK, "company_user")
    _assert_cancelled(alternate, by=second.user, reason=REASON_INVITER_DEMOTED)
    assert _cancellations(REASON_INVITER_DEMOTED) == [(second.user_id, cid, "UserInvitation", str(alternate.pk))]
    _assert_link_dead(send, api_client, alternate_token)
    kept.refresh_from_db()
    assert kept.status.code == "pending"
    assert _accept_anonymously(send, kept_token).status_code == status.HTTP_201_CREATED


def test_an_admin_stepping_down_loses_their_own_invitations(auth_client, team, send, api_client):
    cid, own, second, _ = team
    alternate, alternate_token = _invite(send, auth_client, cid, "alternate@example.com")

    stepped_down = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_viewer"})

    assert stepped_down.status_code == status.HTTP_200_OK
    _assert_cancelled(alternate, by=own.user, reason=REASON_INVITER_DEMOTED)
    _assert_link_dead(send, api_client, alternate_token)


def test_answered_invitations_and_other_companies_invitations_are_left_alone(auth_client, team, user, send, api_client):
    cid, own, _, second_client = team
    answered, answered_token = _invite(send, auth_client, cid, "joined@example.com", role="company_user")
    assert _accept_anonymously(send, answered_token).status_code == status.HTTP_201_CREATED
    other = send(auth_client, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).json()
    elsewhere, elsewhere_token = _invite(send, auth_client, other["companyId"], "alternate@example.com")

    removed = send(second_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "left"})

    assert removed.status_code == status.HTTP_200_OK
    answered.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (answered.status.code, answered.cancelled_at) == ("accepted", None)
    assert (elsewhere.status.code, elsewhere.cancelled_at) == ("pending", None)
    assert api_client.get(f"/api/v1/invitations/{elsewhere_token}").json()["status"] == "pending"
    assert not ActivityLog.objects.filter(action="invitation_cancelled").exists()


def test_a_role_change_between_admins_or_a_refused_one_cancels_nothing(auth_client, team, send):
    cid, own, _, _ = team
    alternate, _ = _invite(send, auth_client, cid, "alternate@example.com")
    UserCompany.objects.filter(user__email="second@example.com").update(
        role=UserCompanyRole.objects.get(code="company_user")
    )

    same_role = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_admin"})
    last_admin = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})
    not_removed = send(auth_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "bye"})

    assert (same_role.status_code, last_admin.status_code, not_removed.status_code) == (200, 409, 409)
    alternate.refresh_from_db()
    assert (alternate.status.code, alternate.cancelled_at) == ("pending", None)
    assert not ActivityLog.objects.filter(action="invitation_cancelled").exists()


def test_removing_an_admin_with_two_pending_invitations_runs_a_fixed_number_of_queries(
    auth_client, team, add_member, client_for, send, django_assert_num_queries
):
    cid, own, _, second_client = team
    for email in ("one@example.com", "two@example.com"):
        _invite(send, auth_client, cid, email)
    # One removal first, so the per-process reference-id cache is as warm as in service.
    third = add_member(cid, "third@example.com", role="company_admin")
    _invite(send, client_for("third@example.com"), cid, "three@example.com")
    assert send(second_client, "delete", f"companies/{cid}/members/{third.pk}", {"reason": "x"}).status_code == 200

    # Authentication 1, the caller's membership 1, the target 1; savepoint 1, admins locked 1,
    # target locked 1, admins' users 1, update 1, audit 1; invitations locked 1, company 1, and
    # per invitation the cancel flow's savepoint, lock, update, audit and release 5; release 1;
    # the member read back 1.
    with django_assert_num_queries(23):
        removed = send(second_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "left"})

    assert removed.status_code == status.HTTP_200_OK
    assert UserInvitation.objects.filter(status__code="cancelled").count() == 3


def test_the_sweep_cancels_invitations_left_by_admins_removed_before_the_rule(auth_client, team, user, send):
    cid, own, second, second_client = team
    orphaned, _ = _invite(send, auth_client, cid, "alternate@example.com")
    kept, _ = _invite(send, second_client, cid, "kept@example.com")
    # As a removal made before removals cancelled invitations left it.
    UserCompany.objects.filter(pk=own.pk).update(role=UserCompanyRole.objects.get(code="company_viewer"))

    first, again = StringIO(), StringIO()
    call_command("cancel_orphaned_invitations", stdout=first)
    call_command("cancel_orphaned_invitations", stdout=again)

    assert (first.getvalue(), again.getvalue()) == ("cancelled 1 invitation(s)\n", "cancelled 0 invitation(s)\n")
    _assert_cancelled(orphaned, by=None, reason=REASON_INVITER_GONE)
    assert _cancellations(REASON_INVITER_GONE) == [(None, cid, "UserInvitation", str(orphaned.pk))]
    kept.refresh_from_db()
    assert kept.status.code == "pending"


def test_an_account_wide_cancel_reaches_every_company_for_suspension_to_call(auth_client, team, user, make_user, send):
    # No HTTP route suspends an account (the back office does); this is the service it calls.
    from companies.services import invitations_sent_cancel

    cid, _, _, second_client = team
    here, _ = _invite(send, auth_client, cid, "alternate@example.com")
    other = send(auth_client, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).json()
    there, _ = _invite(send, auth_client, other["companyId"], "alternate@example.com")
    kept, _ = _invite(send, second_client, cid, "kept@example.com")
    operator = make_user("operator@example.com")

    assert invitations_sent_cancel(inviter_id=user.pk, actor=operator, reason="account suspended") == 2

    for invitation in (here, there):
        _assert_cancelled(invitation, by=operator, reason="account suspended")
    assert sorted(_cancellations("account suspended")) == sorted(
        [
            (operator.pk, cid, "UserInvitation", str(here.pk)),
            (operator.pk, other["companyId"], "UserInvitation", str(there.pk)),
        ]
    )
    kept.refresh_from_db()
    assert kept.status.code == "pending"
