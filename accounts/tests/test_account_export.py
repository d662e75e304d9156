"""GET /users/me/export: everything held about the caller, and nothing secret (APP 12).

The coverage test reads every model with a foreign key to the user: each such key is exported
or listed in ``NOT_EXPORTED`` with its reason, so a new table about users fails it until someone
decides which.
"""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status

from accounts import lifecycle
from accounts.models import User, UserPasswordResetToken, UserRecoveryCode, UserSession
from accounts.tokens import hash_token
from companies.models import UserInvitation
from companies.services import company_create
from logging_app.models import EmailType

from .http_support import API, client

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
EMAIL = "member@example.com"


def user_foreign_keys() -> set[tuple[str, str]]:
    """Every (model, field) that points at the user, the tracking columns left out."""
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is not None
        and field.related_model._meta.label == settings.AUTH_USER_MODEL
        and field.name not in lifecycle.TRACKING_FIELDS
    }


def section(document: dict, path: str):
    """The part of the export ``path`` names ("invitations.sent"), by its snake_case path."""
    from eventlead.core.renderers import camel_key

    for part in path.split("."):
        document = document[camel_key(part)]
    return document


def sign_in(post, email=EMAIL, password=PASSWORD):
    response = post("auth/login", {"email": email, "password": password})
    assert response.status_code == status.HTTP_200_OK, response.content
    return response.json()


def export(access):
    return client(access).get(f"{API}users/me/export")


# Coverage -------------------------------------------------------------------------------------


def test_every_foreign_key_to_the_user_is_exported_or_left_out_with_a_reason():
    keys = user_foreign_keys()
    decided = set(lifecycle.EXPORTED) | set(lifecycle.NOT_EXPORTED)

    assert sorted(keys - decided) == [], "export these in accounts.lifecycle, or list them in NOT_EXPORTED"
    assert sorted(decided - keys) == [], "these are no longer foreign keys to the user"
    assert set(lifecycle.EXPORTED).isdisjoint(lifecycle.NOT_EXPORTED)
    assert all(len(reason) > 20 for reason in lifecycle.NOT_EXPORTED.values())


def test_the_tracking_columns_are_the_only_ones_every_table_shares():
    """Only CreatedBy, UpdatedBy and DeletedBy are left out wholesale; each is on the abstract models."""
    from eventlead.core.models import SoftDeleteModel

    tracking = {field.name for field in SoftDeleteModel._meta.fields if field.is_relation}
    assert tracking == lifecycle.TRACKING_FIELDS


def test_every_exported_section_is_in_the_document(user, post):
    response = export(sign_in(post)["access"])
    document = response.json()

    for key, path in lifecycle.EXPORTED.items():
        assert section(document, path) is not None, key
    assert list(document) == ["exportedAt", *(key for key in map(_camel, lifecycle.SECTIONS))]


def _camel(name):
    from eventlead.core.renderers import camel_key

    return camel_key(name)


# Content --------------------------------------------------------------------------------------


@pytest.fixture
def rich_account(user, post, make_user):
    """``user`` with a row in most places the export reads; returns the secrets it must not show."""
    access = sign_in(post)["access"]
    company = company_create(creator=user, company_name="Acme Events", country_code="AU")
    invited = post(
        f"companies/{company.pk}/invitations", {"email": "guest@example.com", "role": "company_user"}, access
    )
    assert invited.status_code == status.HTTP_201_CREATED, invited.content
    owner = make_user(email="owner@example.com")
    other = company_create(creator=owner, company_name="Other Co", country_code="AU")
    owner_access = sign_in(post, "owner@example.com")
    received = post(
        f"companies/{other.pk}/invitations", {"email": EMAIL, "role": "company_viewer"}, owner_access["access"]
    )
    assert received.status_code == status.HTTP_201_CREATED, received.content
    post("users/me/email", {"newEmail": "mia.new@example.org"}, access)
    post("auth/password-reset", {"email": EMAIL})
    User.objects.filter(pk=user.pk).update(mfa_enabled_at=timezone.now(), phone="+61 2 9999 0000")
    device = TOTPDevice.objects.create(user=user, name="EventLead", confirmed=True)
    for n in range(3):
        UserRecoveryCode.objects.create(
            user=user, code_hash=hash_token(f"code-{n}"), used_at=timezone.now() if n else None
        )
    secrets = [
        user.password,
        device.key,
        *UserSession.objects.filter(user=user).values_list("session_key", flat=True),
        *UserRecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True),
        *UserPasswordResetToken.objects.filter(user=user).values_list("token_hash", flat=True),
        *UserInvitation.objects.values_list("token_hash", flat=True),
    ]
    # Every token that was emailed (links) and every token issued by the API.
    secrets += [word.split("token=")[1] for message in mail.outbox for word in message.body.split() if "token=" in word]
    secrets += [access, owner_access["access"], owner_access["refresh"]]
    return {"company": company, "other": other, "owner": owner, "secrets": secrets, "access": access}


