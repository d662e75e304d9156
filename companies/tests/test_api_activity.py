"""GET /companies/{id}/activity over HTTP: the company's audit trail, for its admins only.

One feed of three audit tables (actions, role changes, the company's snapshots), newest first,
cursor-paginated; never a row of another company, whatever the filters or the cursor.
"""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework import status
from rest_framework.test import APIClient

from accounts.models import User
from auditing.models import ActivityLog, AuditCompany, AuditRole, Operation, RoleScope
from companies.access import MESSAGE_ADMINS_ONLY
from companies.activity_serializers import (
    MESSAGE_ACTION,
    MESSAGE_ACTOR,
    MESSAGE_MOMENT,
    MESSAGE_UNTIL_NOT_AFTER_SINCE,
)
from companies.models import Company, UserCompany, UserInvitation
from eventlead.core.exceptions import MESSAGE_NOT_FOUND, MESSAGE_VALIDATION, MfaRequired
from eventlead.core.pagination import MESSAGE_CURSOR, MESSAGE_LIMIT, cursor_encode
from eventlead.testing.openapi import assert_documented
from reference.models import UserCompanyRole

from .conftest import link_token

pytestmark = pytest.mark.django_db

# Planted rows are this far in the future, so they come before the rows the fixtures wrote.
LATER = timedelta(days=1)


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def error(response, code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    body["requestId"] = response["X-Request-ID"]
    return {"error": body}


def activity(client, company_id, **query):
    return client.get(f"/api/v1/companies/{company_id}/activity", query)


def person(user) -> dict:
    return {"userId": user.pk, "name": user.full_name, "email": user.email}


def ids(response) -> list[str]:
    assert response.status_code == status.HTTP_200_OK, response.content
    return [entry["id"] for entry in response.json()["results"]]


def role_id(code: str) -> int:
    return UserCompanyRole.objects.get(code=code).pk


@pytest.fixture
def admin(user):
    """The company's admin: ``user``, Mia Nguyen, who created it."""
    return user


@pytest.fixture
def priya(make_user):
    return make_user("priya@example.com", first_name="Priya", last_name="Shah")


@pytest.fixture
def other(client_for, send, admin, add_member):
    """A second tenant, Other Co, created by Olga; Mia is an admin there too."""
    olga = client_for("olga@example.com")
    body = send(olga, "post", "companies", {"companyName": "Other Co", "countryCode": "AU"}).json()
    add_member(body["companyId"], admin.email, role="company_admin")
    return body["companyId"]


class Plant:
    """Audit rows written straight into the tables, at times the test chooses."""

    def __init__(self, company_id: int):
        self.company_id = company_id

    def action(self, at, actor=None, action="company_updated") -> ActivityLog:
        return ActivityLog.objects.create(
            company_id=self.company_id,
            user=actor,
            action=action,
            entity_type="Company",
            entity_id=str(self.company_id),
            created_date=at,
        )

    def role(self, at, actor=None, subject=None, old="company_user", new="company_admin") -> AuditRole:
        return AuditRole.objects.create(
            company_id=self.company_id,
            user=subject or actor,
            role_scope=RoleScope.COMPANY,
            old_role_id=role_id(old) if old else None,
            new_role_id=role_id(new) if new else None,
            changed_by=actor,
            changed_date=at,
        )

    def record(self, at, actor=None) -> AuditCompany:
        return AuditCompany.objects.create(
            company_id=self.company_id,
            operation=Operation.UPDATE,
            changed_fields=["Phone"],
            old_values={"Phone": ""},
            new_values={"Phone": "+61 2 9999 0000"},
            changed_by=actor,
            changed_date=at,
        )

    def all_three(self, at, actor=None) -> list:
        return [self.action(at, actor), self.role(at, actor), self.record(at, actor)]


def entry_id(row) -> str:
    source = {ActivityLog: "activity", AuditRole: "role", AuditCompany: "company"}[type(row)]
    return f"{source}:{row.pk}"


def fixture_rows(company_id: int) -> list[str]:
    """The company's own creation, newest first: the action, the creator's role, the snapshot."""
    return [
        f"activity:{ActivityLog.objects.get(company_id=company_id, action='company_created').pk}",
        f"role:{AuditRole.objects.get(company_id=company_id, old_role_id=None).pk}",
        f"company:{AuditCompany.objects.get(company_id=company_id, operation=Operation.INSERT).pk}",
    ]


# Whole bodies ----------------------------------------------------------------------------------


def test_an_admin_reads_what_happened_newest_first_each_entry_in_a_sentence(
    auth_client, company, send, admin, priya, add_member
):
    cid = company["companyId"]
    send(auth_client, "post", f"companies/{cid}/invitations", {"email": "new.hire@example.com", "role": "company_user"})
    membership = add_member(cid, priya.email)
    send(auth_client, "patch", f"companies/{cid}/members/{membership.pk}", {"role": "company_admin"})
    send(auth_client, "patch", f"companies/{cid}", {"phone": "+61 2 9999 0000", "website": "https://acme.example"})
    action = {row.action: row for row in ActivityLog.objects.filter(company_id=cid)}
    created, changed = AuditCompany.objects.filter(company_id=cid).order_by("pk")
    granted, promoted = AuditRole.objects.filter(company_id=cid).order_by("pk")
    invitation = UserInvitation.objects.get(invited_email="new.hire@example.com")
    mia = person(admin)
    acme = {"type": "company", "id": cid, "label": "Acme Events"}

    response = activity(auth_client, cid)

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {
        "results": [
            {
                "id": f"activity:{action['company_updated'].pk}",
                "action": "company_updated",
                "occurredAt": iso(action["company_updated"].created_date),
                "actor": mia,
                "target": acme,
                "summary": "Mia Nguyen changed the company's profile",
            },
            {
                "id": f"company:{changed.pk}",
                "action": "company_record_changed",
                "occurredAt": iso(changed.changed_date),
                "actor": mia,
                "target": acme,
                "summary": "Company details changed: phone, website",
            },
            {
                "id": f"activity:{action['member_role_changed'].pk}",
                "action": "member_role_changed",
                "occurredAt": iso(action["member_role_changed"].created_date),
                "actor": mia,
                "target": {"type": "member", "id": membership.pk, "label": "Priya Shah"},
                "summary": "Mia Nguyen changed Priya Shah's role to Company administrator",
            },
            {
                "id": f"role:{promoted.pk}",
                "action": "role_changed",
                "occurredAt": iso(promoted.changed_date),
                "actor": mia,
                "target": {"type": "user", "id": priya.pk, "label": "Priya Shah"},
                "summary": "Mia Nguyen changed Priya Shah's role from Company user to Company administrator",
            },
            {
                "id": f"activity:{action['invitation_created'].pk}",
                "action": "invitation_created",
                "occurredAt": iso(action["invitation_created"].created_date),
                "actor": mia,
                "target": {"type": "invitation", "id": invitation.pk, "label": "new.hire@example.com"},
                "summary": "Mia Nguyen invited new.hire@example.com as Company user",
            },
            {
                "id": f"activity:{action['company_created'].pk}",
                "action": "company_created",
                "occurredAt": iso(action["company_created"].created_date),
                "actor": mia,
                "target": acme,
                "summary": "Mia Nguyen created the company Acme Events",
            },
            {
                "id": f"role:{granted.pk}",
                "action": "role_granted",
                "occurredAt": iso(granted.changed_date),
                "actor": mia,
                "target": {"type": "user", "id": admin.pk, "label": "Mia Nguyen"},
                "summary": "Mia Nguyen became Company administrator",
            },
            {
                "id": f"company:{created.pk}",
                "action": "company_record_created",
                "occurredAt": iso(created.changed_date),
                "actor": mia,
                "target": acme,
                "summary": "Company record created",
            },
        ],
        "next": None,
    }
    assert_documented(response)


def test_an_invitation_from_sending_to_leaving_reads_as_sentences(auth_client, company, send, admin, priya, client_for):
    cid = company["companyId"]
    invitations = f"companies/{cid}/invitations"
    guest = send(auth_client, "post", invitations, {"email": "guest@example.com", "role": "company_user"}).json()
    send(auth_client, "post", f"{invitations}/{guest['invitationId']}/cancel", {"reason": "Wrong address"})
    send(auth_client, "post", invitations, {"email": "visitor@example.com", "role": "company_viewer"})
    send(APIClient(), "post", f"invitations/{link_token_of('visitor@example.com')}/decline", {})
    send(auth_client, "post", invitations, {"email": priya.email, "role": "company_user"})
    priya_client = client_for(priya.email)
    assert send(priya_client, "post", f"invitations/{link_token_of(priya.email)}/accept", {}).status_code == 200
    assert send(priya_client, "post", f"companies/{cid}/leave").status_code == 200
    first = ActivityLog.objects.filter(company_id=cid, action="invitation_created").earliest("created_date")
    rows = {
        (row.action, row.entity_id): row
        for row in ActivityLog.objects.filter(company_id=cid, created_date__gte=first.created_date)
    }
    joined, left = AuditRole.objects.filter(company_id=cid, user=priya).order_by("pk")
    invitation = {row.invited_email: row.pk for row in UserInvitation.objects.filter(company_id=cid)}
    membership = UserCompany.objects.get(company_id=cid, user=priya)

    def done(action, key, actor, target, summary):
        row = rows[(action, str(key))]
        return {
            "id": f"activity:{row.pk}",
            "action": action,
            "occurredAt": iso(row.created_date),
            "actor": actor,
            "target": target,
            "summary": summary,
        }

    def sent_to(email):
        return {"type": "invitation", "id": invitation[email], "label": email}

    mia, shah = person(admin), person(priya)

    response = activity(auth_client, cid, since=iso(first.created_date))

    assert response.json() == {
        "results": [
            done(
                "member_left",
                membership.pk,
                shah,
                {"type": "member", "id": membership.pk, "label": "Priya Shah"},
                "Priya Shah left the company",
            ),
            {
                "id": f"role:{left.pk}",
                "action": "role_removed",
                "occurredAt": iso(left.changed_date),
                "actor": shah,
                "target": {"type": "user", "id": priya.pk, "label": "Priya Shah"},
                "summary": "Priya Shah gave up the role Company user",
            },
            done(
                "invitation_accepted",
                invitation[priya.email],
                shah,
                sent_to(priya.email),
                "Priya Shah accepted the invitation to priya@example.com",
            ),
            {
                "id": f"role:{joined.pk}",
                "action": "role_granted",
                "occurredAt": iso(joined.changed_date),
                "actor": shah,
                "target": {"type": "user", "id": priya.pk, "label": "Priya Shah"},
                "summary": "Priya Shah became Company user",
            },
            done(
                "invitation_created",
                invitation[priya.email],
                mia,
                sent_to(priya.email),
                "Mia Nguyen invited priya@example.com as Company user",
            ),
            done(
                "invitation_declined",
                invitation["visitor@example.com"],
                None,  # the link's anonymous holder
                sent_to("visitor@example.com"),
                "The invitation to visitor@example.com was declined",
            ),
            done(
                "invitation_created",
                invitation["visitor@example.com"],
                mia,
                sent_to("visitor@example.com"),
                "Mia Nguyen invited visitor@example.com as Company viewer",
            ),
            done(
                "invitation_cancelled",
                invitation["guest@example.com"],
                mia,
                sent_to("guest@example.com"),
                "Mia Nguyen cancelled the invitation to guest@example.com",
            ),
            done(
                "invitation_created",
                invitation["guest@example.com"],
                mia,
                sent_to("guest@example.com"),
                "Mia Nguyen invited guest@example.com as Company user",
            ),
        ],
        "next": None,
    }


def link_token_of(email: str) -> str:
    from django.core import mail

    return link_token([message for message in mail.outbox if message.to == [email]][-1])


def test_a_removal_a_role_change_by_the_back_office_and_the_system_read_as_sentences(
    auth_client, company, send, admin, priya, add_member
):
    cid = company["companyId"]
    membership = add_member(cid, priya.email)
    send(auth_client, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "Moved on"})
    removed = ActivityLog.objects.get(company_id=cid, action="member_removed")
    plant = Plant(cid)
    at = removed.created_date + timedelta(seconds=1)
    by_system = plant.role(at, actor=None, subject=priya, old="company_user", new=None)
    unknown = plant.action(at + timedelta(seconds=1), actor=admin, action="company_exported")

    response = activity(auth_client, cid, limit="3")

    assert response.json()["results"] == [
        {
            "id": f"activity:{unknown.pk}",
            "action": "company_exported",
            "occurredAt": iso(unknown.created_date),
            "actor": person(admin),
            "target": {"type": "company", "id": cid, "label": "Acme Events"},
            "summary": "Mia Nguyen: company exported",  # an action this feed has no sentence for yet
        },
        {
            "id": f"role:{by_system.pk}",
            "action": "role_removed",
            "occurredAt": iso(by_system.changed_date),
            "actor": None,
            "target": {"type": "user", "id": priya.pk, "label": "Priya Shah"},
            "summary": "System took the role Company user from Priya Shah",
        },
        {
            "id": f"activity:{removed.pk}",
            "action": "member_removed",
            "occurredAt": iso(removed.created_date),
            "actor": person(admin),
            "target": {"type": "member", "id": membership.pk, "label": "Priya Shah"},
            "summary": "Mia Nguyen removed Priya Shah from the company",
        },
    ]


