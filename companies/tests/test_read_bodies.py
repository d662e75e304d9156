"""The read endpoints' bodies, built from compiled value rows, are what their output serializers write."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from companies import selectors
from companies.models import Company, UserCompany, UserInvitation
from companies.serializers import CompanyOutput, InvitationOutput, MemberOutput
from eventlead.core.pagination import DEFAULT_LIMIT
from eventlead.core.renderers import CamelCaseJSONRenderer
from reference.models import Industry, UserCompanyStatus, UserInvitationStatus

pytestmark = pytest.mark.django_db


def wire(body):
    """The body as the client receives it (camelCase JSON)."""
    return json.loads(CamelCaseJSONRenderer().render(body))


def first_page(page_of, **arguments):
    """The rows of a list's first page at the default limit (its compiled query), which must end the list."""
    page = page_of(cursor=None, limit=DEFAULT_LIMIT, **arguments)
    assert page.next is None
    return page.results


@pytest.fixture
def full_company(company, user):
    """The API's company with every optional column filled, a parent and an industry."""
    parent = Company.objects.create(company_name="Parent Co", country_id=Company.objects.get().country_id)
    Company.objects.filter(pk=company["companyId"]).update(
        legal_entity_name="Acme Events Pty Ltd",
        business_names=["Acme Shows", "Acme Live"],
        display_name_source="business",
        abn="51824753556",
        acn="824753556",
        abn_status="Active",
        abn_status_effective_from=date(2020, 1, 31),
        entity_type="Australian Private Company",
        gst_registered=True,
        gst_registered_from=date(2020, 2, 1),
        abr_last_verified_at=timezone.now(),
        industry=Industry.objects.order_by("pk").first(),
        parent_company=parent,
        phone="+61 2 5550 1234",
        website="https://acme.example.com",
        suburb="Sydney",
    )
    return Company.objects.get(pk=company["companyId"])


def test_a_company_reads_as_company_output_writes_it(full_company, user, auth_client):
    expected = CompanyOutput(full_company, context={"role": "company_admin"}).data

    assert wire(selectors.company_body(user=user, company_id=full_company.pk)) == wire(expected)
    assert wire(selectors.companies_body(user=user)) == wire([expected])
    assert auth_client.get(f"/api/v1/companies/{full_company.pk}").json()["displayName"] == "Acme Shows"


def test_members_read_as_member_output_writes_them(company, add_member, user):
    cid = company["companyId"]
    add_member(cid, "viewer@example.com", role="company_viewer")
    gone = add_member(cid, "gone@example.com", status="removed", removal_reason="left", is_primary=True)
    UserCompany.objects.filter(pk=gone.pk).update(removed_date=timezone.now())

    expected = MemberOutput(selectors.company_members(company_id=cid), many=True).data

    assert wire(first_page(selectors.members_page, company_id=cid)) == wire(expected)
    assert [m["status"] for m in expected] == ["active", "active", "removed"]


def test_invitations_read_as_invitation_output_writes_them(company, user, send, auth_client):
    cid = company["companyId"]
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        send(auth_client, "post", f"companies/{cid}/invitations", {"email": email, "role": "company_user"})
    lapsed, cancelled = UserInvitation.objects.order_by("pk")[:2]
    UserInvitation.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    UserInvitation.objects.filter(pk=cancelled.pk).update(
        status=UserInvitationStatus.objects.get(code="cancelled"), cancelled_at=timezone.now()
    )

    for status in (None, "pending", "cancelled", "declined"):
        expected = InvitationOutput(selectors.company_invitations(company_id=cid, status=status), many=True).data
        assert wire(first_page(selectors.invitations_page, company_id=cid, status=status)) == wire(expected)
    everything = first_page(selectors.invitations_page, company_id=cid, status=None)
    # Stored as pending but past its expiry: shown as expired, as effective_status says.
    assert [i["status"] for i in everything] == ["pending", "cancelled", "expired"]


def test_a_non_member_gets_404_from_the_one_query(company, make_user):
    from eventlead.core.exceptions import NotFound

    stranger = make_user("stranger@example.com")
    with pytest.raises(NotFound):
        selectors.company_body(user=stranger, company_id=company["companyId"])
    UserCompany.objects.update(status=UserCompanyStatus.objects.get(code="removed"))
    with pytest.raises(NotFound):
        selectors.company_body(user=Company.objects.get().created_by, company_id=company["companyId"])


@pytest.mark.parametrize("companies", [1, 5])
def test_the_company_list_runs_two_queries_however_many(auth_client, send, companies, django_assert_num_queries):
    for n in range(companies):
        send(auth_client, "post", "companies", {"companyName": f"Company {n}", "countryCode": "AU"})
    auth_client.get("/api/v1/companies")

    # user (auth); the memberships joined to company, country, industry and role
    with django_assert_num_queries(2):
        response = auth_client.get("/api/v1/companies")

    assert [c["companyName"] for c in response.json()] == [f"Company {n}" for n in range(companies)]


def test_members_come_in_joining_order_without_the_soft_deleted(company, add_member, user):
    cid = company["companyId"]
    later = add_member(cid, "later@example.com")
    earlier = add_member(cid, "earlier@example.com")
    deleted = add_member(cid, "deleted@example.com")
    UserCompany.objects.filter(pk=earlier.pk).update(joined_date=timezone.now() - timedelta(days=400))
    UserCompany.objects.filter(pk=later.pk).update(joined_date=timezone.now() + timedelta(days=1))
    UserCompany.objects.filter(pk=deleted.pk).update(is_deleted=True)

    emails = [member["email"] for member in first_page(selectors.members_page, company_id=cid)]

    assert emails == ["earlier@example.com", user.email, "later@example.com"]


def test_invitations_come_newest_first_without_the_soft_deleted(company, send, auth_client):
    cid = company["companyId"]
    for email in ("first@example.com", "second@example.com", "deleted@example.com"):
        send(auth_client, "post", f"companies/{cid}/invitations", {"email": email, "role": "company_user"})
    first, second, deleted = UserInvitation.objects.order_by("pk")
    UserInvitation.objects.filter(pk=first.pk).update(invited_at=timezone.now() + timedelta(minutes=5))
    UserInvitation.objects.filter(pk=deleted.pk).update(is_deleted=True)

    emails = [
        invitation["invitedEmail"] for invitation in first_page(selectors.invitations_page, company_id=cid, status=None)
    ]

    assert emails == ["first@example.com", "second@example.com"]
