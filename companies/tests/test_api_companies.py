"""Companies and members over HTTP: create, read, update, roles, removal, tenant isolation."""

import pytest

from auditing.models import AuditCompany, AuditRole
from companies.models import Company, CompanyCustomerDetails, UserCompany
from configuration.models import ValidationRule
from reference.models import Country, RuleType

pytestmark = pytest.mark.django_db


def test_create_makes_the_creator_admin_on_the_free_tier(company, user):
    assert company == {
        "companyId": company["companyId"],
        "companyName": "Acme Events",
        "displayName": "Acme Events",
        "legalEntityName": "",
        "businessNames": [],
        "customDisplayName": "",
        "displayNameSource": "legal",
        "abn": None,
        "acn": None,
        "abnStatus": "",
        "abnStatusEffectiveFrom": None,
        "entityType": "",
        "gstRegistered": False,
        "gstRegisteredFrom": None,
        "abrLastVerifiedAt": None,
        "countryCode": "AU",
        "industryCode": None,
        "phone": "",
        "email": "",
        "website": "",
        "addressLine1": "",
        "addressLine2": "",
        "suburb": "",
        "stateCode": "",
        "postalCode": "",
        "parentCompany": None,
        "requireMfa": False,
        "createdDate": company["createdDate"],
        "role": "company_admin",
    }
    membership = UserCompany.objects.get(company_id=company["companyId"])
    assert (membership.user, membership.role.code, membership.joined_via.code, membership.status.code) == (
        user,
        "company_admin",
        "signup",
        "active",
    )
    assert CompanyCustomerDetails.objects.get(company_id=company["companyId"]).customer_tier.code == "free"
    assert AuditCompany.objects.filter(company_id=company["companyId"], operation="insert").count() == 1
    assert AuditRole.objects.filter(company_id=company["companyId"], user=user).count() == 1


def test_list_shows_only_my_active_companies(auth_client, company, client_for, send):
    other = client_for("other@example.com")
    send(other, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"})

    assert [c["companyName"] for c in auth_client.get("/api/v1/companies").json()] == ["Acme Events"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "Enter an Australian mobile number"),
        ("postalCode", "20000", None),
        ("abn", "51 824 753 557", "This ABN's check digits are wrong."),
        ("acn", "000 000 018", "This ACN's check digits are wrong."),
    ],
)
def test_create_validates_against_the_country_rules(auth_client, send, field, value, message):
    response = send(auth_client, "post", "companies", {"companyName": "X", "countryCode": "AU", field: value})

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert list(errors) == [field]
    if message:
        assert errors[field][0].startswith(message)
    assert not Company.objects.exists()


def test_a_rule_an_admin_adds_applies_at_once(auth_client, send):
    au = Country.objects.get(code="au")
    ValidationRule.objects.filter(country=au, rule_type__code="postal_code").update(
        validation_pattern=r"^2\d{3}$", error_message="Sydney postcodes only."
    )
    response = send(auth_client, "post", "companies", {"companyName": "X", "countryCode": "AU", "postalCode": "3000"})

    assert response.json()["error"]["fields"] == {"postalCode": ["Sydney postcodes only."]}
    ValidationRule.objects.create(
        country=au,
        rule_type=RuleType.objects.get(code="postal_code"),
        rule_name="melbourne",
        validation_pattern=r"^3\d{3}$",
        error_message="-",
    )
    assert (
        send(
            auth_client, "post", "companies", {"companyName": "X", "countryCode": "AU", "postalCode": "3000"}
        ).status_code
        == 201
    )


