"""Tenant access over HTTP: only an active, undeleted membership of an undeleted company opens its routes.

Anything else answers 404 (never 403, so other tenants' rows do not leak); among members,
only a company admin changes things (403 for the others).
"""

import pytest

from companies.models import Company, UserCompany, UserInvitation

pytestmark = pytest.mark.django_db

ADMIN_ONLY = "Only a company admin can do this."

# Every company route, each with a body that would be valid for an admin.
COMPANY_ROUTES = [
    ("get", "", None),
    ("patch", "", {"companyName": "Taken over"}),
    ("get", "/members", None),
    ("get", "/billing-details", None),
    ("patch", "/billing-details", {"billingEmail": "x@example.com"}),
    ("get", "/organizer-details", None),
    ("get", "/invitations", None),
    ("post", "/invitations", {"email": "new@example.com", "role": "company_user"}),
]


def _error(response, code, message):
    return {"error": {"code": code, "message": message, "requestId": response["X-Request-ID"]}}


def _assert_not_found_everywhere(client, send, cid):
    for method, suffix, body in COMPANY_ROUTES:
        response = send(client, method, f"companies/{cid}{suffix}", body)
        assert (method, suffix, response.status_code) == (method, suffix, 404)
        assert response.json() == _error(response, "not_found", "Not found.")


def test_an_active_member_reads_the_company_with_their_own_role(company, add_member, client_for):
    cid = company["companyId"]
    add_member(cid, "viewer@example.com", role="company_viewer")

    response = client_for("viewer@example.com").get(f"/api/v1/companies/{cid}")

    assert response.status_code == 200
    assert (response.json()["companyId"], response.json()["companyName"], response.json()["role"]) == (
        cid,
        "Acme Events",
        "company_viewer",
    )


def test_a_removed_members_token_still_signs_in_but_opens_nothing_of_the_company(
    auth_client, company, add_member, client_for, send
):
    cid = company["companyId"]
    membership = add_member(cid, "leaver@example.com", role="company_admin")
    leaver = client_for("leaver@example.com")
    assert leaver.get(f"/api/v1/companies/{cid}").status_code == 200

    removed = send(auth_client, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "left"})

    assert removed.status_code == 200
    assert leaver.get("/api/v1/users/me").status_code == 200  # the token itself is still good
    _assert_not_found_everywhere(leaver, send, cid)
    assert send(leaver, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "x"}).status_code == 404
    assert leaver.get("/api/v1/companies").json() == []
    assert Company.objects.get(pk=cid).company_name == "Acme Events"


def test_a_suspended_member_gets_404_for_the_company(company, add_member, client_for, send):
    cid = company["companyId"]
    add_member(cid, "suspended@example.com", role="company_admin", status="suspended")

    _assert_not_found_everywhere(client_for("suspended@example.com"), send, cid)


def test_a_soft_deleted_active_membership_gets_404_for_the_company(company, add_member, client_for, send):
    cid = company["companyId"]
    add_member(cid, "deleted@example.com", role="company_admin", is_deleted=True)

    _assert_not_found_everywhere(client_for("deleted@example.com"), send, cid)


def test_a_deleted_company_answers_404_even_to_its_own_admin(auth_client, company, send):
    cid = company["companyId"]
    assert auth_client.get(f"/api/v1/companies/{cid}").status_code == 200
    Company.objects.filter(pk=cid).update(is_deleted=True)  # as the back office does

    _assert_not_found_everywhere(auth_client, send, cid)
    assert auth_client.get("/api/v1/companies").json() == []


def test_membership_of_one_company_opens_no_other_company(auth_client, company, client_for, send):
    other = client_for("other-admin@example.com")
    other_cid = send(other, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).json()["companyId"]

    # The admin of Acme asks for Other Co's routes: Other Co has an admin, Acme's admin has a membership.
    _assert_not_found_everywhere(auth_client, send, other_cid)
    assert other.get(f"/api/v1/companies/{other_cid}").json()["companyName"] == "Other Co"
    assert Company.objects.get(pk=other_cid).company_name == "Other Co"


