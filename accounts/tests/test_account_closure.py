"""Closing one's account over HTTP (spec/api.md, "Account lifecycle": DELETE /users/me).

The account is soft-deleted and de-identified (APP 11.2), every session ends, memberships are
removed with reason ``account_closed``, audit rows stay, and the address is free for a new
sign-up. Refused while the caller is the last active admin of a company.
"""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status

from accounts import lifecycle
from accounts.models import (
    SessionEndReason,
    User,
    UserEmailChangeToken,
    UserKnownDevice,
    UserPasswordResetToken,
    UserRecoveryCode,
    UserSession,
)
from accounts.services import MESSAGE_WRONG_CURRENT_PASSWORD
from accounts.tokens import new_token
from auditing.models import ActivityLog, AuditUser, Operation
from companies.models import UserCompany, UserInvitation
from companies.services import company_create
from eventlead.core.exceptions import MESSAGE_VALIDATION, ReauthenticationRequired
from logging_app.models import AuthEvent, EmailDelivery
from reference.models import JoinedVia, UserCompanyRole, UserCompanyStatus, UserInvitationStatus, UserStatus
from reference.selectors import reference_id

from .http_support import API, access_refused, client, error, last_link_token

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
EMAIL = "member@example.com"
NEW_PASSWORD = "Another-long-passphrase-42"


def sign_in(post, email=EMAIL, password=PASSWORD):
    response = post("auth/login", {"email": email, "password": password})
    assert response.status_code == status.HTTP_200_OK, response.content
    return response.json()


def close(access, password=PASSWORD):
    return client(access).delete(f"{API}users/me", {"password": password}, format="json")


def add_member(company, user, role=UserCompanyRole.COMPANY_USER):
    return UserCompany.objects.create(
        user=user,
        company=company,
        role_id=reference_id(UserCompanyRole, role),
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(JoinedVia, JoinedVia.INVITATION),
    )


def invite(company, inviter, email):
    return UserInvitation.objects.create(
        company=company,
        invited_email=email,
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER),
        status_id=reference_id(UserInvitationStatus, UserInvitationStatus.PENDING),
        token_hash=new_token()[1],
        invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=7),
    )


@pytest.fixture
def company(user):
    """A company ``user`` created (and so administers)."""
    return company_create(creator=user, company_name="Acme Events", country_code="AU")


# The last admin ---------------------------------------------------------------------------------


def test_the_last_active_admin_of_a_company_cannot_close_the_account(post, user, company, make_user):
    # Another admin who cannot sign in does not count (the companies' rule).
    suspended = make_user(email="suspended@example.com")
    User.objects.filter(pk=suspended.pk).update(status_id=reference_id(UserStatus, UserStatus.SUSPENDED))
    add_member(company, suspended, UserCompanyRole.COMPANY_ADMIN)
    access = sign_in(post)["access"]

    response = close(access)

    assert (response.status_code, response.json()) == (
        status.HTTP_409_CONFLICT,
        error(response, "conflict", lifecycle.MESSAGE_LAST_ADMIN.format(company="Acme Events")),
    )
    user.refresh_from_db()
    assert (user.email, user.is_deleted, user.first_name) == (EMAIL, False, "Mia")
    membership = UserCompany.objects.get(user=user, company=company)
    assert (membership.status.code, membership.removal_reason) == (UserCompanyStatus.ACTIVE, "")
    assert client(access).get(f"{API}users/me").status_code == status.HTTP_200_OK


def test_with_another_admin_who_can_sign_in_the_admin_may_close(post, user, company, make_user):
    add_member(company, make_user(email="second-admin@example.com"), UserCompanyRole.COMPANY_ADMIN)

    response = close(sign_in(post)["access"])

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert response.content == b""


# What closing does ------------------------------------------------------------------------------


@pytest.fixture
def full_account(user, company, make_user):
    """``user`` with everything closure touches: details, MFA, devices, links, memberships, invitations."""
    User.objects.filter(pk=user.pk).update(
        phone="+61 2 9999 0000", role_title="Events lead", profile_picture_url="https://cdn.example.com/mia.png"
    )
    owner = make_user(email="owner@example.com")
    other = company_create(creator=owner, company_name="Other Co", country_code="AU")
    add_member(other, user, UserCompanyRole.COMPANY_ADMIN)
    add_member(company, make_user(email="second-admin@example.com"), UserCompanyRole.COMPANY_ADMIN)
    return {"other": other, "sent": [invite(company, user, "guest@example.com"), invite(other, user, "g2@example.com")]}


