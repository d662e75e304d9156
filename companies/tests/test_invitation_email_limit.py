"""Invitation emails per company and address: cancelling and inviting again is no way round the limit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditing.models import ActivityLog
from companies.invitations import MESSAGE_RECIPIENT_LIMIT
from companies.models import UserInvitation
from eventlead.testing.openapi import assert_documented
from logging_app.models import EmailDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(set_setting):
    """Three invitation emails per company and address per 24 hours."""
    set_setting("email.invitation_emails_per_recipient", 3)
    set_setting("email.invitation_emails_window_hours", 24)
    return 3


@pytest.fixture
def admin_of(send, client_for):
    """A client signed in as the admin of a new company, and the company's invitations path."""

    def make(email, company_name):
        client = client_for(email)
        company = send(client, "post", "companies", {"companyName": company_name, "countryCode": "AU"}).json()
        return client, f"companies/{company['companyId']}/invitations"

    return make


def invite(send, client, path, email="guest@example.com"):
    return send(client, "post", path, {"email": email, "role": "company_user", "firstName": "Any text at all"})


def cancel(send, client, path, invitation_id):
    response = send(client, "post", f"{path}/{invitation_id}/cancel", {"reason": "again"})
    assert response.status_code == 200, response.content


def throttled(response) -> dict:
    return {"error": {"code": "throttled", "message": MESSAGE_RECIPIENT_LIMIT, "requestId": response["X-Request-ID"]}}


def test_invite_cancel_invite_stops_at_the_limit_with_a_429_that_creates_and_sends_nothing(send, admin_of, limit):
    client, path = admin_of("boss@example.com", "Acme Events")
    # Every spelling of the address is one recipient.
    for email in ("guest@example.com", "Guest@Example.com", " GUEST@example.com"):
        created = invite(send, client, path, email)
        assert created.status_code == 201, created.content
        cancel(send, client, path, created.json()["invitationId"])

    refused = invite(send, client, path, "guest@EXAMPLE.com")

    assert (refused.status_code, refused.json()) == (429, throttled(refused))
    assert_documented(refused)
    assert UserInvitation.objects.count() == limit
    assert not UserInvitation.objects.filter(status__code="pending").exists()
    assert EmailDelivery.objects.filter(email_type="invitation").count() == limit
    assert [message.to for message in mail.outbox] == [["guest@example.com"]] * limit
    assert ActivityLog.objects.filter(action="invitation_created").count() == limit


def test_resends_count_toward_the_limit_and_a_refused_resend_changes_nothing(send, admin_of, limit):
    client, path = admin_of("boss@example.com", "Acme Events")
    invitation_id = invite(send, client, path).json()["invitationId"]
    resend = f"{path}/{invitation_id}/resend"
    for _ in range(limit - 1):
        UserInvitation.objects.update(invited_at=timezone.now() - timedelta(hours=1), last_resent_at=None)
        assert send(client, "post", resend).status_code == 200
    UserInvitation.objects.update(invited_at=timezone.now() - timedelta(hours=1), last_resent_at=None)
    before = UserInvitation.objects.values("token_hash", "resend_count", "expires_at").get()

    refused = send(client, "post", resend)

    assert (refused.status_code, refused.json()) == (429, throttled(refused))
    assert_documented(refused)
    assert UserInvitation.objects.values("token_hash", "resend_count", "expires_at").get() == before
    assert len(mail.outbox) == EmailDelivery.objects.count() == limit


def test_the_limit_is_per_company_and_address(send, admin_of, limit):
    client, path = admin_of("boss@example.com", "Acme Events")
    for _ in range(limit):
        cancel(send, client, path, invite(send, client, path).json()["invitationId"])
    assert invite(send, client, path).status_code == 429

    assert invite(send, client, path, "someone-else@example.com").status_code == 201
    other_client, other_path = admin_of("rival@example.com", "Rival Events")
    assert invite(send, other_client, other_path).status_code == 201


def test_emails_older_than_the_window_no_longer_count(send, admin_of, limit):
    client, path = admin_of("boss@example.com", "Acme Events")
    for _ in range(limit):
        cancel(send, client, path, invite(send, client, path).json()["invitationId"])
    assert invite(send, client, path).status_code == 429
    oldest = EmailDelivery.objects.order_by("pk").first()

    EmailDelivery.objects.filter(pk=oldest.pk).update(created_date=timezone.now() - timedelta(hours=24, seconds=1))

    assert invite(send, client, path).status_code == 201
    assert invite(send, client, path).status_code == 409  # pending again: one more send would be over
    assert EmailDelivery.objects.count() == limit + 1


def test_the_sends_so_far_are_counted_in_one_query_under_the_company_lock(send, admin_of, limit):
    from companies.invitations import _invitation_email_queue

    client, path = admin_of("boss@example.com", "Acme Events")
    for _ in range(limit - 2):
        cancel(send, client, path, invite(send, client, path).json()["invitationId"])
    invitation = UserInvitation.objects.select_related("company").get(
        pk=invite(send, client, path).json()["invitationId"]
    )

    with CaptureQueriesContext(connection) as queries:
        _invitation_email_queue(invitation, timezone.now())

    reads = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(reads) == 2
    assert 'Company"' in reads[0] and (connection.vendor == "sqlite" or "FOR UPDATE" in reads[0])
    assert "COUNT(*)" in reads[1] and 'EmailDelivery"' in reads[1]
    assert EmailDelivery.objects.count() == limit
