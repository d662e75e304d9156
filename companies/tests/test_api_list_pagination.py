"""The member and invitation lists, a page at a time, over HTTP (spec/api.md, "Teams": every list is
cursor-paginated, ``{"results": [...], "next": "<cursor or null>"}``, ``?limit=`` 1 to 200).

Rows are written straight to the database, with their times chosen: the order (members by
joining date, invitations newest first, ties by id) is what is tested, and the times put ties
and an id order unlike the time order in every walk.
"""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import status

from companies.apis import MESSAGE_INVITATION_STATUS
from companies.models import UserCompany, UserInvitation
from eventlead.core.exceptions import MESSAGE_VALIDATION
from eventlead.core.pagination import MESSAGE_CURSOR, MESSAGE_LIMIT, cursor_encode
from eventlead.testing.openapi import assert_documented
from reference.models import JoinedVia, UserCompanyRole, UserCompanyStatus, UserInvitationStatus
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

API = "/api/v1/companies"
START = timezone.now().replace(microsecond=0) - timedelta(days=30)


def iso(moment):
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def member_body(membership: UserCompany) -> dict:
    return {
        "userCompanyId": membership.pk,
        "userId": membership.user_id,
        "email": membership.user.email,
        "firstName": membership.user.first_name,
        "lastName": membership.user.last_name,
        "role": membership.role.code,
        "status": membership.status.code,
        "joinedVia": membership.joined_via.code,
        "joinedDate": iso(membership.joined_date),
        "isPrimary": membership.is_primary,
        "removedDate": iso(membership.removed_date),
        "removalReason": membership.removal_reason,
    }


def invitation_body(invitation: UserInvitation) -> dict:
    return {
        "invitationId": invitation.pk,
        "invitedEmail": invitation.invited_email,
        "invitedFirstName": invitation.invited_first_name,
        "invitedLastName": invitation.invited_last_name,
        "role": invitation.role.code,
        "status": invitation.status.code,  # none of these is past its expiry
        "invitedBy": invitation.invited_by.email,
        "invitedAt": iso(invitation.invited_at),
        "expiresAt": iso(invitation.expires_at),
        "acceptedAt": None,
        "declinedAt": None,
        "declineReason": "",
        "cancelledAt": iso(invitation.cancelled_at),
        "cancellationReason": invitation.cancellation_reason,
        "resendCount": 0,
        "lastResentAt": None,
    }


def error(response, fields: dict) -> dict:
    return {
        "error": {
            "code": "validation_error",
            "message": MESSAGE_VALIDATION,
            "fields": fields,
            "requestId": response["X-Request-ID"],
        }
    }


@pytest.fixture
def company_id(company):
    return company["companyId"]


@pytest.fixture
def add_members(make_user):
    """``count`` company users of a company, joined on ``joined(n)``; the memberships in id order."""

    def add(company_id, count, joined, prefix="member"):
        return [
            UserCompany.objects.create(
                user=make_user(f"{prefix}-{n:03d}@example.com", None, first_name="Member", last_name=f"{n:03d}"),
                company_id=company_id,
                role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER),
                status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
                joined_via_id=reference_id(JoinedVia, JoinedVia.INVITATION),
                joined_date=joined(n),
            )
            for n in range(count)
        ]

    return add


@pytest.fixture
def add_invitations(user):
    """``count`` invitations of a company sent on ``sent(n)``, cancelled where ``cancelled(n)``."""

    def add(company_id, count, sent, cancelled=lambda n: False, prefix="guest"):
        created = []
        for n in range(count):
            invited_at = sent(n)
            created.append(
                UserInvitation.objects.create(
                    company_id=company_id,
                    invited_email=f"{prefix}-{n:03d}@example.com",
                    invited_first_name=f"Guest {n}" if n % 2 else "",
                    role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER),
                    status_id=reference_id(
                        UserInvitationStatus,
                        UserInvitationStatus.CANCELLED if cancelled(n) else UserInvitationStatus.PENDING,
                    ),
                    token_hash=hashlib.sha256(f"{prefix}-{company_id}-{n}".encode()).hexdigest(),
                    invited_by=user,
                    invited_at=invited_at,
                    expires_at=timezone.now() + timedelta(days=7),
                    cancelled_at=invited_at + timedelta(hours=1) if cancelled(n) else None,
                    cancellation_reason="Wrong address" if cancelled(n) else "",
                )
            )
        return created

    return add


