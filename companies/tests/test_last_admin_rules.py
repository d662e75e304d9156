"""The last-admin rule over HTTP: a company always keeps at least one active company admin.

Only active, undeleted admin memberships of the same company count; ordinary members,
removed, suspended or soft-deleted admins and other companies' admins do not.
"""

from collections import Counter

import pytest

from auditing.models import ActivityLog, AuditRole
from companies.models import UserCompany
from reference.models import UserCompanyRole

pytestmark = pytest.mark.django_db

LAST_ADMIN = "A company needs at least one active company admin; make someone else admin first."


def _role(code):
    return UserCompanyRole.objects.get(code=code).pk


def _conflict(response):
    return {"error": {"code": "conflict", "message": LAST_ADMIN, "requestId": response["X-Request-ID"]}}


@pytest.fixture
def own(company, user):
    """The membership of member@example.com, the company's creator and only admin."""
    return UserCompany.objects.get(company_id=company["companyId"], user=user)


def _assert_still_the_admin(membership):
    membership.refresh_from_db()
    assert (membership.role.code, membership.status.code, membership.removed_date) == ("company_admin", "active", None)


def _try_to_demote_and_remove(client, send, cid, membership):
    demote = send(client, "patch", f"companies/{cid}/members/{membership.pk}", {"role": "company_user"})
    remove = send(client, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "stepping down"})
    return demote, remove


def test_the_only_admin_can_be_neither_demoted_nor_removed_while_ordinary_members_exist(
    auth_client, company, own, add_member, send
):
    cid = company["companyId"]
    add_member(cid, "user@example.com", role="company_user")
    add_member(cid, "viewer@example.com", role="company_viewer")

    demote, remove = _try_to_demote_and_remove(auth_client, send, cid, own)

    assert (demote.status_code, remove.status_code) == (409, 409)
    assert demote.json() == _conflict(demote)
    assert remove.json() == _conflict(remove)
    _assert_still_the_admin(own)
    assert not AuditRole.objects.filter(user_id=own.user_id, old_role_id__isnull=False).exists()


@pytest.mark.parametrize("status", ["removed", "suspended"])
def test_an_admin_who_is_not_active_does_not_count_as_another_admin(
    auth_client, company, own, add_member, send, status
):
    cid = company["companyId"]
    add_member(cid, "former@example.com", role="company_admin", status=status)

    demote, remove = _try_to_demote_and_remove(auth_client, send, cid, own)

    assert (demote.status_code, remove.status_code) == (409, 409)
    assert demote.json() == _conflict(demote)
    assert remove.json() == _conflict(remove)
    _assert_still_the_admin(own)


def test_a_soft_deleted_admin_membership_does_not_count_as_another_admin(auth_client, company, own, add_member, send):
    cid = company["companyId"]
    add_member(cid, "deleted@example.com", role="company_admin", is_deleted=True)

    demote, remove = _try_to_demote_and_remove(auth_client, send, cid, own)

    assert (demote.status_code, remove.status_code) == (409, 409)
    assert demote.json() == _conflict(demote)
    _assert_still_the_admin(own)


def test_an_admin_of_another_company_does_not_count(auth_client, company, own, client_for, send):
    cid = company["companyId"]
    other = client_for("other-admin@example.com")
    assert send(other, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).status_code == 201

    demote, remove = _try_to_demote_and_remove(auth_client, send, cid, own)

    assert (demote.status_code, remove.status_code) == (409, 409)
    assert demote.json() == _conflict(demote)
    _assert_still_the_admin(own)


