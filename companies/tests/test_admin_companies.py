"""Companies in the back office: search, filters, inline records, audited edits, ABR refresh."""

from datetime import timedelta

import pytest
from django.utils import timezone

from auditing.models import ActivityLog, AuditCompany
from companies.models import Company, CompanyCustomerDetails, UserCompany, UserInvitation
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from eventlead.testing.fake_abr import HARBOURSIDE, FakeAbr
from reference.models import Country, CustomerTier, JoinedVia, UserCompanyRole, UserCompanyStatus, UserInvitationStatus
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/companies/company/"
TOKEN_HASH = "f" * 64


@pytest.fixture
def fake_abr(settings):
    with FakeAbr() as abr:
        for name, value in abr.settings.items():
            setattr(settings, name, value)
        yield abr


@pytest.fixture
def au():
    return Country.objects.get(country_code="AU")


@pytest.fixture
def acme(au, user, system_admin):  # noqa: F811
    company = Company.objects.create(company_name="Acme Events", country=au, abn=HARBOURSIDE["Abn"])
    CompanyCustomerDetails.objects.create(company=company, customer_tier=CustomerTier.objects.get(code="free"))
    UserCompany.objects.create(
        user=user,
        company=company,
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN),
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(JoinedVia, JoinedVia.SIGNUP),
    )
    UserInvitation.objects.create(
        company=company,
        invited_email="newbie@example.com",
        token_hash=TOKEN_HASH,
        invited_by=user,
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER),
        status_id=reference_id(UserInvitationStatus, UserInvitationStatus.PENDING),
        expires_at=timezone.now() + timedelta(days=7),
    )
    return company


@pytest.fixture
def nz_company():
    country = Country.objects.get(country_code="NZ")
    return Company.objects.create(company_name="Kiwi Expos", country=country)


def listed(client, **query):
    return [company.company_name for company in client.get(LIST_URL, query).context["cl"].result_list]


def test_companies_are_found_by_name_or_abn(admin_client, acme, nz_company):  # noqa: F811
    assert listed(admin_client, q="kiwi") == ["Kiwi Expos"]
    assert listed(admin_client, q="51 824 753 556") == ["Acme Events"]
    assert listed(admin_client, q="51824753556") == ["Acme Events"]


def test_companies_are_filtered_by_tier_and_country(admin_client, acme, nz_company):  # noqa: F811
    free = CustomerTier.objects.get(code="free")

    assert listed(admin_client, customer_details__customer_tier__id__exact=free.pk) == ["Acme Events"]
    assert listed(admin_client, country__id__exact=nz_company.country_id) == ["Kiwi Expos"]


def test_the_company_page_shows_members_invitations_and_details_but_no_token_hash(admin_client, acme, user):  # noqa: F811
    response = admin_client.get(f"{LIST_URL}{acme.pk}/change/")

    body = response.content.decode()
    inlines = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert inlines == ["customer_details", "billing_details", "organizer_details", "memberships", "invitations"]
    assert user.email in body and "newbie@example.com" in body
    assert TOKEN_HASH not in body


def test_an_edit_is_checked_against_the_country_rules(admin_client, acme):  # noqa: F811
    url = f"{LIST_URL}{acme.pk}/change/"

    response = admin_client.post(url, change_form_data(admin_client.get(url), phone="12"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"][0].startswith("Enter an Australian")


def test_an_edit_is_snapshotted(admin_client, acme, system_admin):  # noqa: F811
    url = f"{LIST_URL}{acme.pk}/change/"

    response = admin_client.post(url, change_form_data(admin_client.get(url), phone="0412 345 678"))

    assert response.status_code == 302
    snapshot = AuditCompany.objects.get(company_id=acme.pk)
    assert snapshot.new_values["Phone"] == "0412 345 678" and snapshot.changed_by == system_admin


def test_the_mfa_policy_is_set_on_the_company_page_and_audited(admin_client, acme, system_admin):  # noqa: F811
    url = f"{LIST_URL}{acme.pk}/change/"
    page = admin_client.get(url)
    assert "Require two-factor authentication of members" in page.content.decode()

    assert admin_client.post(url, change_form_data(page, require_mfa="on")).status_code == 302
    turned_off = change_form_data(admin_client.get(url))
    turned_off.pop("require_mfa")
    assert admin_client.post(url, turned_off).status_code == 302

    actions = ActivityLog.objects.filter(company_id=acme.pk, action__startswith="company_mfa").order_by("pk")
    assert [(row.action, row.user_id, row.new_values) for row in actions] == [
        ("company_mfa_required", system_admin.pk, {"requireMfa": True}),
        ("company_mfa_not_required", system_admin.pk, {"requireMfa": False}),
    ]
    snapshots = AuditCompany.objects.filter(company_id=acme.pk).order_by("pk")
    assert [row.new_values["RequireMfa"] for row in snapshots] == [True, False]
    acme.refresh_from_db()
    assert not acme.require_mfa


def test_refresh_abr_details_copies_the_abr_record(admin_client, acme, nz_company, system_admin, fake_abr):  # noqa: F811
    response = admin_client.post(
        LIST_URL, {"action": "refresh_abr_details", "_selected_action": [acme.pk, nz_company.pk]}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Refreshed ABR details of 1 company.",
        "1 not refreshed: no ABN.",
    ]
    acme.refresh_from_db()
    assert (acme.legal_entity_name, acme.entity_type, acme.gst_registered) == (
        "HARBOURSIDE EVENTS TRUST",
        "Fixed Unit Trust",
        True,
    )
    assert acme.business_names == ["Harbourside Expos", "Sydney Trade Shows"]
    assert acme.abr_last_verified_at is not None
    assert AuditCompany.objects.get(company_id=acme.pk).changed_by == system_admin
    assert ActivityLog.objects.filter(action="company_abr_refreshed", company_id=acme.pk).count() == 1
    assert fake_abr.request_count == 1


def test_refresh_abr_details_leaves_the_company_alone_when_abr_is_down(admin_client, acme, fake_abr):  # noqa: F811
    fake_abr.stop()

    response = admin_client.post(
        LIST_URL, {"action": "refresh_abr_details", "_selected_action": [acme.pk]}, follow=True
    )

    assert "1 not refreshed: ABR not answering." in [str(m) for m in response.context["messages"]]
    acme.refresh_from_db()
    assert acme.legal_entity_name == "" and acme.abr_last_verified_at is None


def test_companies_are_not_added_or_deleted_here(admin_client, acme):  # noqa: F811
    assert admin_client.get(f"{LIST_URL}add/").status_code == 403
    assert admin_client.post(f"{LIST_URL}{acme.pk}/delete/", {"post": "yes"}).status_code == 403
