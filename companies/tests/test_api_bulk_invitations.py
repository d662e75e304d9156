"""POST /companies/{id}/invitations/bulk: one result per row, the rows that can be made made, emails queued."""

import pytest
from rest_framework import status

from accounts.addresses import MESSAGE_INVALID
from auditing.models import ActivityLog
from companies.invitations import (
    ACTION_BULK_CREATED,
    MESSAGE_ALREADY_INVITED,
    MESSAGE_ALREADY_MEMBER,
    MESSAGE_DUPLICATE,
    MESSAGE_RECIPIENT_LIMIT,
)
from companies.models import UserInvitation
from companies.seats import MESSAGE_SEATS_FULL
from eventlead.core.exceptions import MESSAGE_VALIDATION, MfaRequired
from eventlead.core.strict import MESSAGE_WRONG_TYPE
from eventlead.testing.openapi import assert_documented
from logging_app.models import EmailDelivery

from .team_support import not_found, plan

pytestmark = pytest.mark.django_db

MESSAGE_ROLE = "Choose company_admin, company_user or company_viewer."
SEATS = 88  # the admin, the crew member, the pending invitation and 85 new ones


@pytest.fixture
def cid(company):
    plan(company["companyId"])
    return company["companyId"]


@pytest.fixture
def bulk(auth_client, cid, send):
    def do(rows, client=auth_client):
        return send(client, "post", f"companies/{cid}/invitations/bulk", {"invitations": rows})

    return do


def row(email, role="company_user", **names):
    return {"email": email, "role": role, **names}


def refused(index, email, outcome, reason, code, message, fields=None):
    error = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"index": index, "email": email, "outcome": outcome, "reason": reason, "invitation": None, "error": error}


def invalid(index, fields, email=None):
    return refused(index, email, "invalid", "validation_error", "validation_error", MESSAGE_VALIDATION, fields)


def created(index, body, email, role="company_user", first_name="", last_name=""):
    """The result of a created row: the invitation as the single create returns it."""
    invitation = body["results"][index]["invitation"]
    return {
        "index": index,
        "email": email,
        "outcome": "created",
        "reason": None,
        "invitation": {
            "invitationId": UserInvitation.objects.get(invited_email=email, status__code="pending").pk,
            "invitedEmail": email,
            "invitedFirstName": first_name,
            "invitedLastName": last_name,
            "role": role,
            "status": "pending",
            "invitedBy": "member@example.com",
            "invitedAt": invitation["invitedAt"],
            "expiresAt": invitation["expiresAt"],
            "acceptedAt": None,
            "declinedAt": None,
            "declineReason": "",
            "cancelledAt": None,
            "cancellationReason": "",
            "resendCount": 0,
            "lastResentAt": None,
        },
        "error": None,
    }


def test_a_hundred_rows_with_every_outcome_make_the_rows_that_can_be_made_and_email_exactly_them(
    cid, bulk, auth_client, send, add_member, set_setting, smtp_server
):
    set_setting("email.invitation_emails_per_recipient", 1)
    plan(cid, max_users=SEATS)
    add_member(cid, "crew@example.com")
    invitations = f"companies/{cid}/invitations"
    assert send(auth_client, "post", invitations, row("pending@example.com")).status_code == 201
    spammed = send(auth_client, "post", invitations, row("spammed@example.com")).json()["invitationId"]
    send(auth_client, "post", f"{invitations}/{spammed}/cancel", {"reason": "wrong team"})  # its one email is spent
    before = len(smtp_server.messages)
    new = [f"new{n:02d}@example.com" for n in range(91)]
    rows = [
        row("crew@example.com"),
        row("Pending@Example.com"),
        row("spammed@example.com"),
        row("not-an-email"),
        row("x@example.com", role="owner"),
        "just a string",
        {"role": "company_user"},
        row(new[0], role="company_viewer", firstName="Ann", lastName="Lee"),
        row(new[0].upper()),
        row("long@example.com", firstName="x" * 101),
        *[row(email) for email in new[1:]],
    ]
    assert len(rows) == 100

    response = bulk(rows)

    assert response.status_code == status.HTTP_207_MULTI_STATUS
    assert_documented(response)
    body = response.json()
    made = [new[0], *new[1:85]]
    expected = [
        refused(0, "crew@example.com", "conflict", "active_member", "conflict", MESSAGE_ALREADY_MEMBER),
        refused(1, "pending@example.com", "conflict", "pending_invitation", "conflict", MESSAGE_ALREADY_INVITED),
        refused(2, "spammed@example.com", "limited", "email_limit", "throttled", MESSAGE_RECIPIENT_LIMIT),
        invalid(3, {"email": [MESSAGE_INVALID]}),
        invalid(4, {"role": [MESSAGE_ROLE]}, email="x@example.com"),
        invalid(5, {"nonFieldErrors": ["Invalid data. Expected a dictionary, but got str."]}),
        invalid(6, {"email": ["This field is required."]}),
        created(7, body, new[0], role="company_viewer", first_name="Ann", last_name="Lee"),
        refused(8, new[0], "conflict", "duplicate", "conflict", MESSAGE_DUPLICATE),
        invalid(9, {"firstName": ["Ensure this field has no more than 100 characters."]}),
        *[created(index, body, email) for index, email in enumerate(new[1:85], start=10)],
        *[
            refused(index, email, "limited", "max_users", "conflict", MESSAGE_SEATS_FULL.format(limit=SEATS))
            for index, email in enumerate(new[85:], start=94)
        ],
    ]
    assert len(expected) == 100
    for position, (result, wanted) in enumerate(zip(body["results"], expected, strict=True)):
        assert result == wanted, position
    assert body == {"results": expected}

    # Exactly the created rows, each once, were sent, through the queue (one delivery row each).
    received = smtp_server.messages[before:]
    assert sorted(address for message in received for address in message.rcpt_tos) == sorted(made)
    assert {message.subject for message in received} == {"You're invited to join Acme Events on EventLead"}
    assert EmailDelivery.objects.filter(recipient_email__in=made).count() == 85
    assert EmailDelivery.objects.filter(recipient_email="spammed@example.com").count() == 1
    # Refused rows left nothing behind.
    assert set(UserInvitation.objects.filter(status__code="pending").values_list("invited_email", flat=True)) == {
        "pending@example.com",
        *made,
    }
    # One audit row per invitation, plus the bulk action's.
    created_ids = [result["invitation"]["invitationId"] for result in body["results"] if result["invitation"]]
    assert sorted(
        ActivityLog.objects.filter(action="invitation_created", entity_id__in=map(str, created_ids)).values_list(
            "entity_id", flat=True
        )
    ) == sorted(map(str, created_ids))
    assert ActivityLog.objects.filter(action="invitation_created").count() == 85 + 2
    action = ActivityLog.objects.get(action=ACTION_BULK_CREATED)
    assert (action.company_id, action.entity_type, action.entity_id) == (cid, "Company", str(cid))
    assert action.new_values == {
        "rows": 100,
        "created": 85,
        "conflict": 3,
        "invalid": 5,
        "limited": 7,
        "invitations": created_ids,
    }