def test_closing_de_identifies_the_account_and_ends_everything(post, user, company, full_account):
    UserPasswordResetToken.objects.create(
        user=user, token_hash="b" * 64, expires_at=timezone.now() + timedelta(hours=1)
    )
    UserEmailChangeToken.objects.create(
        user=user, token_hash="c" * 64, expires_at=timezone.now() + timedelta(hours=1), new_email="x@example.org"
    )
    phone, laptop = sign_in(post), sign_in(post)
    # MFA on (after signing in, which it would otherwise turn into a two-step sign-in).
    User.objects.filter(pk=user.pk).update(mfa_enabled_at=timezone.now())
    TOTPDevice.objects.create(user=user, name="EventLead", confirmed=True)
    UserRecoveryCode.objects.create(user=user, code_hash="a" * 64)
    snapshots_before = AuditUser.objects.filter(user=user).count()
    mail.outbox.clear()
    before = timezone.now()

    response = close(laptop["access"])

    assert response.status_code == status.HTTP_204_NO_CONTENT
    closed = User.objects.get(pk=user.pk)
    assert {
        "email": closed.email,
        "first_name": closed.first_name,
        "last_name": closed.last_name,
        "phone": closed.phone,
        "role_title": closed.role_title,
        "profile_picture_url": closed.profile_picture_url,
        "usable_password": closed.has_usable_password(),
        "mfa_enabled_at": closed.mfa_enabled_at,
        "is_deleted": closed.is_deleted,
        "deleted_by": closed.deleted_by_id,
        "session_token": closed.session_token,
        "is_active": closed.is_active,
    } == {
        "email": f"closed-{user.pk}@closed.invalid",
        "first_name": "",
        "last_name": "",
        "phone": "",
        "role_title": "",
        "profile_picture_url": "",
        "usable_password": False,
        "mfa_enabled_at": None,
        "is_deleted": True,
        "deleted_by": user.pk,
        "session_token": "",
        "is_active": False,
    }
    assert before <= closed.deleted_date <= timezone.now()
    # MFA, known devices and every unused link are gone; no email is sent to a closed account.
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not UserRecoveryCode.objects.filter(user=user).exists()
    assert not UserKnownDevice.objects.filter(user=user).exists()
    assert not UserPasswordResetToken.objects.filter(user=user, used_at__isnull=True).exists()
    assert not UserEmailChangeToken.objects.filter(user=user, used_at__isnull=True).exists()
    assert mail.outbox == []
    # Every session ended.
    for tokens in (phone, laptop):
        refused = client(tokens["access"]).get(f"{API}users/me")
        assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(refused))
        assert post("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == status.HTTP_401_UNAUTHORIZED
    assert set(UserSession.objects.filter(user=user).values_list("end_reason", flat=True)) == {
        SessionEndReason.ACCOUNT_CLOSED
    }
    # Memberships removed, by the user, for the reason; the invitations they sent cancelled.
    memberships = UserCompany.objects.filter(user=user).order_by("pk")
    assert [(m.status.code, m.removal_reason, m.removed_by_id) for m in memberships] == [
        (UserCompanyStatus.REMOVED, lifecycle.REASON_ACCOUNT_CLOSED, user.pk)
    ] * 2
    for invitation in full_account["sent"]:
        invitation.refresh_from_db()
        assert (invitation.status.code, invitation.cancelled_by_id) == (UserInvitationStatus.CANCELLED, user.pk)
    # Audit rows stay, and the closure's snapshot does not copy the removed details again.
    snapshots = AuditUser.objects.filter(user=user).order_by("id")
    assert snapshots.count() == snapshots_before + 1
    closure = snapshots.last()
    assert closure.operation == Operation.SOFT_DELETE
    assert closure.new_values["Email"] == f"closed-{user.pk}@closed.invalid"
    assert {closure.old_values[column] for column in ("Email", "FirstName", "LastName", "Phone", "RoleTitle")} == {
        lifecycle.DEIDENTIFIED
    }
    assert EMAIL not in json.dumps([closure.old_values, closure.new_values])
    assert "Mia" not in json.dumps([closure.old_values, closure.new_values])
    assert ActivityLog.objects.filter(action="account_closed", user=user, entity_id=str(user.pk)).count() == 1
    [event] = AuthEvent.objects.filter(user=user, event_type="account_closed")
    assert event.email == f"closed-{user.pk}@closed.invalid"


def test_after_closing_the_old_credentials_are_refused_and_the_address_is_free(post, user, company, make_user):
    add_member(company, make_user(email="second-admin@example.com"), UserCompanyRole.COMPANY_ADMIN)
    assert close(sign_in(post)["access"]).status_code == status.HTTP_204_NO_CONTENT

    refused = post("auth/login", {"email": EMAIL, "password": PASSWORD})
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_credentials")
    reset = post("auth/password-reset", {"email": EMAIL})
    assert reset.status_code == status.HTTP_202_ACCEPTED
    assert mail.outbox == [] or all(message.to != [EMAIL] for message in mail.outbox)

    signed_up = post("auth/signup", {"email": EMAIL, "password": NEW_PASSWORD, "firstName": "Mia", "lastName": "N"})
    assert signed_up.status_code == status.HTTP_202_ACCEPTED
    assert mail.outbox[-1].to == [EMAIL]
    assert post("auth/verify-email", {"token": last_link_token()}).json() == {"verified": True}
    fresh = sign_in(post, password=NEW_PASSWORD)
    assert fresh["user"]["userId"] != user.pk
    assert (fresh["user"]["email"], fresh["user"]["companies"]) == (EMAIL, [])
    assert User.objects.get(email=EMAIL).pk != user.pk


def test_a_member_who_is_not_an_admin_closes_and_leaves_the_company(post, user, make_user):
    owner = make_user(email="owner@example.com")
    other = company_create(creator=owner, company_name="Other Co", country_code="AU")
    add_member(other, user)

    assert close(sign_in(post)["access"]).status_code == status.HTTP_204_NO_CONTENT

    membership = UserCompany.objects.get(user=user, company=other)
    assert (membership.status.code, membership.removal_reason) == (UserCompanyStatus.REMOVED, "account_closed")
    owner_membership = UserCompany.objects.get(user=owner, company=other)
    assert owner_membership.status.code == UserCompanyStatus.ACTIVE


# Refusals ---------------------------------------------------------------------------------------


def test_a_wrong_password_is_a_field_error_and_counts_toward_the_lockout(post, user):
    access = sign_in(post)["access"]

    response = close(access, "Wrong-password-1")

    assert (response.status_code, response.json()) == (
        status.HTTP_400_BAD_REQUEST,
        error(response, "validation_error", MESSAGE_VALIDATION, {"password": [MESSAGE_WRONG_CURRENT_PASSWORD]}),
    )
    user.refresh_from_db()
    assert (user.email, user.is_deleted, user.failed_login_attempts) == (EMAIL, False, 1)
    assert AuthEvent.objects.filter(user=user, event_type="login_failed").count() == 1
    assert client(access).get(f"{API}users/me").status_code == status.HTTP_200_OK


def test_wrong_passwords_up_to_the_limit_lock_the_account_and_end_its_sessions(post, user, set_setting):
    set_setting("security.max_failed_login_attempts", 2)
    access = sign_in(post)["access"]

    answers = [close(access, f"Wrong-password-{n}").status_code for n in range(2)]

    assert answers == [400, 400]
    user.refresh_from_db()
    assert (user.is_locked, user.is_deleted) == (True, False)
    assert client(access).get(f"{API}users/me").status_code == status.HTTP_401_UNAUTHORIZED


def test_closing_needs_a_recent_sign_in(monkeypatch, post, user, set_setting):
    set_setting("security.reauth_minutes", 5)
    access = sign_in(post)["access"]
    later = timezone.now() + timedelta(minutes=5, seconds=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    response = close(access)

    assert (response.status_code, response.json()) == (
        status.HTTP_401_UNAUTHORIZED,
        error(response, "reauthentication_required", ReauthenticationRequired.message),
    )
    user.refresh_from_db()
    assert (user.email, user.is_deleted, user.failed_login_attempts) == (EMAIL, False, 0)


def test_closing_needs_the_password_in_the_body(post, user):
    response = client(sign_in(post)["access"]).delete(f"{API}users/me", {}, format="json")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()["error"]["fields"]) == ["password"]
    assert not User.objects.get(pk=user.pk).is_deleted


def test_the_email_deliveries_of_a_closed_account_keep_no_new_address(post, user):
    """Nothing is queued for a closed account, so no delivery row carries its placeholder."""
    assert close(sign_in(post)["access"]).status_code == status.HTTP_204_NO_CONTENT

    assert not EmailDelivery.objects.filter(recipient_email__endswith="@closed.invalid").exists()
