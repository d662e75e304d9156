"""GET and PATCH /api/v1/users/me."""

import pytest
from rest_framework import status

from companies.models import Company, UserCompany
from reference.models import Country, JoinedVia, UserCompanyRole, UserCompanyStatus

pytestmark = pytest.mark.django_db


def join(user, name, role="company_admin"):
    company = Company.objects.create(company_name=name, country=Country.objects.get(code="au"))
    return UserCompany.objects.create(
        user=user,
        company=company,
        role=UserCompanyRole.objects.get(code=role),
        status=UserCompanyStatus.objects.get(code="active"),
        joined_via=JoinedVia.objects.get(code="signup"),
    )


def test_me_lists_active_companies_with_role(auth_client, user):
    acme = join(user, "Acme Events")
    removed = join(user, "Zeta Expos", role="company_viewer")
    UserCompany.objects.filter(pk=removed.pk).update(status=UserCompanyStatus.objects.get(code="removed"))

    body = auth_client.get("/api/v1/users/me").json()

    assert body["companies"] == [
        {"companyId": acme.company_id, "name": "Acme Events", "role": "company_admin", "requireMfa": False}
    ]


@pytest.mark.parametrize("companies", [1, 20])
def test_me_runs_two_queries_however_many_companies(auth_client, user, companies, django_assert_num_queries):
    for n in range(companies):
        join(user, f"Company {n:02d}")
    auth_client.get("/api/v1/users/me")  # warm the per-process settings cache

    # 1: the user with status and role (authentication); 2: memberships with company and role.
    with django_assert_num_queries(2):
        response = auth_client.get("/api/v1/users/me")

    assert len(response.json()["companies"]) == companies


def test_patch_me_changes_profile_fields_only(auth_client, user):
    response = auth_client.patch(
        "/api/v1/users/me",
        {
            "firstName": "Maya",
            "roleTitle": "Producer",
            "timezoneIdentifier": "Australia/Perth",
            "isStaff": True,
            "email": "evil@example.com",
            "status": "suspended",
            "isLocked": True,
            "failedLoginAttempts": 7,
            "accessTokenVersion": 50,
            "emailVerifiedAt": None,
        },
        format="json",
    )

    assert response.status_code == status.HTTP_200_OK
    assert (response.json()["firstName"], response.json()["roleTitle"]) == ("Maya", "Producer")
    user.refresh_from_db()
    assert (user.first_name, user.timezone_identifier, user.email) == ("Maya", "Australia/Perth", "member@example.com")
    assert (user.status.code, user.is_locked, user.failed_login_attempts) == ("active", False, 0)
    assert (user.access_token_version, user.email_verified_at is not None) == (1, True)


def test_patch_me_rejects_an_unknown_time_zone(auth_client, user):
    response = auth_client.patch("/api/v1/users/me", {"timezoneIdentifier": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "timezoneIdentifier": ["Use an IANA time zone such as Australia/Sydney."]
    }


def test_me_needs_a_token(api_client):
    response = api_client.get("/api/v1/users/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_hand_built_body_is_the_one_user_output_documents(user):
    from django.utils import timezone

    from accounts.selectors import user_memberships, user_profile
    from accounts.serializers import UserOutput

    join(user, "Acme Events")
    business = join(user, "Beta Pty Ltd", role="company_viewer").company
    Company.objects.filter(pk=business.pk).update(business_names=["Beta Shows"], display_name_source="business")
    user.phone, user.role_title, user.profile_picture_url = "+61 2 5550 1234", "Producer", "https://example.com/p.png"
    user.last_login = timezone.now()
    user.save()

    documented = UserOutput(user, context={"memberships": user_memberships(user=user)}).data

    assert user_profile(user=user) == documented
    assert [c["name"] for c in documented["companies"]] == ["Acme Events", "Beta Shows"]
    assert documented["last_login"].endswith("Z") and documented["phone"] == "+61 2 5550 1234"


def test_a_deleted_company_or_membership_is_not_listed(auth_client, user):
    kept = join(user, "Acme Events")
    deleted = join(user, "Gone Events")
    Company.objects.filter(pk=deleted.company_id).update(is_deleted=True)
    UserCompany.objects.filter(pk=join(user, "Left Events").pk).update(is_deleted=True)

    body = auth_client.get("/api/v1/users/me").json()

    assert [c["companyId"] for c in body["companies"]] == [kept.company_id]
