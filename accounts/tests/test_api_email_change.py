"""Changing the email address over HTTP (spec/api.md, "Account lifecycle"): a link to the new
address, a notice to the old one, the same answer for a taken address, and what confirming does.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework import status

from accounts import lifecycle
from accounts.lifecycle_apis import MESSAGE_EMAIL_CHANGE_SENT
from accounts.models import SessionEndReason, User, UserEmailChangeToken, UserSession
from auditing.models import ActivityLog, AuditUser
from companies.models import UserInvitation
from eventlead.core.exceptions import MESSAGE_VALIDATION, ReauthenticationRequired
from logging_app.models import AuthEvent, EmailDelivery, EmailType

from .http_support import API, access_refused, client, error, token_invalid

PASSWORD = "Correct-horse-battery-9"  # make_user's
OLD = "member@example.com"
NEW = "mia.nguyen@example.org"
ACCEPTED = {"detail": MESSAGE_EMAIL_CHANGE_SENT}

pytestmark = pytest.mark.django_db


def sign_in(api, email=OLD, password=PASSWORD):
    response = api.post("auth/login", {"email": email, "password": password})
    assert response.status == 200, response.body
    return response.body


def link(body: str, path: str) -> str:
    """The one link of ``body`` to the frontend page ``path``."""
    [found] = [word for word in body.split() if f"/{path}?" in word]
    return found


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


# End to end, over HTTP, with every email read off a real SMTP server ---------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_change_the_address_through_the_emailed_link_end_to_end(http_api, smtp_server, make_user, settings):
    user = make_user(email=OLD)
    phone, laptop = sign_in(http_api), sign_in(http_api)

    asked = http_api.with_access(phone["access"]).post("users/me/email", {"newEmail": "Mia.Nguyen@EXAMPLE.org"})

    assert (asked.status, asked.body) == (202, ACCEPTED)
    [confirm] = smtp_server.messages_to(NEW)
    assert confirm.subject == lifecycle.SUBJECT_EMAIL_CHANGE_NEW_ADDRESS
    assert link(confirm.body, "confirm-email-change").startswith(f"{settings.FRONTEND_BASE_URL}/confirm-email-change?")
    [requested] = smtp_server.messages_to(OLD)
    assert requested.subject == lifecycle.SUBJECT_EMAIL_CHANGE_REQUESTED
    assert link(requested.body, "secure-account")
    assert User.objects.get(pk=user.pk).email == OLD  # nothing changes until the link is followed

    before = timezone.now()
    confirmed = http_api.post("users/me/email/confirm", {"token": confirm.link_token()})

    assert (confirmed.status, confirmed.body) == (200, {"email": NEW})
    user.refresh_from_db()
    assert user.email == NEW
    assert before <= user.email_verified_at <= timezone.now()
    # Every session ended: not one token of either device works.
    for tokens in (phone, laptop):
        assert http_api.with_access(tokens["access"]).get("users/me").status == 401
        assert http_api.post("auth/token/refresh", {"refresh": tokens["refresh"]}).status == 401
    assert set(UserSession.objects.filter(user=user).values_list("end_reason", flat=True)) == {
        SessionEndReason.EMAIL_CHANGED
    }
    # The old address is told, with a "this wasn't me" link that works.
    changed = smtp_server.messages_to(OLD)[-1]
    assert changed.subject == lifecycle.SUBJECT_EMAIL_CHANGED
    assert changed.rcpt_tos == (OLD,)
    secure = link(changed.body, "secure-account")
    assert secure.startswith(f"{settings.FRONTEND_BASE_URL}/secure-account?")
    # Audited: the snapshot holds the change of address, the activity log the action.
    snapshot = AuditUser.objects.filter(user=user).latest("id")
    assert snapshot.changed_by_id == user.pk
    assert (snapshot.old_values["Email"], snapshot.new_values["Email"]) == (OLD, NEW)
    assert ActivityLog.objects.filter(action="email_changed", entity_id=str(user.pk), user=user).count() == 1
    events = AuthEvent.objects.filter(user=user, event_type__startswith="email_change")
    assert list(events.order_by("id").values_list("event_type", flat=True)) == [
        "email_change_requested",
        "email_changed",
    ]
    # The new address signs in; the old one no longer does; the link works once.
    assert http_api.post("auth/login", {"email": OLD, "password": PASSWORD}).status == 401
    assert sign_in(http_api, NEW)["user"]["email"] == NEW
    again = http_api.post("users/me/email/confirm", {"token": confirm.link_token()})
    assert (again.status, again.body["error"]["code"]) == (400, "token_invalid")
    # "This wasn't me", from the old address: the account goes back to it, every session ends
    # again, and the password reset link goes to the old address, never to the new one.
    assert http_api.post("auth/secure-account", {"token": token_of(secure)}).status == 200
    user.refresh_from_db()
    assert user.email == OLD
    assert AuditUser.objects.filter(user=user).latest("id").new_values["Email"] == OLD
    reset = smtp_server.messages_to(OLD)[-1]
    assert token_of(link(reset.body, "reset-password"))
    assert not [message for message in smtp_server.messages_to(NEW) if "/reset-password?" in message.body]
    assert http_api.post("auth/login", {"email": NEW, "password": PASSWORD}).status == 401
    assert sign_in(http_api, OLD)["user"]["email"] == OLD


# The request ------------------------------------------------------------------------------------


@pytest.fixture
def access(user, login):
    return login()["access"]


def ask(post, access, new_email=NEW):
    return post("users/me/email", {"newEmail": new_email}, access)


def outbox_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def rows_written():
    """How many rows of each kind an email change request writes (emails built and sent included)."""
    return (
        AuthEvent.objects.count(),
        EmailDelivery.objects.count(),
        UserEmailChangeToken.objects.count(),
        AuditUser.objects.count(),
        ActivityLog.objects.count(),
    )


def test_a_taken_address_gets_the_same_answer_and_a_notice_instead_of_the_link(post, access, make_user):
    owner = make_user(email=NEW, first_name="Owen")
    counts = rows_written()

    response = ask(post, access)

    assert (response.status_code, response.json()) == (status.HTTP_202_ACCEPTED, ACCEPTED)
    [notice] = outbox_to(NEW)
    assert notice.subject == lifecycle.SUBJECT_EMAIL_CHANGE_NEW_ADDRESS
    assert "confirm-email-change" not in notice.body and "token=" not in notice.body
    assert "already belongs to an EventLead account" in notice.body
    [requested] = outbox_to(OLD)
    assert requested.subject == lifecycle.SUBJECT_EMAIL_CHANGE_REQUESTED
    taken_writes = tuple(after - before for after, before in zip(rows_written(), counts, strict=True))
    owner.refresh_from_db()
    assert owner.email == NEW

    # A free address: the same answer and the same writes, with the link instead of the notice.
    mail.outbox.clear()
    counts = rows_written()
    response = ask(post, access, "free@example.org")
    assert (response.status_code, response.json()) == (status.HTTP_202_ACCEPTED, ACCEPTED)
    assert "confirm-email-change?token=" in outbox_to("free@example.org")[0].body
    free_writes = tuple(after - before for after, before in zip(rows_written(), counts, strict=True))
    assert taken_writes == free_writes == (1, 2, 1, 0, 0)


def test_the_link_row_a_taken_address_stores_can_confirm_nothing(post, access, make_user, user):
    make_user(email=NEW)
    ask(post, access)

    [row] = UserEmailChangeToken.objects.filter(user=user)
    assert (row.new_email, row.used_at) == (NEW, None)  # as for a free address
    # No email carries its token: every token of every email sent fails to move the account.
    sent = [token_of(word) for message in mail.outbox for word in message.body.split() if "token=" in word]
    assert len(sent) == 1  # the old address's "this wasn't me" link
    assert all(post("users/me/email/confirm", {"token": token}).status_code == 400 for token in sent)
    user.refresh_from_db()
    assert user.email == OLD


def test_the_same_address_in_any_spelling_is_a_field_error(post, access, user):
    response = ask(post, access, "MEMBER@Example.COM")

    assert (response.status_code, response.json()) == (
        status.HTTP_400_BAD_REQUEST,
        error(response, "validation_error", MESSAGE_VALIDATION, {"newEmail": [lifecycle.MESSAGE_SAME_EMAIL]}),
    )
    assert mail.outbox == [] and not UserEmailChangeToken.objects.exists()


def test_an_address_with_no_canonical_form_is_a_field_error(post, access):
    response = ask(post, access, "someone@localhost")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(response.json()["error"]["fields"]) == ["newEmail"]
    assert mail.outbox == []


def test_a_new_request_makes_the_earlier_link_stop_working(post, access):
    ask(post, access, "first@example.org")
    first = token_of(link(outbox_to("first@example.org")[0].body, "confirm-email-change"))
    ask(post, access, "second@example.org")
    second = token_of(link(outbox_to("second@example.org")[0].body, "confirm-email-change"))

    stale = post("users/me/email/confirm", {"token": first})
    assert (stale.status_code, stale.json()) == (status.HTTP_400_BAD_REQUEST, token_invalid(stale))
    assert post("users/me/email/confirm", {"token": second}).json() == {"email": "second@example.org"}


def test_the_request_needs_a_recent_sign_in(monkeypatch, post, user, login, set_setting):
    set_setting("security.reauth_minutes", 5)
    access = login()["access"]
    later = timezone.now() + timedelta(minutes=5, seconds=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    response = ask(post, access)

    assert (response.status_code, response.json()) == (
        status.HTTP_401_UNAUTHORIZED,
        error(response, "reauthentication_required", ReauthenticationRequired.message),
    )
    assert mail.outbox == [] and not UserEmailChangeToken.objects.exists()


def test_the_request_needs_a_signed_in_caller(post):
    response = post("users/me/email", {"newEmail": NEW})

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert mail.outbox == []


# Confirming -------------------------------------------------------------------------------------


def confirm_link_token(address=NEW):
    return token_of(link(outbox_to(address)[-1].body, "confirm-email-change"))


def test_confirming_rechecks_that_the_address_is_still_free(post, access, user, make_user):
    ask(post, access)
    token = confirm_link_token()
    other = make_user(email=NEW)  # signed up with the address meanwhile

    taken = post("users/me/email/confirm", {"token": token})

    assert (taken.status_code, taken.json()) == (
        status.HTTP_409_CONFLICT,
        error(taken, "conflict", lifecycle.MESSAGE_EMAIL_TAKEN),
    )
    user.refresh_from_db()
    assert user.email == OLD
    assert UserEmailChangeToken.objects.get(user=user).used_at is None  # the link stays unused
    # Once the address is free again, the same link works.
    User.objects.filter(pk=other.pk).update(email="other@example.org")
    assert post("users/me/email/confirm", {"token": token}).json() == {"email": NEW}


def test_confirming_ends_every_session_and_uses_up_links_sent_before(post, access, user):
    post("auth/password-reset", {"email": OLD})
    reset = token_of(link(outbox_to(OLD)[-1].body, "reset-password"))
    ask(post, access)

    assert post("users/me/email/confirm", {"token": confirm_link_token()}).status_code == status.HTTP_200_OK

    refused = client(access).get(f"{API}users/me")
    assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(refused))
    stale = post("auth/password-reset/confirm", {"token": reset, "newPassword": "Another-long-passphrase-42"})
    assert (stale.status_code, stale.json()) == (status.HTTP_400_BAD_REQUEST, token_invalid(stale))
    [changed] = EmailDelivery.objects.filter(email_type=EmailType.SECURITY_EMAIL_CHANGED)
    assert (changed.recipient_email, changed.user_id, changed.auth_event.event_type) == (OLD, user.pk, "email_changed")


def test_an_unknown_token_is_refused(post):
    response = post("users/me/email/confirm", {"token": "not-a-token"})

    assert (response.status_code, response.json()) == (status.HTTP_400_BAD_REQUEST, token_invalid(response))


def test_invitations_to_the_new_address_are_the_callers_after_the_change(post, access, user, make_user):
    from companies.invitations import invitation_accept
    from companies.services import company_create

    admin = make_user(email="admin@example.com")
    company = company_create(creator=admin, company_name="Acme Events", country_code="AU")
    admin_access = sign_in_access(post, "admin@example.com")
    response = post(f"companies/{company.pk}/invitations", {"email": NEW, "role": "company_user"}, admin_access)
    assert response.status_code == status.HTTP_201_CREATED, response.content
    invitation_token = token_of(link(outbox_to(NEW)[-1].body, "invitations/accept"))
    ask(post, access)
    post("users/me/email/confirm", {"token": confirm_link_token()})
    user.refresh_from_db()

    membership, _ = invitation_accept(token=invitation_token, user=user)

    assert (membership.user_id, membership.company_id) == (user.pk, company.pk)
    assert UserInvitation.objects.get(company=company).accepted_user_id == user.pk


def sign_in_access(post, email):
    response = post("auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == status.HTTP_200_OK, response.content
    return response.json()["access"]