def test_one_of_two_admins_can_be_removed_and_then_the_other_is_the_last(
    auth_client, company, own, add_member, send, user
):
    cid = company["companyId"]
    second = add_member(cid, "second@example.com", role="company_admin")
    add_member(cid, "user@example.com", role="company_user")

    removed = send(auth_client, "delete", f"companies/{cid}/members/{second.pk}", {"reason": "moved on"})

    assert removed.status_code == 200
    assert (
        removed.json()["userCompanyId"],
        removed.json()["role"],
        removed.json()["status"],
        removed.json()["removalReason"],
    ) == (second.pk, "company_admin", "removed", "moved on")
    second.refresh_from_db()
    assert (second.status.code, second.removed_by, second.updated_by, second.removal_reason) == (
        "removed",
        user,
        user,
        "moved on",
    )
    assert second.removed_date is not None and not second.is_deleted
    log = ActivityLog.objects.get(action="member_removed")
    assert (log.user_id, log.company_id, log.entity_type, log.entity_id, log.description, log.new_values) == (
        user.pk,
        cid,
        "UserCompany",
        str(second.pk),
        "moved on",
        {"userId": second.user_id, "reason": "moved on"},
    )
    # The removed admin no longer counts: the remaining one is now the last.
    demote, remove = _try_to_demote_and_remove(auth_client, send, cid, own)
    assert (demote.status_code, remove.status_code) == (409, 409)
    _assert_still_the_admin(own)


def test_one_of_two_admins_can_be_demoted_and_then_the_other_is_the_last(
    auth_client, company, own, add_member, client_for, send, user
):
    cid = company["companyId"]
    second = add_member(cid, "second@example.com", role="company_admin")

    demoted = send(
        client_for("second@example.com"),
        "patch",
        f"companies/{cid}/members/{own.pk}",
        {"role": "company_viewer", "reason": "handing over"},
    )

    assert (demoted.status_code, demoted.json()["role"]) == (200, "company_viewer")
    own.refresh_from_db()
    assert (own.role.code, own.updated_by) == ("company_viewer", second.user)
    # The former admin may no longer act; the new one is now the last and cannot step down.
    assert (
        send(auth_client, "patch", f"companies/{cid}/members/{second.pk}", {"role": "company_user"}).status_code == 403
    )
    demote, remove = _try_to_demote_and_remove(client_for("second@example.com"), send, cid, second)
    assert demote.json() == _conflict(demote)
    assert remove.json() == _conflict(remove)
    _assert_still_the_admin(second)


def test_the_only_admin_changes_another_members_role_with_an_audit_trail(
    auth_client, company, own, add_member, send, user
):
    cid = company["companyId"]
    member = add_member(cid, "user@example.com", role="company_user")

    response = send(
        auth_client,
        "patch",
        f"companies/{cid}/members/{member.pk}",
        {"role": "company_viewer", "reason": "read only now"},
    )

    assert response.status_code == 200
    assert (
        response.json()["userCompanyId"],
        response.json()["email"],
        response.json()["role"],
        response.json()["status"],
    ) == (member.pk, "user@example.com", "company_viewer", "active")
    member.refresh_from_db()
    assert (member.role.code, member.updated_by) == ("company_viewer", user)
    change = AuditRole.objects.get(user_id=member.user_id)
    assert (
        change.company_id,
        change.role_scope,
        change.old_role_id,
        change.new_role_id,
        change.changed_by_id,
        change.reason,
    ) == (cid, "company", _role("company_user"), _role("company_viewer"), user.pk, "read only now")
    log = ActivityLog.objects.get(action="member_role_changed")
    assert (log.user_id, log.company_id, log.entity_type, log.entity_id, log.old_values, log.new_values) == (
        user.pk,
        cid,
        "UserCompany",
        str(member.pk),
        {"roleId": _role("company_user")},
        {"roleId": _role("company_viewer"), "role": "company_viewer"},
    )
    _assert_still_the_admin(own)


def test_the_only_admin_removes_an_ordinary_member(auth_client, company, own, add_member, send):
    cid = company["companyId"]
    member = add_member(cid, "user@example.com", role="company_user")

    response = send(auth_client, "delete", f"companies/{cid}/members/{member.pk}", {"reason": "left the firm"})

    assert (response.status_code, response.json()["status"]) == (200, "removed")
    _assert_still_the_admin(own)


