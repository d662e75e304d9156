"""Accepting an invitation: who may, until when, and what joining does to accounts and memberships."""

from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import User
from auditing.models import ActivityLog, AuditRole, AuditUser
from companies.invitations import (
    effective_status,
    invitation_accept,
    invitation_decline,
    invitation_token_rotate,
    invitations_expire,
)
from companies.models import UserCompany, UserInvitation
from eventlead.core.exceptions import TokenExpired, TokenInvalid
from reference.models import UserCompanyRole

from .conftest import link_token

pytestmark = pytest.mark.django_db
PASSWORD = "Invitee-passphrase-2024"
NEW_ACCOUNT = {"password": PASSWORD, "firstName": "Gus", "lastName": "Guest"}


@pytest.fixture
def invite(auth_client, company, send):
    """Invite an address to Acme Events as its admin; return the emailed link's token."""

    def do(email="guest@example.com", role="company_user"):
        response = send(
            auth_client, "post", f"companies/{company['companyId']}/invitations", {"email": email, "role": role}
        )
        assert response.status_code == 201, response.content
        return link_token(mail.outbox[-1])

    return do


def _error(response, code, message, fields=None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": {**error, "requestId": response["X-Request-ID"]}}


def _membership_body(membership):
    membership.refresh_from_db()
    return {
        "userCompanyId": membership.pk,
        "userId": membership.user_id,
        "email": membership.user.email,
        "firstName": membership.user.first_name,
        "lastName": membership.user.last_name,
        "role": membership.role.code,
        "status": membership.status.code,
        "joinedVia": membership.joined_via.code,
        "joinedDate": membership.joined_date.isoformat().replace("+00:00", "Z"),
        "isPrimary": membership.is_primary,
        "removedDate": None,
        "removalReason": "",
    }


def _nothing_joined(email="guest@example.com"):
    assert UserInvitation.objects.get(invited_email=email).status.code == "pending"
    assert not UserCompany.objects.filter(user__email=email, status__code="active", is_deleted=False).exists()
    assert not ActivityLog.objects.filter(action="invitation_accepted").exists()


# Who may accept ------------------------------------------------------------------------------


def test_an_invitation_to_a_mixed_case_address_is_accepted_by_that_account(
    invite, make_user, api_client, send, password
):
    token = invite(email="Guest@Example.COM")
    make_user("guest@example.com")
    login = api_client.post("/api/v1/auth/login", {"email": "GUEST@example.com", "password": password}, format="json")
    assert login.status_code == 200
    guest = APIClient()
    guest.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")

    response = send(guest, "post", f"invitations/{token}/accept")

    assert response.status_code == 200
    membership = UserCompany.objects.get(user__email="guest@example.com")
    assert response.json() == {"membership": _membership_body(membership)}
    assert response.json()["membership"]["email"] == "guest@example.com"


def test_an_account_stored_with_a_differently_cased_address_may_accept(invite, client_for, send):
    token = invite(email="guest@example.com")
    guest = client_for("guest@example.com")
    # An account row written before addresses were normalised; its token still authenticates it.
    User.objects.filter(email="guest@example.com").update(email="Guest@Example.com")

    response = send(guest, "post", f"invitations/{token}/accept")

    assert response.status_code == 200
    assert response.json()["membership"]["role"] == "company_user"
    assert UserInvitation.objects.get().status.code == "accepted"


@pytest.mark.parametrize("body", [NEW_ACCOUNT, {}, {**NEW_ACCOUNT, "password": "short"}])
def test_an_account_that_already_exists_must_sign_in_to_accept(invite, make_user, send, body):
    token = invite()
    make_user("guest@example.com")

    # Said before any check of the new-account fields, which do not apply.
    response = send(APIClient(), "post", f"invitations/{token}/accept", body)

    assert response.status_code == 409
    assert response.json() == _error(
        response, "conflict", "An account exists for this address: sign in as it to accept."
    )
    assert User.objects.filter(email="guest@example.com").count() == 1
    _nothing_joined()


def test_each_link_opens_only_its_own_invitation(invite, send):
    invite(email="first@example.com")
    second = invite(email="second@example.com")
    invite(email="third@example.com")

    unknown = send(APIClient(), "post", "invitations/not-a-token/accept", NEW_ACCOUNT)
    unknown_decline = send(APIClient(), "post", "invitations/not-a-token/decline")
    accepted = send(APIClient(), "post", f"invitations/{second}/accept", NEW_ACCOUNT)

    for response in (unknown, unknown_decline):
        assert response.status_code == 400
        assert response.json() == _error(response, "token_invalid", "This link or token is not valid.")
    assert accepted.status_code == 201
    assert accepted.json()["membership"]["email"] == "second@example.com"
    assert dict(UserInvitation.objects.values_list("invited_email", "status__code")) == {
        "first@example.com": "pending",
        "second@example.com": "accepted",
        "third@example.com": "pending",
    }
    assert list(User.objects.filter(first_name="Gus").values_list("email", flat=True)) == ["second@example.com"]


def test_cancelling_one_invitation_leaves_the_other_links_working(invite, auth_client, company, send):
    tokens = [invite(email=f"guest{n}@example.com") for n in range(3)]
    middle = UserInvitation.objects.get(invited_email="guest1@example.com")

    cancelled = send(auth_client, "post", f"companies/{company['companyId']}/invitations/{middle.pk}/cancel")

    assert (cancelled.status_code, cancelled.json()["invitedEmail"], cancelled.json()["status"]) == (
        200,
        "guest1@example.com",
        "cancelled",
    )
    assert send(APIClient(), "post", f"invitations/{tokens[1]}/accept", NEW_ACCOUNT).status_code == 400
    assert send(APIClient(), "post", f"invitations/{tokens[0]}/accept", NEW_ACCOUNT).status_code == 201
    assert send(APIClient(), "post", f"invitations/{tokens[2]}/accept", NEW_ACCOUNT).status_code == 201
    assert dict(UserInvitation.objects.values_list("invited_email", "status__code")) == {
        "guest0@example.com": "accepted",
        "guest1@example.com": "cancelled",
        "guest2@example.com": "accepted",
    }


def test_the_public_preview_reads_the_invitation_in_one_query(invite, django_assert_num_queries):
    token = invite(role="company_viewer")
    anonymous = APIClient()

    with django_assert_num_queries(1):
        response = anonymous.get(f"/api/v1/invitations/{token}")

    assert response.json() == {
        "companyName": "Acme Events",
        "invitedEmail": "guest@example.com",
        "role": "company_viewer",
        "status": "pending",
        "expiresAt": response.json()["expiresAt"],
    }


# Until when (an instant a request cannot choose, so through the services with their ``now``) ---


def test_the_exact_expiry_instant_already_counts_as_expired(invite):
    token = invite()
    invitation = UserInvitation.objects.get()
    at_expiry = invitation.expires_at

    assert effective_status(invitation, at_expiry) == "expired"
    assert effective_status(invitation, at_expiry - timedelta(microseconds=1)) == "pending"
    with pytest.raises(TokenExpired):
        invitation_accept(token=token, user=None, password=PASSWORD, first_name="Gus", last_name="Guest", now=at_expiry)
    with pytest.raises(TokenExpired):
        invitation_decline(token=token, now=at_expiry)
    assert not User.objects.filter(email="guest@example.com").exists()
    _nothing_joined()


def test_the_last_instant_before_expiry_still_accepts(invite):
    token = invite()
    just_before = UserInvitation.objects.get().expires_at - timedelta(microseconds=1)

    membership, tokens = invitation_accept(
        token=token, user=None, password=PASSWORD, first_name="Gus", last_name="Guest", now=just_before
    )

    assert (membership.status.code, membership.joined_date, set(tokens)) == (
        "active",
        just_before,
        {"access", "refresh"},
    )
    invitation = UserInvitation.objects.get()
    assert (invitation.status.code, invitation.accepted_at) == ("accepted", just_before)


def test_an_expired_invitation_replaced_by_a_new_one_is_marked_expired_and_its_link_stays_dead(invite, send):
    old_token = invite()
    invite(email="other@example.com")
    old = UserInvitation.objects.get(invited_email="guest@example.com")
    UserInvitation.objects.filter(pk=old.pk).update(expires_at=old.invited_at)

    new_token = invite()

    new = UserInvitation.objects.get(invited_email="guest@example.com", status__code="pending")
    old.refresh_from_db()
    assert (old.status.code, old.expired_at) == ("expired", new.invited_at)
    other = UserInvitation.objects.get(invited_email="other@example.com")
    assert (other.status.code, other.expired_at) == ("pending", None)
    stale = send(APIClient(), "post", f"invitations/{old_token}/accept", NEW_ACCOUNT)
    assert stale.json() == _error(stale, "token_invalid", "This link or token is not valid.")
    assert send(APIClient(), "post", f"invitations/{new_token}/accept", NEW_ACCOUNT).status_code == 201


def test_the_expiry_sweep_marks_only_overdue_pending_invitations(invite, send):
    accepted_token = invite(email="guest@example.com")
    invite(email="other@example.com")
    assert send(APIClient(), "post", f"invitations/{accepted_token}/accept", NEW_ACCOUNT).status_code == 201
    later = UserInvitation.objects.get(invited_email="other@example.com").expires_at + timedelta(days=1)

    assert invitations_expire(now=later) == 1

    rows = {i.invited_email: (i.status.code, i.expired_at) for i in UserInvitation.objects.all()}
    assert rows == {"guest@example.com": ("accepted", None), "other@example.com": ("expired", later)}


def test_a_soft_deleted_invitation_is_dead_everywhere(invite, auth_client, company, make_user, client_for, send):
    token = invite()
    UserInvitation.objects.update(is_deleted=True)
    make_user("guest@example.com")

    preview = APIClient().get(f"/api/v1/invitations/{token}")
    signed_in = send(client_for("guest@example.com"), "post", f"invitations/{token}/accept")
    declined = send(APIClient(), "post", f"invitations/{token}/decline", {"reason": "no"})
    path = f"companies/{company['companyId']}/invitations/{UserInvitation.objects.get().pk}"
    resent = send(auth_client, "post", f"{path}/resend")
    cancelled = send(auth_client, "post", f"{path}/cancel", {"reason": "gone"})

    for response in (preview, resent, cancelled):
        assert response.status_code == 404
        assert response.json() == _error(response, "not_found", "Not found.")
    for response in (signed_in, declined):
        assert response.status_code == 400
        assert response.json() == _error(response, "token_invalid", "This link or token is not valid.")
    _nothing_joined()
    invitation = UserInvitation.objects.get()
    assert (invitation.declined_at, invitation.cancelled_at, invitation.resend_count) == (None, None, 0)


# Joining -------------------------------------------------------------------------------------


def test_accepting_while_already_an_active_member_is_409_and_changes_nothing(
    invite, company, add_member, client_for, send
):
    token = invite(role="company_admin")
    membership = add_member(company["companyId"], "guest@example.com", role="company_viewer")  # by the back office

    response = send(client_for("guest@example.com"), "post", f"invitations/{token}/accept")

    assert response.status_code == 409
    assert response.json() == _error(
        response, "conflict", "This address already belongs to an active member of this company."
    )
    membership.refresh_from_db()
    assert (membership.role.code, membership.joined_via.code) == ("company_viewer", "invitation")
    assert UserInvitation.objects.get().status.code == "pending"
    assert not AuditRole.objects.filter(user_id=membership.user_id).exists()


def test_a_removed_member_who_accepts_is_reinstated_on_the_same_row(
    invite, auth_client, company, add_member, client_for, send, user
):
    cid = company["companyId"]
    old = add_member(cid, "guest@example.com", role="company_admin", is_primary=True)
    guest = client_for("guest@example.com")
    assert (
        send(auth_client, "delete", f"companies/{cid}/members/{old.pk}", {"reason": "contract ended"}).status_code
        == 200
    )
    token = invite(role="company_viewer")

    response = send(guest, "post", f"invitations/{token}/accept")

    assert response.status_code == 200
    assert UserCompany.objects.filter(user=old.user).count() == 1
    membership = UserCompany.objects.get(pk=old.pk)
    assert response.json() == {"membership": _membership_body(membership)}
    assert (membership.role.code, membership.status.code, membership.joined_via.code, membership.is_primary) == (
        "company_viewer",
        "active",
        "invitation",
        True,
    )
    assert (membership.removed_date, membership.removed_by, membership.removal_reason, membership.is_deleted) == (
        None,
        None,
        "",
        False,
    )
    invitation = UserInvitation.objects.get()
    assert (membership.invited_by, membership.updated_by, membership.joined_date) == (
        user,
        old.user,
        invitation.accepted_at,
    )
    assert guest.get(f"/api/v1/companies/{cid}").json()["role"] == "company_viewer"


def test_a_soft_deleted_membership_is_revived_by_accepting(invite, company, add_member, client_for, send):
    cid = company["companyId"]
    old = add_member(cid, "guest@example.com", role="company_user", is_deleted=True)
    token = invite(role="company_user")
    guest = client_for("guest@example.com")

    response = send(guest, "post", f"invitations/{token}/accept")

    assert response.status_code == 200
    membership = UserCompany.objects.get(user=old.user)
    assert (membership.pk, membership.is_deleted, membership.status.code) == (old.pk, False, "active")
    assert response.json() == {"membership": _membership_body(membership)}
    assert guest.get(f"/api/v1/companies/{cid}").status_code == 200


def test_a_signed_in_invitee_with_another_company_joins_without_it_becoming_primary(invite, client_for, send):
    token = invite(role="company_viewer")
    guest = client_for("guest@example.com")
    assert send(guest, "post", "companies", {"companyName": "Guest Co", "countryCode": "AU"}).status_code == 201

    response = send(guest, "post", f"invitations/{token}/accept")

    assert response.status_code == 200
    membership = UserCompany.objects.get(user__email="guest@example.com", company__company_name="Acme Events")
    assert response.json() == {"membership": _membership_body(membership)}
    assert (membership.is_primary, membership.role.code, membership.created_by.email) == (
        False,
        "company_viewer",
        "guest@example.com",
    )
    assert UserCompany.objects.get(user__email="guest@example.com", company__company_name="Guest Co").is_primary


def test_a_membership_soft_deleted_elsewhere_does_not_stop_the_new_one_being_primary(invite, client_for, send):
    token = invite()
    guest = client_for("guest@example.com")
    assert send(guest, "post", "companies", {"companyName": "Guest Co", "countryCode": "AU"}).status_code == 201
    UserCompany.objects.filter(user__email="guest@example.com").update(is_deleted=True)

    response = send(guest, "post", f"invitations/{token}/accept")

    assert (response.status_code, response.json()["membership"]["isPrimary"]) == (200, True)


def test_an_accepted_invitation_can_no_longer_be_resent_cancelled_or_given_a_new_link(
    invite, auth_client, company, send
):
    token = invite()
    assert send(APIClient(), "post", f"invitations/{token}/accept", NEW_ACCOUNT).status_code == 201
    invitation = UserInvitation.objects.get()
    path = f"companies/{company['companyId']}/invitations/{invitation.pk}"

    resent = send(auth_client, "post", f"{path}/resend")
    cancelled = send(auth_client, "post", f"{path}/cancel", {"reason": "too late"})

    for response in (resent, cancelled):
        assert response.status_code == 409
        assert response.json() == _error(response, "conflict", "Only a pending invitation can be changed.")
    with pytest.raises(TokenInvalid):
        invitation_token_rotate(invitation=invitation)
    after = UserInvitation.objects.get()
    assert (after.status.code, after.token_hash, after.resend_count, after.cancelled_at) == (
        "accepted",
        invitation.token_hash,
        0,
        None,
    )


# A new account -------------------------------------------------------------------------------


def test_an_anonymous_invitee_gets_a_verified_account_that_signs_in_with_its_password(
    invite, company, api_client, send, user
):
    cid = company["companyId"]
    token = invite(role="company_viewer")

    response = send(APIClient(), "post", f"invitations/{token}/accept", NEW_ACCOUNT)

    assert response.status_code == 201
    guest = User.objects.get(email="guest@example.com")
    membership = UserCompany.objects.get(user=guest)
    invitation = UserInvitation.objects.get()
    now = invitation.accepted_at
    body = response.json()
    assert body["membership"] == _membership_body(membership)
    assert (membership.role.code, membership.is_primary, membership.invited_by, membership.created_by) == (
        "company_viewer",
        True,
        user,
        guest,
    )
    assert (guest.first_name, guest.last_name, guest.status.code, guest.user_role.code) == (
        "Gus",
        "Guest",
        "active",
        "company_user",
    )
    assert (guest.email_verified_at, guest.last_password_change, guest.last_login, membership.joined_date) == (
        now,
        now,
        now,
        now,
    )
    assert (invitation.status.code, invitation.accepted_user, invitation.updated_by) == ("accepted", guest, guest)
    # The returned tokens and the chosen password both work.
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.get("/api/v1/users/me").json()["email"] == "guest@example.com"
    login = api_client.post("/api/v1/auth/login", {"email": "guest@example.com", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    # Recorded: the account's creation, the role it got, the acceptance.
    created = AuditUser.objects.get(user_id=guest.pk, operation="insert")
    assert (created.changed_by_id, created.new_values["Email"]) == (guest.pk, "guest@example.com")
    change = AuditRole.objects.get(user_id=guest.pk)
    assert (
        change.company_id,
        change.role_scope,
        change.old_role_id,
        change.new_role_id,
        change.changed_by_id,
        change.reason,
    ) == (
        cid,
        "company",
        None,
        UserCompanyRole.objects.get(code="company_viewer").pk,
        guest.pk,
        "accepted an invitation",
    )
    log = ActivityLog.objects.get(action="invitation_accepted")
    assert (log.user_id, log.company_id, log.entity_type, log.entity_id, log.new_values) == (
        guest.pk,
        cid,
        "UserInvitation",
        str(invitation.pk),
        {"membership": membership.pk},
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {},
            {
                "password": ["Required to create your account."],
                "firstName": ["Required to create your account."],
                "lastName": ["Required to create your account."],
            },
        ),
        ({"password": PASSWORD, "firstName": "Gus"}, {"lastName": ["Required to create your account."]}),
        ({"password": PASSWORD, "firstName": "", "lastName": "Guest"}, {"firstName": ["This field may not be blank."]}),
        ({"firstName": "Gus", "lastName": "Guest"}, {"password": ["Required to create your account."]}),
    ],
)
def test_an_anonymous_invitee_must_give_a_password_and_both_names(invite, send, body, fields):
    token = invite()

    response = send(APIClient(), "post", f"invitations/{token}/accept", body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert not User.objects.filter(email="guest@example.com").exists()
    _nothing_joined()


@pytest.mark.parametrize(
    ("password", "first_name", "messages"),
    [
        ("Ab1", "Gus", ["Use at least 8 characters."]),
        ("OnlyLettersHere", "Gus", ["Use both letters and digits."]),
        ("password123", "Gus", ["This password is too common."]),
        ("Guestexample1", "Gus", ["The password is too similar to the email."]),
        ("Bartholomew1", "Bartholomew", ["The password is too similar to the first name."]),
    ],
)
def test_an_anonymous_invitees_password_must_follow_the_password_rules(invite, send, password, first_name, messages):
    token = invite()

    response = send(
        APIClient(),
        "post",
        f"invitations/{token}/accept",
        {"password": password, "firstName": first_name, "lastName": "Guest"},
    )

    assert response.status_code == 400
    assert response.json() == _error(
        response, "validation_error", "The request has invalid fields.", {"password": messages}
    )
    assert not User.objects.filter(email="guest@example.com").exists()
    _nothing_joined()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_invitations_to_one_new_address_accepted_at_once_make_one_account(make_user):
    from collections import Counter

    from companies.invitations import invitation_create
    from companies.services import company_create
    from eventlead.core.exceptions import DomainError
    from eventlead.testing.threads import run_together

    tokens = []
    for n in range(2):
        admin = make_user(f"admin{n}@example.com")
        company = company_create(creator=admin, company_name=f"Company {n}", country_code="AU")
        invitation = invitation_create(company=company, actor=admin, email="guest@example.com", role="company_user")
        tokens.append(invitation_token_rotate(invitation=invitation))

    def accept(token):
        try:
            invitation_accept(token=token, user=None, password=PASSWORD, first_name="Gus", last_name="Guest")
            return "ok"
        except DomainError as error:
            return f"{error.code}: {error.message}"

    outcomes = run_together(accept, tokens)

    assert Counter(outcomes) == {"ok": 1, "conflict: An account exists for this address: sign in as it to accept.": 1}
    assert User.objects.filter(email="guest@example.com").count() == 1
    assert UserCompany.objects.filter(user__email="guest@example.com").count() == 1
    assert sorted(UserInvitation.objects.values_list("status__code", flat=True)) == ["accepted", "pending"]