def walk(client, path, **query):
    """Every page of a list, following ``next`` from the first page (which ``query`` asks for)."""
    pages = []
    while len(pages) <= 300:  # a cursor that never ends fails in the test, not by hanging
        response = client.get(path, query)
        assert response.status_code == status.HTTP_200_OK, response.content
        assert_documented(response)
        body = response.json()
        assert set(body) == {"results", "next"}
        pages.append(body["results"])
        if body["next"] is None:
            return pages
        query = {**query, "cursor": body["next"]}
    raise AssertionError("the list did not end")


def in_members_order(memberships):
    return sorted(memberships, key=lambda membership: (membership.joined_date, membership.pk))


def newest_first(invitations):
    return sorted(invitations, key=lambda invitation: (invitation.invited_at, invitation.pk), reverse=True)


def members_of(company_id):
    """The company's memberships as the database holds them, with what their bodies show."""
    return list(
        UserCompany.objects.filter(company_id=company_id).select_related("user", "role", "status", "joined_via")
    )


def invitations_of(company_id):
    return list(UserInvitation.objects.filter(company_id=company_id).select_related("role", "status", "invited_by"))


# Walking the lists ----------------------------------------------------------------------------


def test_250_members_come_in_5_pages_of_50_each_once_in_joining_order(auth_client, company_id, add_members):
    # 249 and the admin; joining times in a different order from the ids, three members to each.
    added = add_members(company_id, 249, lambda n: START + timedelta(minutes=(n * 37) % 83))
    everyone = in_members_order(members_of(company_id))

    pages = walk(auth_client, f"{API}/{company_id}/members", limit="50")

    assert len(everyone) == 250 and len(added) == 249
    assert pages == [[member_body(row) for row in everyone[start : start + 50]] for start in range(0, 250, 50)]
    assert len({row["userCompanyId"] for page in pages for row in page}) == 250


@pytest.mark.parametrize("limit", [1, 7, 50, 200])
def test_invitations_come_newest_first_each_once_at_any_page_size(auth_client, company_id, add_invitations, limit):
    # Two invitations to each second, in an order unlike their ids'.
    add_invitations(company_id, 60, lambda n: START + timedelta(seconds=(n * 7) % 30))
    expected = [invitation_body(row) for row in newest_first(invitations_of(company_id))]

    pages = walk(auth_client, f"{API}/{company_id}/invitations", limit=str(limit))

    assert pages == [expected[start : start + limit] for start in range(0, 60, limit)]


def test_the_default_page_is_50_rows_and_the_rest_follow(auth_client, company_id, add_members, add_invitations):
    add_members(company_id, 60, lambda n: START + timedelta(seconds=n))
    add_invitations(company_id, 51, lambda n: START + timedelta(seconds=n))

    members = walk(auth_client, f"{API}/{company_id}/members")
    invitations = walk(auth_client, f"{API}/{company_id}/invitations")

    assert [len(page) for page in members] == [50, 11]
    assert [len(page) for page in invitations] == [50, 1]
    assert invitations[1][0]["invitedEmail"] == "guest-000@example.com"


def test_a_status_filter_pages_through_only_its_invitations(auth_client, company_id, add_invitations):
    every_third = lambda n: n % 3 == 0  # noqa: E731
    add_invitations(company_id, 45, lambda n: START + timedelta(seconds=(n * 11) % 20), every_third)
    invitations = newest_first(invitations_of(company_id))
    cancelled = [invitation_body(row) for row in invitations if row.status.code == "cancelled"]
    pending = [invitation_body(row) for row in invitations if row.status.code == "pending"]

    cancelled_pages = walk(auth_client, f"{API}/{company_id}/invitations", status="cancelled", limit="4")
    pending_pages = walk(auth_client, f"{API}/{company_id}/invitations", status="pending", limit="25")

    assert cancelled_pages == [cancelled[start : start + 4] for start in range(0, 15, 4)]
    assert pending_pages == [pending[:25], pending[25:]]


def test_a_member_who_joins_between_pages_comes_last_and_shifts_nothing(auth_client, company_id, add_members):
    add_members(company_id, 4, lambda n: START + timedelta(days=n))
    path = f"{API}/{company_id}/members"
    first = auth_client.get(path, {"limit": "2"}).json()
    newcomer = add_members(company_id, 1, lambda n: timezone.now() + timedelta(seconds=1), prefix="newcomer")[0]

    rest = walk(auth_client, path, limit="2", cursor=first["next"])

    everyone = in_members_order(members_of(company_id))
    listed = first["results"] + [row for page in rest for row in page]
    assert listed == [member_body(row) for row in everyone]
    assert listed[-1]["userCompanyId"] == newcomer.pk


