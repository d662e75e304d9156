"""The companies API takes each value only as its document types and bounds it (eventlead/core/strict.py).

Schemathesis found numbers taken where the document says string (``"stateCode": 0``,
``"purchaseOrderReference": 0``, ``"reason": 0``): DRF's CharField stored them as "0".
"""

import pytest
from django.core import mail
from rest_framework import status
from rest_framework.test import APIClient

from abrcache.services import MESSAGE_INVALID_ABN
from companies.models import Company, CompanyBillingDetails, UserCompany, UserInvitation
from companies.services import MESSAGE_UNKNOWN_COUNTRY
from eventlead.core.exceptions import MESSAGE_VALIDATION
from eventlead.core.strict import MESSAGE_WRONG_TYPE
from eventlead.testing.openapi import assert_documented, openapi_document

from .conftest import link_token

pytestmark = pytest.mark.django_db

TOO_LONG = "Ensure this field has no more than {} characters."


def wrong_type(expected: str, given: str) -> list[str]:
    return [MESSAGE_WRONG_TYPE.format(expected=expected, given=given)]


def invalid(response, fields: dict) -> dict:
    return {
        "error": {
            "code": "validation_error",
            "message": MESSAGE_VALIDATION,
            "fields": fields,
            "requestId": response["X-Request-ID"],
        }
    }


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"stateCode": 0}, {"stateCode": wrong_type("a string", "a number")}),
        ({"countryCode": 61}, {"countryCode": wrong_type("a string", "a number")}),
        ({"countryCode": "AUS"}, {"countryCode": [TOO_LONG.format(2)]}),
        ({"countryCode": "A1"}, {"countryCode": [MESSAGE_UNKNOWN_COUNTRY]}),
        ({"abn": 51824753556}, {"abn": wrong_type("a string", "a number")}),
        ({"abn": " 51824753556"}, {"abn": [MESSAGE_INVALID_ABN]}),  # off the pattern as sent
        ({"abn": "51.824.753.556"}, {"abn": [MESSAGE_INVALID_ABN]}),
        ({"industryCode": ["E"]}, {"industryCode": wrong_type("a string", "an array")}),
        ({"displayNameSource": 1}, {"displayNameSource": wrong_type("a string", "a number")}),
    ],
    ids=["state_number", "country_number", "country_three_letters", "country_digit", "abn_number",
         "abn_leading_space", "abn_dots", "industry_array", "display_name_source_number"],
)  # fmt: skip
def test_a_company_is_created_only_from_values_of_their_documented_type_and_bounds(auth_client, send, changes, fields):
    response = send(auth_client, "post", "companies", {"companyName": "Acme Events", "countryCode": "AU", **changes})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == invalid(response, fields)
    assert_documented(response)
    assert not Company.objects.exists()


def test_requiring_mfa_takes_true_or_false_not_a_word(auth_client, send, company):
    response = send(auth_client, "patch", f"companies/{company['companyId']}", {"requireMfa": "yes", "phone": 0})

    assert response.json() == invalid(
        response, {"requireMfa": wrong_type("true or false", "a string"), "phone": wrong_type("a string", "a number")}
    )
    assert Company.objects.get().require_mfa is False


def test_billing_details_take_a_purchase_order_reference_only_as_a_string(auth_client, send, company):
    path = f"companies/{company['companyId']}/billing-details"

    response = send(auth_client, "patch", path, {"purchaseOrderReference": 0, "billingCountryCode": "NZL"})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == invalid(
        response,
        {"purchaseOrderReference": wrong_type("a string", "a number"), "billingCountryCode": [TOO_LONG.format(2)]},
    )
    assert_documented(response)
    assert not CompanyBillingDetails.objects.exists()


def test_organizer_social_links_are_an_object(auth_client, send, company):
    path = f"companies/{company['companyId']}/organizer-details"

    refused = send(auth_client, "patch", path, {"socialLinks": ["https://www.linkedin.com/company/acme"]})
    taken = send(auth_client, "patch", path, {"socialLinks": {"linkedin": "https://www.linkedin.com/company/acme"}})

    assert refused.json() == invalid(refused, {"socialLinks": wrong_type("an object", "an array")})
    assert taken.status_code == status.HTTP_200_OK
    assert taken.json()["socialLinks"] == {"linkedin": "https://www.linkedin.com/company/acme"}


def test_an_invitation_takes_its_role_and_names_only_as_strings(auth_client, send, company):
    response = send(
        auth_client,
        "post",
        f"companies/{company['companyId']}/invitations",
        {"email": "guest@example.com", "role": 1, "lastName": 0},
    )

    assert response.json() == invalid(
        response, {"role": wrong_type("a string", "a number"), "lastName": wrong_type("a string", "a number")}
    )
    assert_documented(response)
    assert not UserInvitation.objects.exists()


