import re
from urllib.parse import parse_qs, urlparse

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client_for(login, make_user):
    """An API client signed in as a (new) user with this email."""

    def make(email):
        from accounts.models import User

        if not User.objects.filter(email=email).exists():
            make_user(email)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(email=email)['access']}")
        return client

    return make


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Make a request and run its on-commit callbacks (emails), as a committed request would."""

    def do(client, method, path, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method)(f"/api/v1/{path}", body, format="json")

    return do


@pytest.fixture
def company(auth_client, send):
    """A company created over the API by ``user`` (member@example.com), its admin.

    On the free tier, with a seat limit (MaxUsers) of its own far above any test's team, so tests
    of other rules are not stopped by the tier's 2 seats; test_max_users.py tests the limit.
    """
    from companies.models import CompanyCustomerDetails

    response = send(auth_client, "post", "companies", {"companyName": "Acme Events", "countryCode": "AU"})
    assert response.status_code == 201, response.content
    CompanyCustomerDetails.objects.filter(company_id=response.json()["companyId"]).update(max_users=1000)
    return response.json()


def link_token(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


@pytest.fixture
def add_member(make_user):
    """Give a user (created if new) a membership of a company directly, with this role and status."""
    from accounts.models import User
    from companies.models import UserCompany
    from reference.models import JoinedVia, UserCompanyRole, UserCompanyStatus

    def add(company_id, email, role="company_user", status="active", **fields):
        member = User.objects.filter(email=email).first() or make_user(email)
        return UserCompany.objects.create(
            user=member,
            company_id=company_id,
            role=UserCompanyRole.objects.get(code=role),
            status=UserCompanyStatus.objects.get(code=status),
            joined_via=JoinedVia.objects.get(code="invitation"),
            **fields,
        )

    return add