def test_a_member_is_named_by_their_address_when_they_gave_no_name(auth_client, company, send, make_user, add_member):
    cid = company["companyId"]
    nameless = make_user("nameless@example.com", first_name="", last_name="")
    membership = add_member(cid, nameless.email)
    send(auth_client, "patch", f"companies/{cid}/members/{membership.pk}", {"role": "company_viewer"})

    [changed, role] = activity(auth_client, cid, limit="2").json()["results"]

    assert (changed["target"], changed["summary"]) == (
        {"type": "member", "id": membership.pk, "label": "nameless@example.com"},
        "Mia Nguyen changed nameless@example.com's role to Company viewer",
    )
    assert role["summary"] == "Mia Nguyen changed nameless@example.com's role from Company user to Company viewer"


# Pages -----------------------------------------------------------------------------------------


def test_120_entries_come_in_three_pages_of_50_each_once_newest_first(auth_client, company, admin):
    cid = company["companyId"]
    plant, base = Plant(cid), datetime.now(UTC) + LATER
    # Mostly two rows of each source at one instant: ties in time are broken by source
    # (action, role change, snapshot), then by id, newest first; the pages end inside such ties.
    newest_first: list[str] = []
    for second in range(20):
        at = base - timedelta(seconds=second)
        first = plant.all_three(at, admin)
        then = plant.all_three(at, admin) if second < 19 else []
        for source in range(3):
            newest_first += [entry_id(rows[source]) for rows in (then, first) if rows]
    newest_first += fixture_rows(cid)
    assert len(newest_first) == 120

    pages, cursor = [], None
    for _ in range(4):  # a cursor that never ends fails below, not by hanging
        response = activity(auth_client, cid, limit="50", **({"cursor": cursor} if cursor else {}))
        pages.append(ids(response))
        cursor = response.json()["next"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [entry for page in pages for entry in page] == newest_first


def test_rows_of_three_sources_at_one_instant_come_one_a_page_in_a_fixed_order(auth_client, company, admin):
    cid = company["companyId"]
    planted = Plant(cid).all_three(datetime.now(UTC) + LATER, admin)  # the action, the role, the snapshot
    walked, cursor = [], None
    for _ in planted:
        body = activity(auth_client, cid, limit="1", **({"cursor": cursor} if cursor else {})).json()
        walked += [entry["id"] for entry in body["results"]]
        cursor = body["next"]

    assert walked == [entry_id(row) for row in planted]
    rest = activity(auth_client, cid, cursor=cursor).json()
    assert ([entry["id"] for entry in rest["results"]], rest["next"]) == (fixture_rows(cid), None)


def test_a_row_written_between_two_pages_neither_repeats_nor_shifts_one(auth_client, company, admin):
    cid = company["companyId"]
    plant, base = Plant(cid), datetime.now(UTC) + LATER
    older = [plant.action(base - timedelta(seconds=n), admin) for n in range(4)]
    first = activity(auth_client, cid, limit="2").json()
    plant.all_three(base + timedelta(seconds=1), admin)  # newer than every row already given

    second = activity(auth_client, cid, limit="2", cursor=first["next"]).json()

    assert [entry["id"] for entry in first["results"] + second["results"]] == [entry_id(row) for row in older]


@pytest.mark.parametrize("rows", [1, 50])
def test_a_page_costs_three_queries_after_the_access_check_whatever_its_size(
    auth_client, company, admin, priya, rows, django_assert_num_queries
):
    cid = company["companyId"]
    plant, base = Plant(cid), datetime.now(UTC) + LATER
    for n in range(rows):
        at = base - timedelta(seconds=n)
        plant.action(at, admin)
        plant.role(at, admin, subject=priya)
        plant.record(at, admin)
    activity(auth_client, cid)  # warm the per-process caches

    # The session with its user; the caller's membership; then one query per source, each
    # with its actor (and the role's subject, role names and the target's label) joined in.
    with django_assert_num_queries(5):
        response = activity(auth_client, cid, limit="200")

    assert len(response.json()["results"]) == 3 * rows + 3


# Filters and tenants ---------------------------------------------------------------------------


@pytest.fixture
def two_tenants(company, other, admin, client_for, priya):
    """The same five rows in both companies, an hour apart, by the same people (Mia, an admin of
    both, and Priya): the first row's time, and each company's rows oldest first."""
    olga = User.objects.get(email="olga@example.com")
    base = datetime.now(UTC).replace(microsecond=0) + LATER
    planted = {}
    for company_id in (company["companyId"], other):
        plant = Plant(company_id)
        planted[company_id] = [
            plant.action(base, admin, action="invitation_created"),
            plant.role(base + timedelta(hours=1), priya, subject=priya, old=None, new="company_user"),
            plant.record(base + timedelta(hours=2), admin),
            plant.action(base + timedelta(hours=3), priya, action="member_left"),
            plant.role(base + timedelta(hours=4), admin, subject=olga, old="company_user", new="company_admin"),
        ]
    return base, planted


def expected(rows) -> list[str]:
    return [entry_id(row) for row in reversed(rows)]


@pytest.mark.parametrize(
    ("query", "chosen"),
    [
        ({}, [0, 1, 2, 3, 4]),
        ({"actor": "mia"}, [0, 2, 4]),
        ({"actor": "priya"}, [1, 3]),
        ({"action": "invitation_created"}, [0]),
        ({"action": "member_left"}, [3]),
        ({"action": "role_granted"}, [1]),
        ({"action": "role_changed"}, [4]),
        ({"action": "company_record_changed"}, [2]),
        ({"action": "company_created"}, []),  # the fixtures' rows are older than the window below
        ({"since": 1}, [1, 2, 3, 4]),  # inclusive
        ({"until": 3}, [0, 1, 2]),  # exclusive
        ({"since": 1, "until": 3}, [1, 2]),
        ({"actor": "mia", "since": 1, "action": "role_changed"}, [4]),
    ],
    ids=[
        "none", "actor_mia", "actor_priya", "action", "action_member_left", "role_granted", "role_changed",
        "record_changed", "action_outside_the_window", "since", "until", "since_and_until", "all_of_them",
    ],
)  # fmt: skip
def test_each_filter_gives_this_companys_rows_only(
    auth_client, company, other, admin, priya, two_tenants, query, chosen
):
    base, planted = two_tenants
    people = {"mia": admin.pk, "priya": priya.pk}
    params = {"since": iso(base)}
    for name, value in query.items():
        if name == "actor":
            params[name] = str(people[value])
        elif name in ("since", "until"):
            params[name] = iso(base + timedelta(hours=value))
        else:
            params[name] = value

    for company_id, other_id in ((company["companyId"], other), (other, company["companyId"])):
        found = ids(activity(auth_client, company_id, limit="200", **params))

        assert found == expected([planted[company_id][n] for n in chosen])
        assert not set(found) & set(expected(planted[other_id]))


def test_without_a_window_each_company_sees_its_own_creation_and_nothing_of_the_other(auth_client, company, other):
    mine, theirs = ids(activity(auth_client, company["companyId"])), ids(activity(auth_client, other))

    assert mine == fixture_rows(company["companyId"])
    assert theirs == fixture_rows(other)  # Olga created it; Mia's membership there was planted, unaudited


def test_a_time_with_any_offset_names_the_same_instant(auth_client, company, two_tenants):
    base, planted = two_tenants
    sydney = (base + timedelta(hours=1)).astimezone(timezone(timedelta(hours=10)))

    found = ids(activity(auth_client, company["companyId"], since=sydney.isoformat()))

    assert sydney.isoformat().endswith("+10:00")
    assert found == expected(planted[company["companyId"]][1:])


def test_a_cursor_of_one_company_used_on_another_gives_only_the_others_rows(auth_client, company, other, two_tenants):
    base, planted = two_tenants
    cid = company["companyId"]
    cursor = activity(auth_client, cid, limit="2", since=iso(base)).json()["next"]  # after Acme's 2nd newest

    found = ids(activity(auth_client, other, cursor=cursor, since=iso(base)))

    assert found == expected(planted[other][:3])
    assert not set(found) & set(expected(planted[cid]))


# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"actor": "abc"}, "actor", MESSAGE_ACTOR),
        ({"actor": "0"}, "actor", MESSAGE_ACTOR),
        ({"actor": "-1"}, "actor", MESSAGE_ACTOR),
        ({"actor": "1.5"}, "actor", MESSAGE_ACTOR),
        ({"actor": "٣"}, "actor", MESSAGE_ACTOR),
        ({"actor": "2147483648"}, "actor", MESSAGE_ACTOR),
        ({"action": "Invitation_Created"}, "action", MESSAGE_ACTION),
        ({"action": "invitation-created"}, "action", MESSAGE_ACTION),
        ({"action": "1st_action"}, "action", MESSAGE_ACTION),
        ({"action": "a" * 61}, "action", MESSAGE_ACTION),
        ({"action": "company_exported"}, "action", MESSAGE_ACTION),  # well formed, but no action of the feed
        ({"actor": ""}, "actor", MESSAGE_ACTOR),  # empty is a value, and no user id
        ({"actor": " 5"}, "actor", MESSAGE_ACTOR),
        ({"since": ""}, "since", MESSAGE_MOMENT),
        ({"until": ""}, "until", MESSAGE_MOMENT),
        ({"since": "yesterday"}, "since", MESSAGE_MOMENT),
        ({"since": "2026-12-01T09:00:00"}, "since", MESSAGE_MOMENT),  # no offset
        ({"since": "2026-12-01"}, "since", MESSAGE_MOMENT),
        ({"since": "2026-12-01T09:00:00 10:00"}, "since", MESSAGE_MOMENT),  # a + sent unencoded
        ({"until": "9999-12-31T23:59:59-14:00"}, "until", MESSAGE_MOMENT),  # past the last UTC instant
        ({"since": "2026-12-01T09:00:00Z", "until": "2026-12-01T09:00:00Z"}, "until", MESSAGE_UNTIL_NOT_AFTER_SINCE),
        ({"since": "2026-12-01T10:00:00+10:00", "until": "2026-12-01T00:00:00Z"}, "until",
         MESSAGE_UNTIL_NOT_AFTER_SINCE),
        ({"limit": "0"}, "limit", MESSAGE_LIMIT),
        ({"limit": "201"}, "limit", MESSAGE_LIMIT),
    ],
    ids=[
        "actor_text", "actor_zero", "actor_negative", "actor_decimal", "actor_arabic_digit", "actor_beyond_ids",
        "action_capitals", "action_dash", "action_digit_first", "action_too_long", "action_unknown", "actor_empty",
        "actor_space", "since_empty", "until_empty", "since_words", "since_naive",
        "since_date_only", "since_plus_as_space", "until_beyond_the_calendar", "until_equals_since",
        "until_before_since", "limit_zero", "limit_too_big",
    ],
)  # fmt: skip
def test_a_bad_filter_is_a_field_error(auth_client, company, query, field, message):
    response = activity(auth_client, company["companyId"], **query)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {field: [message]})
    assert_documented(response)