def test_the_export_is_a_json_attachment_of_the_callers_data(user, rich_account):
    response = export(rich_account["access"])

    assert response.status_code == status.HTTP_200_OK
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="eventlead-account-export.json"'
    assert response["Cache-Control"].startswith("no-store")
    document = response.json()
    profile = document["profile"]
    assert (profile["userId"], profile["email"], profile["firstName"], profile["phone"]) == (
        user.pk,
        EMAIL,
        "Mia",
        "+61 2 9999 0000",
    )
    assert (profile["status"], profile["userRole"]) == ("active", "company_user")
    assert [(m["companyName"], m["role"], m["status"]) for m in document["memberships"]] == [
        ("Acme Events", "company_admin", "active")
    ]
    sent, received = document["invitations"]["sent"], document["invitations"]["received"]
    assert [(i["invitedEmail"], i["companyName"], i["status"]) for i in sent] == [
        ("guest@example.com", "Acme Events", "pending")
    ]
    assert [(i["invitedEmail"], i["companyName"], i["role"]) for i in received] == [
        (EMAIL, "Other Co", "company_viewer")
    ]
    assert len(document["sessions"]) == UserSession.objects.filter(user=user).count() == 1
    assert set(document["sessions"][0]) == {
        "createdAt",
        "ipAddress",
        "userAgent",
        "device",
        "authenticatedAt",
        "lastSeenAt",
        "expiresAt",
        "endedAt",
        "endReason",
    }
    assert [d["device"] for d in document["knownDevices"]] == ["Unknown device"]
    assert {k: document["mfa"][k] for k in ("recoveryCodesLeft", "recoveryCodesUsed")} == {
        "recoveryCodesLeft": 1,
        "recoveryCodesUsed": 2,
    }
    assert [(d["name"], d["confirmed"]) for d in document["mfa"]["devices"]] == [("EventLead", True)]
    assert document["mfa"]["enabledAt"] is not None
    tokens = document["oneTimeTokens"]
    assert [set(row) for row in tokens["passwordReset"]] == [{"createdDate", "expiresAt", "usedAt", "requestedIp"}]
    assert [row["newEmail"] for row in tokens["emailChange"]] == ["mia.new@example.org"]
    events = [event["eventType"] for event in document["authEvents"]]
    assert events.count("login_success") == 1 and "email_change_requested" in events
    deliveries = {(d["emailType"], d["recipientEmail"]) for d in document["emailDeliveries"]}
    assert deliveries >= {
        ("email_change_new_address", "mia.new@example.org"),
        (EmailType.SECURITY_EMAIL_CHANGE_REQUESTED, EMAIL),
        (EmailType.PASSWORD_RESET, EMAIL),
        (EmailType.INVITATION, EMAIL),  # the invitation addressed to the caller
    }
    assert all(
        set(d) == {"emailType", "recipientEmail", "subject", "status", "attemptCount", "sentAt", "createdAt"}
        for d in document["emailDeliveries"]
    )
    audit = document["audit"]
    assert [row["operation"] for row in audit["userSnapshots"]] == ["update"]  # the sign-in
    assert "LastLoginAt" in audit["userSnapshots"][0]["changedFields"]
    actions = {row["action"] for row in audit["activity"]}
    assert {"user_logged_in", "company_created", "invitation_created"} <= actions
    assert [(row["roleScope"], row["reason"]) for row in audit["roles"]] == [("company", "created the company")]


def test_the_export_holds_no_secret_and_nothing_of_other_users(user, rich_account):
    body = export(rich_account["access"]).content.decode()

    leaked = [secret for secret in rich_account["secrets"] if secret and secret in body]
    assert leaked == []
    for column in ("password", "tokenHash", "codeHash", "sessionKey", "errorMessage", "providerMessageId", "key"):
        assert f'"{column}"' not in body
    # The owner's sessions, events and memberships are theirs, not the caller's.
    owner = rich_account["owner"]
    document = json.loads(body)
    assert all(event["email"] == EMAIL for event in document["authEvents"])
    assert owner.email not in {m.get("email") for m in document["memberships"]}
    assert len(document["memberships"]) == 1


def test_a_taken_new_address_reads_in_the_export_as_a_free_one_does(user, post, make_user):
    make_user(email="taken@example.org")
    access = sign_in(post)["access"]
    post("users/me/email", {"newEmail": "taken@example.org"}, access)
    post("users/me/email", {"newEmail": "free@example.org"}, access)

    document = export(access).json()

    rows = [(d["emailType"], d["subject"]) for d in document["emailDeliveries"] if "example.org" in d["recipientEmail"]]
    assert rows == [("email_change_new_address", lifecycle.SUBJECT_EMAIL_CHANGE_NEW_ADDRESS)] * 2
    changes = document["oneTimeTokens"]["emailChange"]
    assert [row["newEmail"] for row in changes] == ["taken@example.org", "free@example.org"]
    assert [row["usedAt"] is None for row in changes] == [False, True]


def test_the_export_needs_a_signed_in_caller():
    assert client().get(f"{API}users/me/export").status_code == status.HTTP_401_UNAUTHORIZED


def test_a_closed_account_cannot_export(user, post):
    access = sign_in(post)["access"]
    assert client(access).delete(f"{API}users/me", {"password": PASSWORD}, format="json").status_code == 204

    assert export(access).status_code == status.HTTP_401_UNAUTHORIZED


def test_the_document_has_the_time_it_was_made(user, post):
    before = timezone.now() - timedelta(seconds=1)
    document = export(sign_in(post)["access"]).json()

    from django.utils.dateparse import parse_datetime

    assert before <= parse_datetime(document["exportedAt"]) <= timezone.now()


@pytest.mark.parametrize("sign_ins", [1, 6])
def test_the_export_runs_the_same_queries_however_much_there_is(user, post, django_assert_num_queries, sign_ins):
    for _ in range(sign_ins):
        sign_in(post)

    # One for the user, one per list (memberships, two of invitations, sessions, devices, MFA's
    # three, five kinds of link, events, deliveries, requests, three of audit), and the
    # savepoint the read's transaction is inside the test's.
    with django_assert_num_queries(23):
        document = lifecycle.account_export(user=user)

    assert len(document["sessions"]) == sign_ins
