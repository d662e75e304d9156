"""The companies API answers only what its OpenAPI document says (found by tests/fuzz)."""

import pytest
from django.core import mail
from rest_framework import status
from rest_framework.test import APIClient

from companies.models import UserCompany
from eventlead.testing.openapi import assert_documented, openapi_document

from .conftest import link_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(auth_client, company, send):
    def do(email="guest@example.com", role="company_user"):
        body = {"email": email, "role": role}
        return send(auth_client, "post", f"companies/{company['companyId']}/invitations", body)

    return do


def test_a_company_without_an_industry_reads_with_the_documented_null(auth_client, company):
    response = auth_client.get(f"/api/v1/companies/{company['companyId']}")

    assert response.json()["industryCode"] is None
    assert_documented(response)


def test_a_second_invitation_to_one_address_is_a_documented_409(invite):
    invite()

    response = invite()

    assert response.status_code == status.HTTP_409_CONFLICT
    assert_documented(response)


def test_a_resend_within_the_cooldown_is_a_documented_429(auth_client, company, invite, send):
    invitation = invite().json()

    response = send(
        auth_client, "post", f"companies/{company['companyId']}/invitations/{invitation['invitationId']}/resend"
    )

    assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    assert_documented(response)


def test_cancelling_an_invitation_twice_is_a_documented_409(auth_client, company, invite, send):
    cancel = f"companies/{company['companyId']}/invitations/{invite().json()['invitationId']}/cancel"
    send(auth_client, "post", cancel, {})

    response = send(auth_client, "post", cancel, {})

    assert response.status_code == status.HTTP_409_CONFLICT
    assert_documented(response)


def test_the_invitation_list_documents_its_status_filter(auth_client, company, invite):
    invite()

    response = auth_client.get(f"/api/v1/companies/{company['companyId']}/invitations?status=pending")

    assert [row["status"] for row in response.json()["results"]] == ["pending"]
    assert_documented(response)
    parameters = openapi_document()["paths"]["/api/v1/companies/{company_id}/invitations"]["get"]["parameters"]
    assert {"name": "status", "in": "query"}.items() <= next(p for p in parameters if p["name"] == "status").items()


@pytest.mark.parametrize("method, body", [("patch", {"role": "company_user"}), ("delete", {"reason": "leaving"})])
def test_demoting_or_removing_the_last_admin_is_a_documented_409(auth_client, company, send, user, method, body):
    own = UserCompany.objects.get(company_id=company["companyId"], user=user)

    response = send(auth_client, method, f"companies/{company['companyId']}/members/{own.pk}", body)

    assert response.status_code == status.HTTP_409_CONFLICT
    assert_documented(response)


def test_removal_without_the_documented_reason_body_is_a_documented_400(auth_client, company, send, user):
    own = UserCompany.objects.get(company_id=company["companyId"], user=user)

    response = send(auth_client, "delete", f"companies/{company['companyId']}/members/{own.pk}", {})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert_documented(response)


def test_the_signed_in_invitee_gets_the_documented_membership_body(invite, client_for, send):
    invite()
    token = link_token(mail.outbox[-1])

    response = send(client_for("guest@example.com"), "post", f"invitations/{token}/accept")

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["membership"]["email"] == "guest@example.com"
    assert_documented(response)


def test_an_anonymous_invitee_gets_the_documented_tokens_and_membership(invite, send):
    invite()
    body = {"password": "Invitee-passphrase-2024", "firstName": "Gus", "lastName": "Guest"}

    response = send(APIClient(), "post", f"invitations/{link_token(mail.outbox[-1])}/accept", body)

    assert response.status_code == status.HTTP_201_CREATED
    assert set(response.json()) == {"access", "refresh", "membership"}
    assert_documented(response)


def test_accepting_as_another_account_is_a_documented_403(invite, client_for, send):
    invite()

    response = send(client_for("intruder@example.com"), "post", f"invitations/{link_token(mail.outbox[-1])}/accept")

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert_documented(response)