@pytest.mark.parametrize("role", ["company_user", "company_viewer"])
def test_members_who_are_not_admins_are_refused_every_change_with_403(company, add_member, client_for, send, role):
    cid = company["companyId"]
    target = add_member(cid, "target@example.com")
    add_member(cid, "plain@example.com", role=role)
    plain = client_for("plain@example.com")
    calls = [
        ("patch", f"companies/{cid}", {"companyName": "Mine now"}),
        ("get", f"companies/{cid}/billing-details", None),
        ("patch", f"companies/{cid}/billing-details", {"billingEmail": "x@example.com"}),
        ("patch", f"companies/{cid}/organizer-details", {}),
        ("patch", f"companies/{cid}/members/{target.pk}", {"role": "company_viewer"}),
        ("delete", f"companies/{cid}/members/{target.pk}", {"reason": "because"}),
        ("get", f"companies/{cid}/invitations", None),
        ("post", f"companies/{cid}/invitations", {"email": "new@example.com", "role": "company_user"}),
    ]

    for method, path, body in calls:
        response = send(plain, method, path, body)
        assert (method, path, response.status_code) == (method, path, 403)
        assert response.json() == _error(response, "permission_denied", ADMIN_ONLY)

    assert plain.get(f"/api/v1/companies/{cid}").status_code == 200
    target.refresh_from_db()
    assert (target.role.code, target.status.code) == ("company_user", "active")
    assert Company.objects.get(pk=cid).company_name == "Acme Events"


def test_an_admin_may_make_the_changes_the_others_may_not(auth_client, company, add_member, send):
    cid = company["companyId"]
    target = add_member(cid, "target@example.com")

    renamed = send(auth_client, "patch", f"companies/{cid}", {"companyName": "Acme Live"})
    billing = auth_client.get(f"/api/v1/companies/{cid}/billing-details")
    role = send(auth_client, "patch", f"companies/{cid}/members/{target.pk}", {"role": "company_viewer"})

    assert (renamed.status_code, renamed.json()["companyName"]) == (200, "Acme Live")
    assert (billing.status_code, billing.json()) == (200, {})
    assert (role.status_code, role.json()["role"]) == (200, "company_viewer")


def test_a_company_read_checks_the_membership_and_reads_the_company_in_one_query(
    company, add_member, client_for, django_assert_num_queries
):
    cid = company["companyId"]
    add_member(cid, "viewer@example.com", role="company_viewer")
    viewer = client_for("viewer@example.com")

    # user (auth); the membership joined to company, country, industry and role
    with django_assert_num_queries(2):
        response = viewer.get(f"/api/v1/companies/{cid}")

    assert (response.status_code, response.json()["role"]) == (200, "company_viewer")
    assert UserCompany.objects.filter(company_id=cid).count() == 2


def test_an_admin_cannot_reach_another_companys_invitation_through_their_own_companys_routes(
    auth_client, company, client_for, send
):
    other = client_for("other-admin@example.com")
    other_cid = send(other, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).json()["companyId"]
    invited = send(
        other, "post", f"companies/{other_cid}/invitations", {"email": "x@example.com", "role": "company_user"}
    )
    path = f"companies/{company['companyId']}/invitations/{invited.json()['invitationId']}"

    resent = send(auth_client, "post", f"{path}/resend")
    cancelled = send(auth_client, "post", f"{path}/cancel", {"reason": "not yours"})

    for response in (resent, cancelled):
        assert response.status_code == 404
        assert response.json() == _error(response, "not_found", "Not found.")
    invitation = UserInvitation.objects.get()
    assert (invitation.status.code, invitation.resend_count, invitation.cancelled_at) == ("pending", 0, None)
    assert auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations").json() == {
        "results": [],
        "next": None,
    }
