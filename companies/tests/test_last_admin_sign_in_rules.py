"""The last-admin rule counts only admins who can sign in, over HTTP.

An admin whose account is suspended, locked, unverified or deleted cannot act for the company,
so leaving only such admins would leave it with none: the rule is ``User.is_active``, the one
login and the JWT authentication apply.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from auditing.models import ActivityLog, AuditRole
from companies.models import UserCompany, UserInvitation
from companies.services import MESSAGE_LAST_ADMIN
from reference.models import UserCompanyRole, UserStatus

pytestmark = pytest.mark.django_db


def _status(code):
    return UserStatus.objects.get(code=code)


# Each way an account can be unable to sign in, as the fields that make it so.
CANNOT_SIGN_IN = {
    "suspended": lambda: {"status": _status(UserStatus.SUSPENDED)},
    "locked status": lambda: {"status": _status(UserStatus.LOCKED)},
    "locked for a while": lambda: {"is_locked": True, "locked_until": timezone.now() + timedelta(minutes=10)},
    "locked until unlocked": lambda: {"is_locked": True, "locked_until": None},
    "email not verified": lambda: {"status": _status(UserStatus.PENDING), "email_verified_at": None},
    "deleted": lambda: {"is_deleted": True, "deleted_date": timezone.now()},
}


@pytest.fixture
def own(company, user):
    """The membership of member@example.com, the company's creator and only usable admin."""
    return UserCompany.objects.get(company_id=company["companyId"], user=user)


@pytest.fixture
def unusable_admin(company, add_member):
    """Add an active admin membership whose account cannot sign in in the given way."""

    def add(way):
        membership = add_member(company["companyId"], "other-admin@example.com", role="company_admin")
        User.objects.filter(pk=membership.user_id).update(**CANNOT_SIGN_IN[way]())
        assert not User.objects.get(pk=membership.user_id).is_active
        return membership

    return add


def _conflict(response):
    return {"error": {"code": "conflict", "message": MESSAGE_LAST_ADMIN, "requestId": response["X-Request-ID"]}}


def _assert_still_the_admin(membership):
    membership.refresh_from_db()
    assert (membership.role.code, membership.status.code, membership.removed_date) == ("company_admin", "active", None)


@pytest.mark.parametrize("way", sorted(CANNOT_SIGN_IN))
def test_an_admin_who_cannot_sign_in_does_not_count_as_another_admin(
    auth_client, company, own, unusable_admin, send, way
):
    cid = company["companyId"]
    unusable_admin(way)
    invitation = send(
        auth_client, "post", f"companies/{cid}/invitations", {"email": "guest@example.com", "role": "company_user"}
    )
    before = (AuditRole.objects.count(), ActivityLog.objects.count())

    demote = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})
    remove = send(auth_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "stepping down"})

    assert (demote.status_code, remove.status_code) == (status.HTTP_409_CONFLICT, status.HTTP_409_CONFLICT)
    assert demote.json() == _conflict(demote)
    assert remove.json() == _conflict(remove)
    _assert_still_the_admin(own)
    # Refused means nothing changed: no audit rows, the caller's invitation still pending.
    assert (AuditRole.objects.count(), ActivityLog.objects.count()) == before
    assert UserInvitation.objects.get(pk=invitation.json()["invitationId"]).status.code == "pending"


def test_an_admin_whose_lock_has_run_out_counts_again(auth_client, company, own, add_member, send):
    cid = company["companyId"]
    other = add_member(cid, "other-admin@example.com", role="company_admin")
    User.objects.filter(pk=other.user_id).update(is_locked=True, locked_until=timezone.now() - timedelta(seconds=1))

    demote = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})

    assert (demote.status_code, demote.json()["role"]) == (status.HTTP_200_OK, "company_user")


