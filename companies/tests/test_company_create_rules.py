"""Creating a company over HTTP: the fields it keeps, the industry it names, and an ABN taken by another."""

from collections import Counter

import pytest

from auditing.models import AuditCompany
from companies.models import Company, CompanyCustomerDetails, UserCompany
from reference.models import Country, Industry

pytestmark = pytest.mark.django_db

ABN = "51824753556"  # HARBOURSIDE EVENTS TRUST in the fake ABR
MESSAGE_ABN_TAKEN = "A company with this ABN already exists."


def _abn_taken(response):
    return {
        "error": {
            "code": "conflict",
            "message": MESSAGE_ABN_TAKEN,
            "fields": {"abn": [MESSAGE_ABN_TAKEN]},
            "requestId": response["X-Request-ID"],
        }
    }


def _company_with_abn(abn=ABN, name="First Co"):
    return Company.objects.create(company_name=name, country=Country.objects.get(code="au"), abn=abn)


def test_create_keeps_every_field_it_is_given(auth_client, send, settings):
    settings.ABR_BASE_URL = "http://127.0.0.1:9/"  # ABR unreachable: the fields given are kept as given
    body = {
        "companyName": "Acme Events",
        "countryCode": "au",
        "acn": "004 085 616",
        "industryCode": "c",
        "phone": "0412 345 678",
        "email": "hello@acme.example",
        "website": "https://acme.example",
        "suburb": "Sydney",
        "stateCode": "NSW",
        "postalCode": "2000",
        "customDisplayName": "Acme",
        "displayNameSource": "custom",
    }

    response = send(auth_client, "post", "companies", body)

    assert response.status_code == 201
    created = response.json()
    assert {
        key: created[key]
        for key in (
            "companyName",
            "displayName",
            "countryCode",
            "acn",
            "industryCode",
            "phone",
            "email",
            "website",
            "suburb",
            "stateCode",
            "postalCode",
            "customDisplayName",
            "displayNameSource",
            "role",
        )
    } == {
        "companyName": "Acme Events",
        "displayName": "Acme",
        "countryCode": "AU",
        "acn": "004085616",
        "industryCode": "C",
        "phone": "0412 345 678",
        "email": "hello@acme.example",
        "website": "https://acme.example",
        "suburb": "Sydney",
        "stateCode": "NSW",
        "postalCode": "2000",
        "customDisplayName": "Acme",
        "displayNameSource": "custom",
        "role": "company_admin",
    }
    read = auth_client.get(f"/api/v1/companies/{created['companyId']}").json()
    assert read == created
    assert Company.objects.get().industry == Industry.objects.get(industry_code="C")


@pytest.mark.parametrize("code", ["ZZ", "A"])
def test_an_unknown_or_inactive_industry_is_refused(auth_client, send, code):
    Industry.objects.filter(industry_code="A").update(is_active=False)

    response = send(auth_client, "post", "companies", {"companyName": "X", "countryCode": "AU", "industryCode": code})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "industryCode": ["Choose an industry code from /api/v1/reference/industries."]
    }
    assert not Company.objects.exists()


def test_a_taken_abn_is_refused_before_the_abr_is_asked(auth_client, send, fake_abr):
    _company_with_abn()

    response = send(
        auth_client, "post", "companies", {"companyName": "Second Co", "countryCode": "AU", "abn": "51 824 753 556"}
    )

    assert response.status_code == 409
    assert response.json() == _abn_taken(response)
    assert fake_abr.request_count == 0
    assert list(Company.objects.values_list("company_name", flat=True)) == ["First Co"]


def test_an_abn_taken_while_its_abr_details_are_fetched_is_refused_the_same_way(
    auth_client, send, fake_abr, monkeypatch, user
):
    from abrcache import services as abr_services

    real_search = abr_services.abr_search

    def search_while_another_request_registers_the_abn(**kwargs):
        found = real_search(**kwargs)
        _company_with_abn(name="Quicker Co")
        return found

    monkeypatch.setattr(abr_services, "abr_search", search_while_another_request_registers_the_abn)

    response = send(auth_client, "post", "companies", {"companyName": "Slower Co", "countryCode": "AU", "abn": ABN})

    assert response.status_code == 409
    assert response.json() == _abn_taken(response)
    assert fake_abr.request_count == 1
    quicker = Company.objects.get()
    assert (quicker.company_name, quicker.abn) == ("Quicker Co", ABN)
    assert not UserCompany.objects.filter(user=user).exists()
    assert not CompanyCustomerDetails.objects.exists()
    assert not AuditCompany.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_companies_created_at_once_with_one_abn_make_one(make_user, fake_abr):
    from companies.services import company_create
    from eventlead.core.exceptions import DomainError
    from eventlead.testing.threads import run_together

    creators = [make_user(f"founder{n}@example.com") for n in range(2)]
    fake_abr.hold(2)  # both requests pass the ABN check, then the ABR answers them together

    def create(creator):
        try:
            company_create(creator=creator, company_name=f"Co of {creator.email}", country_code="AU", abn=ABN)
            return "ok"
        except DomainError as error:
            return (error.code, error.message, error.fields)

    outcomes = run_together(create, creators)

    assert Counter(map(str, outcomes)) == {
        "ok": 1,
        str(("conflict", MESSAGE_ABN_TAKEN, {"abn": [MESSAGE_ABN_TAKEN]})): 1,
    }
    assert Company.objects.filter(abn=ABN).count() == 1
    assert UserCompany.objects.count() == 1