def test_an_empty_action_or_cursor_is_no_filter(auth_client, company):
    # The document admits "" for these two (action's enum has it; cursor is any string); not for the
    # typed filters (an integer, a date-time), for which empty is a 400 above.
    response = activity(auth_client, company["companyId"], action="", cursor="")

    assert ids(response) == fixture_rows(company["companyId"])


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def signed(text: str, list_name: str = "company-activity") -> str:
    """``text`` (JSON) as a cursor this project signed for ``list_name``."""
    return cursor_encode(json.loads(text), list_name=list_name)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "x" * 201,
        b64('["2026-01-01T00:00:00+00:00", 2, 5]'),  # well formed, but not signed
        b64('["2026-01-01T00:00:00+00:00", 2, 5]') + ".AAAA",
        signed('["2026-01-01T00:00:00+00:00", 5]', "sessions"),  # another list's
        signed('["2026-01-01T00:00:00+00:00", 2, 5]', "members"),
        signed('["2026-01-01T00:00:00+00:00", 5]'),  # a single-source list's shape
        signed('["2026-01-01T00:00:00+00:00", 3, 5]'),  # no source has rank 3
        signed('["2026-01-01T00:00:00+00:00", "2", 5]'),
        signed('["2026-01-01T00:00:00+00:00", 2, true]'),
        signed('["2026-01-01T00:00:00", 2, 5]'),  # no time zone
        signed('["9999-12-31T23:59:59-14:00", 2, 5]'),  # past the last UTC instant
        signed('{"a": 1}'),
    ],
    ids=[
        "garbage", "too_long", "unsigned", "bad_signature", "sessions_cursor", "members_list_signature",
        "two_items", "unknown_rank", "text_rank", "bool_id", "naive_time", "beyond_the_calendar", "object",
    ],
)  # fmt: skip
def test_a_cursor_this_list_did_not_give_is_a_field_error(auth_client, company, cursor):
    response = activity(auth_client, company["companyId"], cursor=cursor)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"cursor": [MESSAGE_CURSOR]})