def test_the_usable_admin_may_remove_or_demote_an_admin_who_cannot_sign_in(
    auth_client, company, own, unusable_admin, send
):
    cid = company["companyId"]
    suspended = unusable_admin("suspended")

    demoted = send(auth_client, "patch", f"companies/{cid}/members/{suspended.pk}", {"role": "company_viewer"})
    removed = send(auth_client, "delete", f"companies/{cid}/members/{suspended.pk}", {"reason": "gone"})

    assert (demoted.status_code, demoted.json()["role"]) == (status.HTTP_200_OK, "company_viewer")
    assert (removed.status_code, removed.json()["status"]) == (status.HTTP_200_OK, "removed")
    _assert_still_the_admin(own)


def test_with_a_second_usable_admin_the_first_may_step_down(auth_client, company, own, add_member, send):
    cid = company["companyId"]
    add_member(cid, "suspended-admin@example.com", role="company_admin")
    User.objects.filter(email="suspended-admin@example.com").update(status=_status(UserStatus.SUSPENDED))
    add_member(cid, "usable-admin@example.com", role="company_admin")

    removed = send(auth_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "stepping down"})

    assert (removed.status_code, removed.json()["status"]) == (status.HTTP_200_OK, "removed")


def test_demoting_then_removing_runs_a_fixed_number_of_queries(
    auth_client, company, own, add_member, send, django_assert_num_queries
):
    cid = company["companyId"]
    first = add_member(cid, "first@example.com", role="company_admin")
    second = add_member(cid, "second@example.com", role="company_admin")
    # Warm the per-process reference-id cache, as in service.
    send(auth_client, "patch", f"companies/{cid}/members/{first.pk}", {"role": "company_user"})
    send(auth_client, "delete", f"companies/{cid}/members/{first.pk}", {"reason": "x"})

    # Demoting: authentication 1, the caller's membership 1, the target 1; savepoint 1, the role 1,
    # admins locked 1, target locked 1, admins' users 1, update 1, two audit rows 2, the
    # invitations to cancel (none) 1, release 1; the member read back 1. Refusing the removal
    # of the one admin left: the three reads, savepoint, the two locks, rollback and release.
    with django_assert_num_queries(14):
        demoted = send(auth_client, "patch", f"companies/{cid}/members/{second.pk}", {"role": "company_user"})
    with django_assert_num_queries(8):
        removed = send(auth_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "last"})

    assert demoted.status_code == status.HTTP_200_OK
    assert removed.status_code == status.HTTP_409_CONFLICT


# Under concurrency: two admins demoting each other at once, a third who cannot sign in.


@pytest.fixture
def two_admins_and_a_suspended_one(make_user):
    from companies.services import company_create
    from reference.models import JoinedVia, UserCompanyStatus

    founder = make_user("founder@example.com")
    company = company_create(creator=founder, company_name="Race Co", country_code="AU")
    for email, fields in (
        ("partner@example.com", {}),
        ("suspended@example.com", {"status_id": _status("suspended").pk}),
    ):
        UserCompany.objects.create(
            user=make_user(email, **fields),
            company=company,
            role=UserCompanyRole.objects.get(code="company_admin"),
            status=UserCompanyStatus.objects.get(code="active"),
            joined_via=JoinedVia.objects.get(code="invitation"),
        )
    memberships = {m.user.email: m for m in UserCompany.objects.filter(company=company).select_related("user")}
    return company, memberships["founder@example.com"], memberships["partner@example.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["demote", "remove"])
def test_two_admins_taking_each_other_out_at_once_leave_one_who_can_sign_in(two_admins_and_a_suspended_one, change):
    from companies.services import member_remove, member_role_change
    from eventlead.testing.threads import outcome, run_together

    company, founder, partner = two_admins_and_a_suspended_one

    def take_out(pair):
        actor, target = pair
        if change == "demote":
            return outcome(lambda: member_role_change(membership=target, role_code="company_user", actor=actor.user))
        return outcome(lambda: member_remove(membership=target, actor=actor.user, reason="race"))

    outcomes = run_together(take_out, [(founder, partner), (partner, founder)])

    assert Counter(outcomes) == {"ok": 1, "conflict": 1}
    usable = [
        m
        for m in UserCompany.objects.filter(
            company=company, is_deleted=False, status__code="active", role__code="company_admin"
        ).select_related("user")
        if m.user.is_active
    ]
    assert len(usable) == 1
