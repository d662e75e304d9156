"""Cancelling an inviter's invitations: a soft-deleted one is skipped, not a reason to fail, and
the sweep stamps each cancellation with the time it is run for."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import status

from auditing.models import ActivityLog
from companies.models import UserCompany, UserInvitation
from companies.services import REASON_INVITER_GONE, REASON_INVITER_REMOVED, invitations_orphaned_cancel
from reference.models import UserCompanyRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(company, user, add_member, client_for):
    """Acme Events with two admins: its creator (``user``) and ``second@example.com``."""
    cid = company["companyId"]
    own = UserCompany.objects.get(company_id=cid, user=user)
    add_member(cid, "second@example.com", role="company_admin")
    return cid, own, client_for("second@example.com")


def _invite(send, client, cid, email):
    response = send(client, "post", f"companies/{cid}/invitations", {"email": email, "role": "company_admin"})
    assert response.status_code == status.HTTP_201_CREATED, response.content
    return UserInvitation.objects.get(pk=response.json()["invitationId"])


def _state(invitation):
    invitation.refresh_from_db()
    return invitation.status.code, invitation.is_deleted, invitation.cancelled_at, invitation.cancelled_by


def test_removing_an_admin_skips_their_soft_deleted_invitation_and_cancels_the_rest(auth_client, team, send):
    cid, own, second_client = team
    deleted = _invite(send, auth_client, cid, "deleted@example.com")
    live = _invite(send, auth_client, cid, "live@example.com")
    UserInvitation.objects.filter(pk=deleted.pk).update(is_deleted=True)  # as the back office does

    removed = send(second_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "left the firm"})

    assert (removed.status_code, removed.json()["status"]) == (status.HTTP_200_OK, "removed")
    assert _state(deleted) == ("pending", True, None, None)
    assert _state(live)[:2] == ("cancelled", False)
    assert list(
        ActivityLog.objects.filter(action="invitation_cancelled", description=REASON_INVITER_REMOVED).values_list(
            "entity_id", flat=True
        )
    ) == [str(live.pk)]


def test_an_account_wide_cancel_counts_only_the_invitations_it_cancels(auth_client, team, user, make_user, send):
    from companies.services import invitations_sent_cancel

    cid, _, _ = team
    deleted = _invite(send, auth_client, cid, "deleted@example.com")
    live = _invite(send, auth_client, cid, "live@example.com")
    UserInvitation.objects.filter(pk=deleted.pk).update(is_deleted=True)
    operator = make_user("operator@example.com")

    assert invitations_sent_cancel(inviter_id=user.pk, actor=operator, reason="account suspended") == 1

    assert _state(deleted) == ("pending", True, None, None)
    assert _state(live)[:2] == ("cancelled", False)


def test_the_sweep_stamps_each_cancellation_with_the_time_it_is_run_for(auth_client, team, send):
    cid, own, second_client = team
    first = _invite(send, auth_client, cid, "first@example.com")
    second = _invite(send, auth_client, cid, "second-alternate@example.com")
    kept = _invite(send, second_client, cid, "kept@example.com")
    # As a demotion made before demotions cancelled invitations left it.
    UserCompany.objects.filter(pk=own.pk).update(role=UserCompanyRole.objects.get(code="company_viewer"))
    run_for = timezone.now() - timedelta(days=3, minutes=7)

    assert invitations_orphaned_cancel(now=run_for) == 2

    for invitation in (first, second):
        invitation.refresh_from_db()
        assert (invitation.status.code, invitation.cancelled_at, invitation.cancellation_reason) == (
            "cancelled",
            run_for,
            REASON_INVITER_GONE,
        )
    assert _state(kept) == ("pending", False, None, None)