def test_a_cursor_altered_by_the_client_is_a_field_error(auth_client, company):
    cid = company["companyId"]
    cursor = activity(auth_client, cid, limit="1").json()["next"]
    payload, signature = cursor.split(".")
    moment, rank, key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = f"{b64(json.dumps([moment, rank, key + 1]))}.{signature}"

    genuine = activity(auth_client, cid, limit="1", cursor=cursor)
    response = activity(auth_client, cid, limit="1", cursor=forged)

    assert genuine.status_code == status.HTTP_200_OK
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"cursor": [MESSAGE_CURSOR]})


@pytest.mark.parametrize("role", ["company_user", "company_viewer"])
def test_a_member_who_is_not_an_admin_is_refused_with_403(company, add_member, client_for, role):
    add_member(company["companyId"], "plain@example.com", role=role)

    # Refused before the query is read: a bad filter changes nothing.
    for query in ({}, {"actor": "abc"}):
        response = activity(client_for("plain@example.com"), company["companyId"], **query)

        assert response.status_code == status.HTTP_403_FORBIDDEN
        assert response.json() == error(response, "permission_denied", MESSAGE_ADMINS_ONLY)
        assert_documented(response)


@pytest.mark.parametrize("who", ["stranger", "other_admin", "removed_admin"])
def test_anyone_but_an_active_member_gets_404_as_on_the_other_company_routes(
    auth_client, company, other, client_for, send, add_member, who
):
    cid = company["companyId"]
    if who == "removed_admin":
        membership = add_member(cid, "leaver@example.com", role="company_admin")
        send(auth_client, "delete", f"companies/{cid}/members/{membership.pk}", {"reason": "Moved on"})
    caller = {
        "stranger": "stranger@example.com",
        "other_admin": "olga@example.com",
        "removed_admin": "leaver@example.com",
    }

    response = activity(client_for(caller[who]), cid, actor="abc")

    assert response.status_code == status.HTTP_404_NOT_FOUND
    assert response.json() == error(response, "not_found", MESSAGE_NOT_FOUND)
    assert_documented(response)


def test_a_company_that_requires_mfa_refuses_its_admin_without_it(auth_client, company, admin):
    Company.objects.filter(pk=company["companyId"]).update(require_mfa=True)
    assert not admin.mfa_enabled

    response = activity(auth_client, company["companyId"])

    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json() == error(response, "mfa_required", MfaRequired.message)


def test_anonymous_callers_are_refused_with_401(company):
    response = activity(APIClient(), company["companyId"])

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