def test_an_invalid_row_claims_no_address_so_its_corrected_copy_is_made(bulk, auth_client, cid, send):
    send(auth_client, "post", f"companies/{cid}/invitations", row("pending@example.com"))
    rows = [
        row("dup@example.com", role="owner"),
        row("DUP@example.com", role="company_viewer"),
        row("dup@example.com"),
        row("pending@example.com"),
        row("pending@example.com"),
    ]

    results = bulk(rows).json()["results"]

    assert [(result["outcome"], result["reason"]) for result in results] == [
        ("invalid", "validation_error"),
        ("created", None),
        ("conflict", "duplicate"),
        ("conflict", "pending_invitation"),
        ("conflict", "duplicate"),  # a refused row claims its address too
    ]
    assert UserInvitation.objects.get(invited_email="dup@example.com").role.code == "company_viewer"


def test_the_free_plan_invites_one_and_limits_the_rest(bulk, cid):
    plan(cid, tier="free")

    response = bulk([row("one@example.com"), row("two@example.com")])

    results = response.json()["results"]
    assert [(result["outcome"], result["reason"]) for result in results] == [
        ("created", None),
        ("limited", "max_users"),
    ]
    assert results[1]["error"] == {"code": "conflict", "message": MESSAGE_SEATS_FULL.format(limit=2)}


@pytest.mark.parametrize(
    ("invitations", "message"),
    [
        ([row(f"guest{n}@example.com") for n in range(101)], "Ensure this field has no more than 100 elements."),
        ([], "Ensure this field has at least 1 elements."),
        ("guest@example.com", MESSAGE_WRONG_TYPE.format(expected="an array", given="a string")),
    ],
)
def test_a_body_without_one_to_a_hundred_rows_is_a_400_that_makes_nothing(bulk, invitations, message):
    response = bulk(invitations)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": MESSAGE_VALIDATION,
            "fields": {"invitations": [message]},
            "requestId": response["X-Request-ID"],
        }
    }
    assert_documented(response)
    assert not UserInvitation.objects.exists()
    assert not ActivityLog.objects.filter(action=ACTION_BULK_CREATED).exists()


def test_only_a_company_admin_may_invite_in_bulk(bulk, cid, add_member, client_for, make_user):
    add_member(cid, "crew@example.com")
    make_user("stranger@example.com")

    as_member = bulk([row("guest@example.com")], client=client_for("crew@example.com"))
    as_stranger = bulk([row("guest@example.com")], client=client_for("stranger@example.com"))

    assert as_member.status_code == status.HTTP_403_FORBIDDEN
    assert as_member.json()["error"]["code"] == "permission_denied"
    assert as_stranger.status_code == status.HTTP_404_NOT_FOUND
    assert as_stranger.json() == not_found(as_stranger)
    assert not UserInvitation.objects.exists()


def test_a_company_requiring_mfa_refuses_its_admin_without_it(bulk, cid):
    from companies.models import Company

    Company.objects.filter(pk=cid).update(require_mfa=True)

    response = bulk([row("guest@example.com")])

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json()["error"] == {
        "code": "mfa_required",
        "message": MfaRequired.message,
        "requestId": response["X-Request-ID"],
    }


def test_each_row_costs_a_fixed_number_of_queries(auth_client, cid, django_assert_num_queries):
    path = f"/api/v1/companies/{cid}/invitations/bulk"

    def post(*emails):
        # The emails are sent after commit, by the worker: not the request's queries.
        response = auth_client.post(path, {"invitations": [row(email) for email in emails]}, format="json")
        assert response.status_code == status.HTTP_207_MULTI_STATUS

    post("warm@example.com")  # settings and reference ids cached, as in a running server
    with django_assert_num_queries(QUERIES_FIXED + QUERIES_PER_ROW):
        post("one@example.com")
    with django_assert_num_queries(QUERIES_FIXED + 3 * QUERIES_PER_ROW):
        post("two@example.com", "three@example.com", "four@example.com")


# Authentication; the admin's membership; the service's savepoint pair; the lock of the rows'
# addresses' pending invitations; the bulk's activity row; the created invitations read back.
QUERIES_FIXED = 7
# The row's savepoint pair; the role; whether the address is a member's; its pending invitations
# (locked); the company lock and the seat count; the insert in its own savepoint pair; the email
# limit's lock and count; the delivery row; the invitation's activity row.
QUERIES_PER_ROW = 14
