"""The plan's seat limit (MaxUsers): members plus pending invitations, on every way in (companies.seats)."""

from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from auditing.models import ActivityLog
from companies.invitations import (
    invitation_accept,
    invitation_accept_received,
    invitation_create,
    invitation_token_rotate,
)
from companies.models import CompanyCustomerDetails, UserCompany, UserInvitation
from companies.seats import MESSAGE_MEMBERS_FULL, MESSAGE_SEATS_FULL, SeatLimitReached, seats_of
from companies.services import company_create
from eventlead.core.exceptions import DomainError
from eventlead.testing.openapi import assert_documented
from eventlead.testing.threads import run_together
from logging_app.models import EmailDelivery

from .conftest import link_token
from .team_support import conflict, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def cid(company):
    return company["companyId"]


@pytest.fixture
def invite(auth_client, cid, send):
    def do(email, role="company_user"):
        return send(auth_client, "post", f"companies/{cid}/invitations", {"email": email, "role": role})

    return do


def members(company_id) -> list[str]:
    return sorted(
        UserCompany.objects.filter(company_id=company_id, status__code="active").values_list("user__email", flat=True)
    )


@pytest.mark.parametrize(
    ("tier", "own_limit", "limit"),
    [
        ("free", None, 2),  # the tier's, as seeded
        ("starter", None, 5),
        ("enterprise", None, None),  # no limit at either level
        ("free", 40, 40),  # the company's own MaxUsers wins over its tier's
        ("enterprise", 3, 3),
    ],
)
def test_the_limit_is_the_companys_own_max_users_else_its_tiers(cid, tier, own_limit, limit):
    plan(cid, tier=tier, max_users=own_limit)

    assert seats_of(cid, timezone.now()) == (limit, 1, 0)


def test_a_company_without_customer_details_has_no_limit(cid, invite):
    CompanyCustomerDetails.objects.filter(company_id=cid).delete()

    for n in range(3):
        assert invite(f"guest{n}@example.com").status_code == status.HTTP_201_CREATED

    assert seats_of(cid, timezone.now()) == (None, 1, 3)


def test_an_invitation_past_the_seats_is_a_409_that_creates_sends_and_records_nothing(cid, invite):
    plan(cid, tier="free")  # 2 seats: the admin and one more
    assert invite("first@example.com").status_code == status.HTTP_201_CREATED
    emails = len(mail.outbox)

    refused = invite("second@example.com")

    assert refused.status_code == status.HTTP_409_CONFLICT
    assert refused.json() == conflict(refused, MESSAGE_SEATS_FULL.format(limit=2))
    assert_documented(refused)
    assert list(UserInvitation.objects.values_list("invited_email", flat=True)) == ["first@example.com"]
    assert len(mail.outbox) == emails
    assert EmailDelivery.objects.count() == 1
    assert ActivityLog.objects.filter(action="invitation_created").count() == 1


def test_pending_invitations_hold_seats_until_cancelled_expired_or_their_member_removed(
    cid, invite, auth_client, send, add_member
):
    plan(cid, max_users=4)
    crew = add_member(cid, "crew@example.com")
    first = invite("first@example.com").json()["invitationId"]
    second = invite("second@example.com").json()["invitationId"]
    assert invite("third@example.com").status_code == status.HTTP_409_CONFLICT  # 2 members + 2 pending

    send(auth_client, "post", f"companies/{cid}/invitations/{first}/cancel", {"reason": "made a mistake"})
    assert invite("third@example.com").status_code == status.HTTP_201_CREATED
    assert invite("fourth@example.com").status_code == status.HTTP_409_CONFLICT

    UserInvitation.objects.filter(pk=second).update(expires_at=timezone.now())  # expired, not yet swept
    assert invite("fourth@example.com").status_code == status.HTTP_201_CREATED
    assert invite("fifth@example.com").status_code == status.HTTP_409_CONFLICT

    send(auth_client, "delete", f"companies/{cid}/members/{crew.pk}", {"reason": "moved on"})
    assert invite("fifth@example.com").status_code == status.HTTP_201_CREATED
    assert seats_of(cid, timezone.now()) == (4, 1, 3)