def test_an_unknown_or_inactive_country_is_refused(auth_client, send):
    response = send(auth_client, "post", "companies", {"companyName": "X", "countryCode": "FR"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"countryCode": ["Choose an active country code such as AU."]}


def test_abn_is_unique_among_companies_that_have_one(auth_client, send, settings):
    settings.ABR_BASE_URL = "http://127.0.0.1:9/"  # ABR unreachable: created without its details
    body = {"companyName": "A", "countryCode": "AU", "abn": "51 824 753 556"}
    assert send(auth_client, "post", "companies", body).status_code == 201

    duplicate = send(auth_client, "post", "companies", {**body, "companyName": "B"})

    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "conflict"
    assert send(auth_client, "post", "companies", {"companyName": "C", "countryCode": "AU"}).status_code == 201
    assert Company.objects.filter(abn__isnull=True).count() == 1


def test_members_read_but_only_admins_change(company, client_for, make_user, send):
    cid = company["companyId"]
    _add_member(cid, "viewer@example.com", make_user, role="company_viewer")
    viewer = client_for("viewer@example.com")

    assert viewer.get(f"/api/v1/companies/{cid}").json()["role"] == "company_viewer"
    refused = send(viewer, "patch", f"companies/{cid}", {"companyName": "Mine now"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert Company.objects.get(pk=cid).company_name == "Acme Events"


def test_admin_update_is_audited(auth_client, company, send):
    cid = company["companyId"]
    response = send(auth_client, "patch", f"companies/{cid}", {"companyName": "Acme Live", "isDeleted": True})

    assert response.status_code == 200 and response.json()["companyName"] == "Acme Live"
    audit = AuditCompany.objects.get(company_id=cid, operation="update")
    assert audit.changed_fields == ["CompanyName", "UpdatedDate"]
    assert audit.old_values["CompanyName"] == "Acme Events" and audit.new_values["CompanyName"] == "Acme Live"
    assert not Company.objects.get(pk=cid).is_deleted


def test_other_tenants_get_404_for_everything(company, client_for, send):
    cid = company["companyId"]
    stranger = client_for("stranger@example.com")
    member_id = UserCompany.objects.get(company_id=cid).pk
    calls = [
        ("get", f"companies/{cid}"),
        ("patch", f"companies/{cid}"),
        ("get", f"companies/{cid}/members"),
        ("patch", f"companies/{cid}/members/{member_id}"),
        ("delete", f"companies/{cid}/members/{member_id}"),
        ("get", f"companies/{cid}/invitations"),
        ("post", f"companies/{cid}/invitations"),
        ("get", f"companies/{cid}/billing-details"),
        ("get", f"companies/{cid}/organizer-details"),
        ("post", f"companies/{cid}/invitations/1/resend"),
        ("post", f"companies/{cid}/invitations/1/cancel"),
    ]
    for method, path in calls:
        response = send(stranger, method, path, {"role": "company_admin", "reason": "x", "email": "a@b.co"})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"


def _ref(model_name, code):
    from reference import models

    return getattr(models, model_name).objects.get(code=code).pk


def _role(code):
    return _ref("UserCompanyRole", code)


def _add_member(company_id, email, make_user, role="company_user"):
    member = make_user(email)
    return UserCompany.objects.create(
        user=member,
        company_id=company_id,
        role_id=_role(role),
        status_id=_ref("UserCompanyStatus", "active"),
        joined_via_id=_ref("JoinedVia", "invitation"),
    )


def test_role_change_writes_audit_role_and_applies_at_once(auth_client, company, make_user, client_for, send):
    cid = company["companyId"]
    membership = _add_member(cid, "second@example.com", make_user, role="company_admin")
    second = client_for("second@example.com")

    response = send(
        auth_client,
        "patch",
        f"companies/{cid}/members/{membership.pk}",
        {"role": "company_viewer", "reason": "moved teams"},
    )

    assert response.status_code == 200 and response.json()["role"] == "company_viewer"
    change = AuditRole.objects.get(user_id=membership.user_id, company_id=cid)
    assert (change.role_scope, change.old_role_id, change.new_role_id, change.reason) == (
        "company",
        _role("company_admin"),
        _role("company_viewer"),
        "moved teams",
    )
    # The demoted admin's still-valid token can no longer administer.
    assert send(second, "patch", f"companies/{cid}", {"companyName": "Nope"}).status_code == 403


def test_the_last_admin_can_be_neither_demoted_nor_removed(auth_client, company, send, user):
    cid = company["companyId"]
    own = UserCompany.objects.get(company_id=cid, user=user)

    demote = send(auth_client, "patch", f"companies/{cid}/members/{own.pk}", {"role": "company_user"})
    remove = send(auth_client, "delete", f"companies/{cid}/members/{own.pk}", {"reason": "leaving"})

    assert demote.status_code == remove.status_code == 409
    assert demote.json()["error"]["message"].startswith("A company needs at least one active company admin")
    own.refresh_from_db()
    assert (own.role.code, own.status.code) == ("company_admin", "active")


def test_removal_is_soft_and_recorded(auth_client, company, make_user, send, user):
    cid = company["companyId"]
    membership = _add_member(cid, "leaver@example.com", make_user)

    response = send(auth_client, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "contract ended"})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["removalReason"]) == ("removed", "contract ended")
    membership.refresh_from_db()
    assert membership.removed_by == user and membership.removed_date is not None
    assert send(auth_client, "delete", f"companies/{cid}/members/{membership.pk}", {}).status_code == 400


def test_removal_needs_a_reason(auth_client, company, make_user, send):
    membership = _add_member(company["companyId"], "x@example.com", make_user)

    response = send(auth_client, "delete", f"companies/{company['companyId']}/members/{membership.pk}", {})

    assert response.json()["error"]["fields"] == {"reason": ["This field is required."]}


# With the admin: 1 + 1 members fit a page; 1 + 50 fill it and leave one for the next.
@pytest.mark.parametrize(("rows", "shown", "more"), [(1, 2, False), (50, 50, True)])
def test_member_list_runs_a_fixed_number_of_queries(
    auth_client, company, make_user, rows, shown, more, django_assert_num_queries
):
    cid = company["companyId"]
    for n in range(rows):
        _add_member(cid, f"m{n}@example.com", make_user)
    auth_client.get(f"/api/v1/companies/{cid}/members")

    # user (auth), caller's membership, a page of members with user/role/status/joined-via
    with django_assert_num_queries(3):
        response = auth_client.get(f"/api/v1/companies/{cid}/members")

    assert (len(response.json()["results"]), response.json()["next"] is not None) == (shown, more)


def test_billing_details_are_admin_only_and_validated(auth_client, company, client_for, make_user, send):
    cid = company["companyId"]
    _add_member(cid, "user2@example.com", make_user)
    member = client_for("user2@example.com")

    assert member.get(f"/api/v1/companies/{cid}/billing-details").status_code == 403
    bad = send(auth_client, "patch", f"companies/{cid}/billing-details", {"billingPostalCode": "ABC"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["billingPostalCode"]
    ok = send(
        auth_client,
        "patch",
        f"companies/{cid}/billing-details",
        {"billingEmail": "accounts@acme.example", "billingPostalCode": "2000"},
    )
    assert ok.status_code == 200 and ok.json()["billingEmail"] == "accounts@acme.example"
    assert member.get(f"/api/v1/companies/{cid}/organizer-details").status_code == 200


def test_an_unknown_billing_country_is_an_error_on_the_billing_country(auth_client, company, send):
    from companies.services import MESSAGE_UNKNOWN_COUNTRY

    response = send(
        auth_client, "patch", f"companies/{company['companyId']}/billing-details", {"billingCountryCode": "QQ"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"billingCountryCode": [MESSAGE_UNKNOWN_COUNTRY]}


def test_a_company_created_from_an_abn_gets_its_abr_details_and_the_next_lookup_is_cached(auth_client, send, fake_abr):
    response = send(
        auth_client, "post", "companies", {"companyName": "Harbourside", "countryCode": "AU", "abn": "51 824 753 556"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["abn"], body["legalEntityName"], body["abnStatus"]) == (
        "51824753556",
        "HARBOURSIDE EVENTS TRUST",
        "Active",
    )
    assert body["abrLastVerifiedAt"] is not None and body["displayName"] == "HARBOURSIDE EVENTS TRUST"
    assert fake_abr.request_count == 1
    lookup = auth_client.get("/api/v1/abr/search?abn=51824753556").json()
    assert lookup["cached"] is True and fake_abr.request_count == 1