# Limits and cursors ---------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5", "", "٣"])
@pytest.mark.parametrize("route", ["members", "invitations"])
def test_a_limit_outside_1_to_200_is_a_field_error(auth_client, company_id, route, limit):
    response = auth_client.get(f"{API}/{company_id}/{route}", {"limit": limit})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, {"limit": [MESSAGE_LIMIT]})
    assert_documented(response)


def test_200_is_the_largest_page(auth_client, company_id, add_members, add_invitations):
    add_members(company_id, 200, lambda n: START + timedelta(seconds=n))  # and the admin
    add_invitations(company_id, 201, lambda n: START + timedelta(seconds=n))

    for route in ("members", "invitations"):
        body = auth_client.get(f"{API}/{company_id}/{route}", {"limit": "200"}).json()
        assert (len(body["results"]), body["next"] is not None) == (200, True)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


POSITION = '["2026-01-01T00:00:00+00:00", 5]'
FORGED_CURSORS = {
    "garbage": "garbage",
    "unsigned": b64(POSITION),
    "bad_signature": b64(POSITION) + ".AAAA",
    "sessions_cursor": cursor_encode(json.loads(POSITION), list_name="sessions"),
    "activity_cursor": cursor_encode(json.loads(POSITION), list_name="activity"),
    "three_items": cursor_encode([1, 2, 3], list_name="members"),
    "text_id": cursor_encode(["2026-01-01T00:00:00+00:00", "5"], list_name="members"),
    "naive_time": cursor_encode(["2026-01-01T00:00:00", 5], list_name="members"),
}


@pytest.mark.parametrize("cursor", FORGED_CURSORS.values(), ids=FORGED_CURSORS.keys())
def test_a_cursor_the_member_list_did_not_give_is_a_field_error(auth_client, company_id, cursor):
    response = auth_client.get(f"{API}/{company_id}/members", {"cursor": cursor})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, {"cursor": [MESSAGE_CURSOR]})
    assert_documented(response)


@pytest.mark.parametrize("route, other", [("members", "invitations"), ("invitations", "members")])
def test_a_cursor_of_the_other_list_is_a_field_error(
    auth_client, company_id, add_members, add_invitations, route, other
):
    add_members(company_id, 3, lambda n: START + timedelta(seconds=n))
    add_invitations(company_id, 3, lambda n: START + timedelta(seconds=n))
    cursor = auth_client.get(f"{API}/{company_id}/{other}", {"limit": "1"}).json()["next"]

    response = auth_client.get(f"{API}/{company_id}/{route}", {"cursor": cursor})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, {"cursor": [MESSAGE_CURSOR]})


def test_a_cursor_altered_by_the_client_is_a_field_error(auth_client, company_id, add_invitations):
    add_invitations(company_id, 3, lambda n: START + timedelta(seconds=n))
    cursor = auth_client.get(f"{API}/{company_id}/invitations", {"limit": "1"}).json()["next"]
    payload, signature = cursor.split(".")
    moment, key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = b64(json.dumps([moment, key + 1]))

    genuine = auth_client.get(f"{API}/{company_id}/invitations", {"cursor": cursor})
    response = auth_client.get(f"{API}/{company_id}/invitations", {"cursor": f"{forged}.{signature}"})

    assert genuine.status_code == status.HTTP_200_OK
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, {"cursor": [MESSAGE_CURSOR]})


# The other company's rows are half a day after this one's: its third row's place falls between
# this company's third and fourth members, and between its second and third invitations.
@pytest.mark.parametrize(("route", "after"), [("members", 3), ("invitations", 2)])
def test_another_companys_cursor_only_positions_within_this_company(
    auth_client, send, company_id, add_members, add_invitations, route, after
):
    other_id = send(auth_client, "post", "companies", {"companyName": "Other Events", "countryCode": "AU"}).json()[
        "companyId"
    ]
    for company, offset in ((company_id, timedelta(0)), (other_id, timedelta(hours=12))):
        day = lambda n, offset=offset: START + timedelta(days=n) + offset  # noqa: E731
        add_members(company, 6, day, prefix=f"member-{company}")
        add_invitations(company, 6, day, prefix=f"guest-{company}")
    others = auth_client.get(f"{API}/{other_id}/{route}", {"limit": "3"}).json()
    ours = auth_client.get(f"{API}/{company_id}/{route}", {"limit": "100"}).json()["results"]

    response = auth_client.get(f"{API}/{company_id}/{route}", {"cursor": others["next"], "limit": "100"})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"results": ours[after:], "next": None}
    assert len(ours) in (6, 7)  # the members with the admin, who joined today


