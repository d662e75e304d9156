"""A company that requires MFA of its members (spec/api.md, "MFA for every account"), over HTTP."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status

from accounts import mfa
from accounts.models import User
from auditing.models import ActivityLog, AuditCompany
from companies.models import Company
from companies.services import MESSAGE_MFA_FIRST
from eventlead.core.exceptions import MfaRequired
from eventlead.testing.openapi import assert_documented

pytestmark = pytest.mark.django_db

MEMBER_EMAIL = "crew@example.com"


def mfa_turn_on(user: User) -> None:
    """Turn MFA on as the API's enrolment does: a new device, confirmed with its current code."""
    mfa.totp_setup(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert mfa.totp_confirm(user=user, code=f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")


@pytest.fixture
def company_id(company):
    return company["companyId"]


@pytest.fixture
def admin_with_mfa(user):
    mfa_turn_on(user)
    return user


@pytest.fixture
def member(company_id, add_member):
    return add_member(company_id, MEMBER_EMAIL).user


@pytest.fixture
def member_client(member, client_for):
    return client_for(MEMBER_EMAIL)


def require(send, client, company_id, value: bool):
    return send(client, "patch", f"companies/{company_id}", {"requireMfa": value})


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_an_admin_with_mfa_requires_it_and_the_change_is_audited(auth_client, send, company_id, admin_with_mfa):
    response = require(send, auth_client, company_id, True)

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["requireMfa"] is True
    assert Company.objects.get(pk=company_id).require_mfa
    assert auth_client.get(f"/api/v1/companies/{company_id}").json()["requireMfa"] is True
    activity = ActivityLog.objects.get(action="company_mfa_required")
    assert (activity.company_id, activity.user_id) == (company_id, admin_with_mfa.pk)
    assert (activity.old_values, activity.new_values) == ({"requireMfa": False}, {"requireMfa": True})
    assert not ActivityLog.objects.filter(action="company_updated").exists()
    snapshot = AuditCompany.objects.filter(company_id=company_id).order_by("-pk").first()
    assert snapshot.new_values["RequireMfa"] is True and snapshot.old_values["RequireMfa"] is False


def test_an_admin_without_mfa_cannot_require_it(auth_client, send, company_id, user):
    response = require(send, auth_client, company_id, True)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"] == {"requireMfa": [MESSAGE_MFA_FIRST]}
    assert not Company.objects.get(pk=company_id).require_mfa
    assert not ActivityLog.objects.filter(action="company_mfa_required").exists()
    assert_documented(response)


def test_only_a_company_admin_sets_the_policy(send, company_id, member, member_client):
    mfa_turn_on(member)

    response = require(send, member_client, company_id, True)

    assert refusal(response) == (status.HTTP_403_FORBIDDEN, "permission_denied")
    assert not Company.objects.get(pk=company_id).require_mfa


def test_a_new_company_cannot_be_created_requiring_mfa(auth_client, send, admin_with_mfa):
    response = send(auth_client, "post", "companies", {"companyName": "Beta", "countryCode": "AU", "requireMfa": True})

    assert response.status_code == status.HTTP_201_CREATED
    assert response.json()["requireMfa"] is False


@pytest.fixture
def required(auth_client, send, company_id, admin_with_mfa):
    assert require(send, auth_client, company_id, True).status_code == status.HTTP_200_OK


ROUTES = [
    ("get", ""),
    ("patch", ""),
    ("get", "/members"),
    ("get", "/invitations"),
    ("post", "/invitations"),
    ("get", "/organizer-details"),
    ("get", "/billing-details"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_a_member_without_mfa_is_refused_on_every_company_route(
    send, company_id, member, member_client, required, method, route
):
    body = {"email": "guest@example.com", "role": "company_user"} if method == "post" else {}

    response = send(member_client, method, f"companies/{company_id}{route}", body)

    assert refusal(response) == (status.HTTP_403_FORBIDDEN, "mfa_required")
    assert response.json()["error"]["message"] == MfaRequired.message
    assert_documented(response)


def test_a_member_admin_without_mfa_is_refused_too(auth_client, send, company_id, user, required, add_member):
    mfa.mfa_disable(user=user)

    assert refusal(auth_client.get(f"/api/v1/companies/{company_id}")) == (403, "mfa_required")
    assert refusal(require(send, auth_client, company_id, False)) == (403, "mfa_required")


def test_a_stranger_still_gets_404_not_the_mfa_refusal(send, company_id, required, client_for):
    stranger = client_for("stranger@example.com")

    for path in ("", "/members"):
        assert refusal(stranger.get(f"/api/v1/companies/{company_id}{path}")) == (404, "not_found")


def test_a_member_with_mfa_passes(send, company_id, member, member_client, required):
    mfa_turn_on(member)

    detail = member_client.get(f"/api/v1/companies/{company_id}")
    members = member_client.get(f"/api/v1/companies/{company_id}/members")

    assert detail.status_code == status.HTTP_200_OK and detail.json()["requireMfa"] is True
    assert members.status_code == status.HTTP_200_OK and len(members.json()["results"]) == 2
    # A company user may read, not administer: the role rule still applies after the MFA one.
    assert refusal(member_client.get(f"/api/v1/companies/{company_id}/invitations")) == (403, "permission_denied")


def test_the_member_learns_why_from_the_list_and_users_me(company_id, member, member_client, required):
    companies = member_client.get("/api/v1/companies")
    me = member_client.get("/api/v1/users/me").json()

    assert companies.status_code == status.HTTP_200_OK
    assert [(row["companyId"], row["requireMfa"]) for row in companies.json()] == [(company_id, True)]
    assert me["mfaEnabled"] is False
    assert me["companies"] == [
        {"companyId": company_id, "name": "Acme Events", "role": "company_user", "requireMfa": True}
    ]
    mfa_turn_on(member)
    assert member_client.get("/api/v1/users/me").json()["mfaEnabled"] is True


def test_turning_the_policy_off_restores_access(auth_client, send, company_id, member, member_client, required):
    assert refusal(member_client.get(f"/api/v1/companies/{company_id}")) == (403, "mfa_required")

    response = require(send, auth_client, company_id, False)

    assert response.status_code == status.HTTP_200_OK and response.json()["requireMfa"] is False
    assert member_client.get(f"/api/v1/companies/{company_id}").status_code == status.HTTP_200_OK
    assert member_client.get(f"/api/v1/companies/{company_id}/members").status_code == status.HTTP_200_OK
    assert member_client.get("/api/v1/users/me").json()["companies"][0]["requireMfa"] is False
    assert ActivityLog.objects.filter(action="company_mfa_not_required", company_id=company_id).count() == 1


def test_the_policy_costs_no_query(send, company_id, member, member_client, required, django_assert_num_queries):
    mfa_turn_on(member)
    member_client.get(f"/api/v1/companies/{company_id}/members")  # warm the per-process caches

    # 1: the session and its user; 2: the membership with the company's policy; 3: the members.
    with django_assert_num_queries(3):
        assert member_client.get(f"/api/v1/companies/{company_id}/members").status_code == 200
    # A refusal reads no more than the membership.
    mfa.mfa_disable(user=member)
    with django_assert_num_queries(2):
        assert refusal(member_client.get(f"/api/v1/companies/{company_id}/members")) == (403, "mfa_required")