def test_accepting_turns_the_invitations_own_seat_into_the_members(cid, invite, make_user, client_for, send):
    plan(cid, tier="free")  # the admin, and the invitation's seat
    invite("guest@example.com")
    make_user("guest@example.com")

    accepted = send(client_for("guest@example.com"), "post", f"invitations/{link_token(mail.outbox[-1])}/accept")

    assert accepted.status_code == status.HTTP_200_OK
    assert members(cid) == ["guest@example.com", "member@example.com"]


@pytest.mark.parametrize("way", ["token", "id"])
def test_a_company_whose_members_fill_its_limit_cannot_gain_one(cid, invite, make_user, client_for, send, way):
    invitation_id = invite("guest@example.com").json()["invitationId"]
    token = link_token(mail.outbox[-1])
    make_user("guest@example.com")
    guest = client_for("guest@example.com")
    plan(cid, max_users=1)  # lowered after the invitation went out: the admin fills it
    path = f"invitations/{token}/accept" if way == "token" else f"users/me/invitations/{invitation_id}/accept"

    refused = send(guest, "post", path)

    assert refused.status_code == status.HTTP_409_CONFLICT
    assert refused.json() == conflict(refused, MESSAGE_MEMBERS_FULL.format(limit=1))
    assert_documented(refused)
    assert members(cid) == ["member@example.com"]
    assert UserInvitation.objects.get(pk=invitation_id).status.code == "pending"
    assert not ActivityLog.objects.filter(action="invitation_accepted").exists()

    plan(cid, max_users=2)
    assert send(guest, "post", path).status_code == status.HTTP_200_OK
    assert members(cid) == ["guest@example.com", "member@example.com"]


def test_an_anonymous_accept_refused_for_seats_creates_no_account(cid, invite, api_client, send):
    invite("newcomer@example.com")
    plan(cid, max_users=1)

    refused = send(
        api_client,
        "post",
        f"invitations/{link_token(mail.outbox[-1])}/accept",
        {"password": "Newcomer-passphrase-7", "firstName": "New", "lastName": "Comer"},
    )

    assert refused.json() == conflict(refused, MESSAGE_MEMBERS_FULL.format(limit=1))
    assert not UserCompany.objects.filter(user__email="newcomer@example.com").exists()
    assert not User.objects.filter(email="newcomer@example.com").exists()


# PostgreSQL: racers for the last seat, each on its own connection -----------------------------


def seat_outcome(call) -> str:
    """``"ok"``, ``"seats"`` for the seat limit, or the code of any other refusal."""
    try:
        call()
        return "ok"
    except SeatLimitReached:
        return "seats"
    except DomainError as error:
        return error.code


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_accepts_racing_for_the_last_seat_let_exactly_one_in(make_user):
    admin = make_user("admin@example.com")
    company = company_create(creator=admin, company_name="Race Co", country_code="AU")
    plan(company.pk)
    invitees = [make_user(f"racer{n:02d}@example.com") for n in range(20)]
    sent = [invitation_create(company=company, actor=admin, email=u.email, role="company_user") for u in invitees]
    plan(company.pk, max_users=2)  # the admin and one seat left
    tokens = [invitation_token_rotate(invitation=invitation) for invitation in sent]

    def accept(n):
        # Half by the emailed token, half by id: both ways take the same lock.
        if n % 2:
            return seat_outcome(lambda: invitation_accept(token=tokens[n], user=invitees[n]))
        return seat_outcome(lambda: invitation_accept_received(invitation_id=sent[n].pk, user=invitees[n]))

    outcomes = run_together(accept, range(20))

    assert Counter(outcomes) == {"ok": 1, "seats": 19}
    assert UserCompany.objects.filter(company=company, status__code="active").count() == 2
    assert UserInvitation.objects.filter(company=company, status__code="accepted").count() == 1
    assert UserInvitation.objects.filter(company=company, status__code="pending").count() == 19


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_invitations_racing_for_the_last_seat_make_exactly_one(make_user):
    admin = make_user("admin@example.com")
    company = company_create(creator=admin, company_name="Race Co", country_code="AU")
    plan(company.pk, max_users=2)

    def invite(n):
        email = f"racer{n:02d}@example.com"
        return seat_outcome(lambda: invitation_create(company=company, actor=admin, email=email, role="company_user"))

    outcomes = run_together(invite, range(20))

    assert Counter(outcomes) == {"ok": 1, "seats": 19}
    assert UserInvitation.objects.filter(company=company).count() == 1
    assert EmailDelivery.objects.count() == 1