# Status -------------------------------------------------------------------------------------


@pytest.mark.parametrize("wanted", ["unknown", "PENDING", "pending ", "expired,pending"])
def test_an_unknown_status_is_a_field_error_naming_the_allowed_ones(auth_client, company_id, wanted):
    response = auth_client.get(f"{API}/{company_id}/invitations", {"status": wanted})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, {"status": [MESSAGE_INVITATION_STATUS]})
    assert MESSAGE_INVITATION_STATUS == "Use one of: pending, accepted, declined, expired, cancelled."
    assert_documented(response)


def test_an_empty_status_is_no_filter(auth_client, company_id, add_invitations):
    add_invitations(company_id, 3, lambda n: START + timedelta(seconds=n), lambda n: n == 1)

    response = auth_client.get(f"{API}/{company_id}/invitations", {"status": ""})

    expected = [invitation_body(row) for row in newest_first(invitations_of(company_id))]
    assert response.json() == {"results": expected, "next": None}


def test_a_non_admin_is_refused_before_the_status_is_read(client_for, add_member, company_id):
    add_member(company_id, "viewer@example.com")

    response = client_for("viewer@example.com").get(f"{API}/{company_id}/invitations", {"status": "unknown"})

    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission_denied")


# Queries -------------------------------------------------------------------------------------

# The session with its user; the caller's membership; one page of rows with their joins.
QUERIES_OF_A_PAGE = 3


@pytest.mark.parametrize(("rows", "shown"), [(1, 1), (120, 50)])
@pytest.mark.parametrize("route", ["members", "invitations"])
def test_the_first_page_costs_the_same_queries_at_1_row_and_at_a_full_page(
    auth_client, company_id, add_members, add_invitations, django_assert_num_queries, rows, shown, route
):
    add_members(company_id, rows - 1, lambda n: START + timedelta(seconds=n))  # and the admin
    add_invitations(company_id, rows, lambda n: START + timedelta(seconds=n))
    path = f"{API}/{company_id}/{route}"
    auth_client.get(path)  # warm the per-process caches and compile the first page's query

    with django_assert_num_queries(QUERIES_OF_A_PAGE):
        response = auth_client.get(path)

    assert len(response.json()["results"]) == shown


@pytest.mark.parametrize("limit", ["1", "50", "200"])
@pytest.mark.parametrize("route", ["members", "invitations"])
def test_a_page_after_a_cursor_costs_the_same_queries(
    auth_client, company_id, add_members, add_invitations, django_assert_num_queries, limit, route
):
    add_members(company_id, 259, lambda n: START + timedelta(seconds=n))  # and the admin
    add_invitations(company_id, 260, lambda n: START + timedelta(seconds=n))
    path = f"{API}/{company_id}/{route}"
    cursor = auth_client.get(path, {"limit": "10"}).json()["next"]

    with django_assert_num_queries(QUERIES_OF_A_PAGE):
        response = auth_client.get(path, {"cursor": cursor, "limit": limit})

    assert len(response.json()["results"]) == int(limit)


@pytest.mark.parametrize("limit", ["1", "50"])
def test_a_page_of_one_status_costs_the_same_queries(
    auth_client, company_id, add_invitations, django_assert_num_queries, limit
):
    add_invitations(company_id, 120, lambda n: START + timedelta(seconds=n), lambda n: n % 2 == 1)
    path = f"{API}/{company_id}/invitations"
    cursor = auth_client.get(path, {"status": "cancelled", "limit": "1"}).json()["next"]

    with django_assert_num_queries(QUERIES_OF_A_PAGE):
        first = auth_client.get(path, {"status": "cancelled", "limit": limit})
    with django_assert_num_queries(QUERIES_OF_A_PAGE):
        later = auth_client.get(path, {"status": "cancelled", "limit": limit, "cursor": cursor})

    assert len(first.json()["results"]) == len(later.json()["results"]) == int(limit)
    assert {row["status"] for row in first.json()["results"] + later.json()["results"]} == {"cancelled"}