def test_promoting_a_member_lets_the_first_admin_step_down(auth_client, company, own, add_member, client_for, send):
    cid = company["companyId"]
    member = add_member(cid, "user@example.com", role="company_user")

    promoted = send(auth_client, "patch", f"companies/{cid}/members/{member.pk}", {"role": "company_admin"})
    stepped_down = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})

    assert (promoted.status_code, promoted.json()["role"]) == (200, "company_admin")
    assert (stepped_down.status_code, stepped_down.json()["role"]) == (200, "company_user")
    new_admin = client_for("user@example.com")
    assert send(new_admin, "patch", f"companies/{cid}", {"companyName": "Acme Live"}).status_code == 200


def test_giving_the_last_admin_the_role_they_have_changes_and_records_nothing(auth_client, company, own, send):
    cid = company["companyId"]
    before = (AuditRole.objects.count(), ActivityLog.objects.count())

    response = send(
        auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_admin", "reason": "no-op"}
    )

    assert (response.status_code, response.json()["role"], response.json()["userCompanyId"]) == (
        200,
        "company_admin",
        own.pk,
    )
    assert (AuditRole.objects.count(), ActivityLog.objects.count()) == before
    _assert_still_the_admin(own)


def test_an_unknown_or_inactive_role_is_refused_naming_the_active_ones(auth_client, company, add_member, send):
    cid = company["companyId"]
    member = add_member(cid, "user@example.com", role="company_user")
    path = f"companies/{cid}/members/{member.pk}"

    unknown = send(auth_client, "patch", path, {"role": "owner"})
    UserCompanyRole.objects.filter(code="company_viewer").update(is_active=False)
    inactive = send(auth_client, "patch", path, {"role": "company_viewer"})

    assert unknown.status_code == inactive.status_code == 400
    assert unknown.json()["error"]["fields"] == {
        "role": ["Choose one of: company_admin, company_user, company_viewer."]
    }
    assert inactive.json()["error"]["fields"] == {"role": ["Choose one of: company_admin, company_user."]}
    member.refresh_from_db()
    assert member.role.code == "company_user"
    assert not AuditRole.objects.filter(user_id=member.user_id).exists()


# Under concurrency: the admin rows are locked, so of admins stepping down together one always stays.


@pytest.fixture
def ten_admins(make_user):
    from companies.services import company_create
    from reference.models import JoinedVia, UserCompanyStatus

    founder = make_user("founder@example.com")
    company = company_create(creator=founder, company_name="Race Co", country_code="AU")
    for n in range(9):
        UserCompany.objects.create(
            user=make_user(f"admin{n}@example.com"),
            company=company,
            role_id=_role("company_admin"),
            status=UserCompanyStatus.objects.get(code="active"),
            joined_via=JoinedVia.objects.get(code="invitation"),
        )
    return company, list(UserCompany.objects.filter(company=company).select_related("user"))


def _active_admins(company):
    return UserCompany.objects.filter(
        company=company, is_deleted=False, status__code="active", role__code="company_admin"
    ).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_admins_demoting_themselves_at_once_leave_exactly_one(ten_admins):
    from companies.services import member_role_change
    from eventlead.testing.threads import outcome, run_together

    company, memberships = ten_admins

    outcomes = run_together(
        lambda m: outcome(lambda: member_role_change(membership=m, role_code="company_user", actor=m.user)),
        memberships,
    )

    assert Counter(outcomes) == {"ok": 9, "conflict": 1}
    assert _active_admins(company) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_admins_removing_themselves_at_once_leave_exactly_one(ten_admins):
    from companies.services import member_remove
    from eventlead.testing.threads import outcome, run_together

    company, memberships = ten_admins

    outcomes = run_together(
        lambda m: outcome(lambda: member_remove(membership=m, actor=m.user, reason="left")),
        memberships,
    )

    assert Counter(outcomes) == {"ok": 9, "conflict": 1}
    assert _active_admins(company) == 1