def test_a_bulk_row_with_a_value_of_another_type_is_that_rows_invalid_result_and_the_others_are_made(
    auth_client, send, company
):
    rows = [
        {"email": "ann@example.com", "role": "company_user", "lastName": 0},
        {"email": "ben@example.com", "role": "company_user"},
        {"email": ["cat@example.com"], "role": True},
    ]

    response = send(auth_client, "post", f"companies/{company['companyId']}/invitations/bulk", {"invitations": rows})

    assert response.status_code == status.HTTP_207_MULTI_STATUS
    results = response.json()["results"]
    assert [(result["index"], result["outcome"], result["error"]) for result in results] == [
        (0, "invalid", {"code": "validation_error", "message": MESSAGE_VALIDATION,
                        "fields": {"lastName": wrong_type("a string", "a number")}}),
        (1, "created", None),
        (2, "invalid", {"code": "validation_error", "message": MESSAGE_VALIDATION,
                        "fields": {"email": wrong_type("a string", "an array"),
                                   "role": wrong_type("a string", "true or false")}}),
    ]  # fmt: skip
    assert_documented(response)
    assert list(UserInvitation.objects.values_list("invited_email", flat=True)) == ["ben@example.com"]


def test_a_reason_is_taken_only_as_a_string_wherever_one_is_given(auth_client, send, company, add_member):
    cid = company["companyId"]
    member = add_member(cid, "crew@example.com")
    invitations = f"companies/{cid}/invitations"
    invitation = send(auth_client, "post", invitations, {"email": "g@example.com", "role": "company_user"}).json()
    token = link_token(mail.outbox[-1])

    answers = [
        send(auth_client, "delete", f"companies/{cid}/members/{member.pk}", {"reason": 0}),
        send(auth_client, "patch", f"companies/{cid}/members/{member.pk}", {"role": "company_viewer", "reason": 0}),
        send(auth_client, "post", f"{invitations}/{invitation['invitationId']}/cancel", {"reason": 0}),
        send(APIClient(), "post", f"invitations/{token}/decline", {"reason": 0}),
    ]

    for response in answers:
        assert response.json() == invalid(response, {"reason": wrong_type("a string", "a number")})
        assert_documented(response)
    member.refresh_from_db()
    assert (member.is_deleted, member.role.code) == (False, "company_user")
    assert UserInvitation.objects.get().status.code == "pending"
    assert UserCompany.objects.count() == 2


# The document ------------------------------------------------------------------------------


def _properties(component: str) -> dict:
    return openapi_document()["components"]["schemas"][component]["properties"]


def test_the_codes_and_numbers_of_a_company_are_documented_with_their_patterns():
    create = _properties("CompanyCreateInputRequest")
    blank = {"type": "string", "maxLength": 0}

    assert create["countryCode"] == {"type": "string", "minLength": 1, "pattern": "^[A-Za-z]{2}$", "maxLength": 2}
    assert create["abn"]["oneOf"] == [
        {"type": "string", "pattern": "^[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}$", "maxLength": 14},
        blank,
    ]
    assert create["acn"]["oneOf"] == [
        {"type": "string", "pattern": "^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$", "maxLength": 11},
        blank,
    ]
    assert create["industryCode"]["oneOf"] == [{"type": "string", "pattern": "^[A-Za-z0-9]+$", "maxLength": 10}, blank]
    assert create["stateCode"] == {"type": "string", "maxLength": 10}
    assert _properties("BillingDetailsIORequest")["billingCountryCode"]["oneOf"] == [
        {"type": "string", "pattern": "^[A-Za-z]{2}$", "maxLength": 2},
        blank,
    ]
    assert _properties("OrganizerDetailsIORequest")["socialLinks"]["type"] == "object"


def test_roles_and_statuses_are_documented_as_enums():
    schemas = openapi_document()["components"]["schemas"]
    role = {"$ref": "#/components/schemas/RoleEnum"}
    status_parameter = next(
        parameter
        for parameter in openapi_document()["paths"]["/api/v1/companies/{company_id}/invitations"]["get"]["parameters"]
        if parameter["name"] == "status"
    )

    assert schemas["RoleEnum"]["enum"] == ["company_admin", "company_user", "company_viewer"]
    assert _properties("InvitationCreateInputRequest")["role"] == role
    assert _properties("MemberRoleInputRequest")["role"] == role
    # Empty is every status, as absent is.
    assert status_parameter["schema"]["enum"] == ["pending", "accepted", "declined", "expired", "cancelled", ""]


def test_a_bulk_row_is_documented_as_the_single_create_or_any_value_since_a_bad_row_is_its_own_result():
    invitations = _properties("BulkInvitationInputRequest")["invitations"]

    assert (invitations["type"], invitations["minItems"], invitations["maxItems"]) == ("array", 1, 100)
    row, anything = invitations["items"]["anyOf"]
    assert row == {"$ref": "#/components/schemas/InvitationCreateInputRequest"}
    assert set(anything) == {"description"}  # no constraint: the server takes any row, and answers it
