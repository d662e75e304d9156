"""Invitations and company contact addresses take only canonical, deliverable addresses (issue 13, finding 3)."""

import pytest
from django.core import mail

from accounts.addresses import MESSAGE_INVALID
from companies.invitations import MESSAGE_ALREADY_INVITED, MESSAGE_ALREADY_MEMBER
from companies.models import UserInvitation
from eventlead.core.exceptions import ValidationFailed
from logging_app.models import EmailDelivery

pytestmark = pytest.mark.django_db

UNDELIVERABLE = [
    '"guest"@example.com',
    "gu\u200best@example.com",
    "guest@exa\u00admple.com",
    "guest@[192.0.2.1]",
    "guest@example",
    "g\u0131uest@example.com",
]


@pytest.fixture
def invite(auth_client, company, send):
    def do(email):
        return send(
            auth_client,
            "post",
            f"companies/{company['companyId']}/invitations",
            {"email": email, "role": "company_user"},
        )

    return do


@pytest.mark.parametrize("typed", UNDELIVERABLE)
def test_an_invitation_to_an_undeliverable_address_is_refused_and_sends_nothing(invite, typed):
    response = invite(typed)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["message"] == ValidationFailed.message
    assert response.json()["error"]["fields"] == {"email": [MESSAGE_INVALID]}
    assert not UserInvitation.objects.exists()
    assert not EmailDelivery.objects.filter(email_type="invitation").exists()


@pytest.mark.parametrize(
    "again",
    ["GUEST@EX\u00c4MPLE.COM", "guest@xn--exmple-cua.com", "\uff47\uff55\uff45\uff53\uff54@ex\u00e4mple.com"],
)
def test_a_second_spelling_of_an_invited_mailbox_is_the_same_invitation(invite, again):
    assert invite("guest@ex\u00e4mple.com").status_code == 201

    response = invite(again)

    assert (response.status_code, response.json()["error"]["message"]) == (409, MESSAGE_ALREADY_INVITED)
    assert list(UserInvitation.objects.values_list("invited_email", flat=True)) == ["guest@xn--exmple-cua.com"]
    assert [m.to for m in mail.outbox] == [["guest@xn--exmple-cua.com"]]
    assert list(EmailDelivery.objects.filter(email_type="invitation").values_list("recipient_email", flat=True)) == [
        "guest@xn--exmple-cua.com"
    ]


def test_a_member_cannot_be_invited_again_under_another_spelling(invite):
    response = invite("\uff2d\uff25\uff2d\uff22\uff25\uff32@Example.COM")  # fullwidth MEMBER, the company's admin

    assert (response.status_code, response.json()["error"]["message"]) == (409, MESSAGE_ALREADY_MEMBER)


@pytest.mark.parametrize(
    ("path", "field"),
    [("", "email"), ("/billing-details", "billingEmail"), ("/organizer-details", "publicEmail")],
)
def test_company_contact_addresses_are_stored_canonical_and_undeliverable_ones_refused(
    auth_client, company, send, path, field
):
    url = f"companies/{company['companyId']}{path}"

    refused = send(auth_client, "patch", url, {field: "accounts@[192.0.2.1]"})
    stored = send(auth_client, "patch", url, {field: "Accounts@B\u00fccher.example.org"})

    assert (refused.status_code, refused.json()["error"]["fields"]) == (400, {field: [MESSAGE_INVALID]})
    assert stored.status_code == 200, stored.json()
    assert stored.json()[field] == "accounts@xn--bcher-kva.example.org"
