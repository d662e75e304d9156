"""Security emails read off a real SMTP server, and the "this wasn't me" link they carry.

spec/api.md, "Account security": each security email says when (in the owner's time zone),
from which IP address and device, and links to ``…/secure-account?token=``; that link, used
once, ends every session and sends a password reset link. Devices are played with the
requests' ``HTTP_USER_AGENT`` and ``REMOTE_ADDR``.
"""

import hashlib
import zoneinfo
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from accounts.apis import MESSAGE_ACCOUNT_SECURED, MESSAGE_PASSWORD_RESET
from accounts.models import UserSecureAccountToken, UserSession
from accounts.services import (
    SUBJECT_NEW_DEVICE,
    SUBJECT_PASSWORD_CHANGED,
    SUBJECT_PASSWORD_RESET,
    SUBJECT_RESET,
    SUBJECT_TOKEN_REUSE,
    RefreshTokenInvalid,
)
from logging_app.models import AuthEvent, EmailDelivery

from .http_support import API, access_refused, client, error, token_expired, token_invalid

pytestmark = pytest.mark.django_db

EMAIL = "member@example.com"
NEW_PASSWORD = "Another-long-passphrase-42"
# Five hours and 45 minutes from UTC: no minute of UTC reads the same there.
TIME_ZONE = "Asia/Kathmandu"

CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
LAPTOP = {"HTTP_USER_AGENT": CHROME_ON_LINUX, "REMOTE_ADDR": "203.0.113.7"}
# The same laptop elsewhere on its own network (the same /24), and on another network.
LAPTOP_SAME_NETWORK = {"HTTP_USER_AGENT": CHROME_ON_LINUX, "REMOTE_ADDR": "203.0.113.200"}
LAPTOP_ELSEWHERE = {"HTTP_USER_AGENT": CHROME_ON_LINUX, "REMOTE_ADDR": "198.51.100.23"}
# Another browser on the laptop's network.
OTHER_BROWSER = {"HTTP_USER_AGENT": FIREFOX_ON_WINDOWS, "REMOTE_ADDR": "203.0.113.7"}
PHONE = {"HTTP_USER_AGENT": FIREFOX_ON_WINDOWS, "REMOTE_ADDR": "192.0.2.55"}


@pytest.fixture
def owner(make_user):
    return make_user(email=EMAIL, timezone_identifier=TIME_ZONE)


@pytest.fixture
def post_from(django_capture_on_commit_callbacks):
    """POST JSON from ``device`` (its User-Agent and address), as ``access``'s user when given,
    and run the on-commit callbacks (the emails), as the ``post`` fixture does."""

    def do(device, path, body=None, access=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client(access).post(f"{API}{path}", body or {}, format="json", **device)

    return do


@pytest.fixture
def sign_in(post_from, password):
    def do(device, password=password):
        response = post_from(device, "auth/login", {"email": EMAIL, "password": password})
        assert response.status_code == 200, response.content
        return response.json()

    return do


def assert_link_on_frontend(message, settings, path):
    [link] = [link for link in message.links() if "token=" in link]
    parsed = urlparse(link)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == f"{settings.FRONTEND_BASE_URL}/{path}"
    assert parsed.query.startswith("token=")


def assert_security_notice(message, settings, *, subject, device, address, event):
    """A security email to the owner about ``event``: when (owner's time zone), device, IP, link."""
    assert message.rcpt_tos == (EMAIL,)
    assert message.subject == subject
    body = message.body
    local = event.created_date.astimezone(zoneinfo.ZoneInfo(TIME_ZONE))
    utc = event.created_date.astimezone(zoneinfo.ZoneInfo("UTC"))
    assert f"{local:%H:%M}" in body and TIME_ZONE in body
    assert f"{local:%d %B %Y}" in body or f"{local.day} {local:%B %Y}" in body
    assert f"{utc:%H:%M}" not in body  # the time is the owner's, not the server's
    assert device in body
    assert address in body
    assert_link_on_frontend(message, settings, "secure-account")


def refresh_refused(response) -> dict:
    return error(response, "token_invalid", RefreshTokenInvalid.message)


def delivery_types() -> list[str]:
    return list(EmailDelivery.objects.order_by("id").values_list("email_type", flat=True))


def login_event(device) -> AuthEvent:
    return AuthEvent.objects.filter(event_type="login_success", user_agent=device["HTTP_USER_AGENT"]).latest("id")


# Sign-ins from new devices ---------------------------------------------------------------------


def test_the_first_sign_in_of_an_account_sends_no_email(owner, sign_in, smtp_server):
    sign_in(LAPTOP)

    assert smtp_server.messages == []
    assert delivery_types() == []


def test_a_new_browser_gets_one_email_on_its_first_sign_in(owner, sign_in, smtp_server, settings, unthrottled):
    sign_in(LAPTOP)
    sign_in(LAPTOP)
    assert smtp_server.messages == []

    sign_in(OTHER_BROWSER)

    [notice] = smtp_server.messages
    event = login_event(OTHER_BROWSER)
    assert_security_notice(
        notice, settings, subject=SUBJECT_NEW_DEVICE, device="Firefox on Windows", address="203.0.113.7", event=event
    )
    sign_in(OTHER_BROWSER)
    assert len(smtp_server.messages) == 1
    assert delivery_types() == ["security_new_device"]


def test_a_known_browser_on_another_network_counts_as_new(owner, sign_in, smtp_server, settings, unthrottled):
    sign_in(LAPTOP)

    sign_in(LAPTOP_SAME_NETWORK)
    assert smtp_server.messages == []
    sign_in(LAPTOP_ELSEWHERE)

    [notice] = smtp_server.messages
    event = login_event(LAPTOP_ELSEWHERE)
    assert event.ip_address == "198.51.100.23"
    assert_security_notice(
        notice, settings, subject=SUBJECT_NEW_DEVICE, device="Chrome on Linux", address="198.51.100.23", event=event
    )
    assert delivery_types() == ["security_new_device"]


# Password change and reset, refresh-token reuse ----------------------------------------------


def test_a_password_change_sends_its_security_email(owner, sign_in, post_from, password, smtp_server, settings):
    tokens = sign_in(LAPTOP)

    changed = post_from(
        LAPTOP, "auth/password-change", {"currentPassword": password, "newPassword": NEW_PASSWORD}, tokens["access"]
    )

    assert changed.status_code == 200
    [notice] = smtp_server.messages
    event = AuthEvent.objects.get(event_type="password_changed")
    assert_security_notice(
        notice,
        settings,
        subject=SUBJECT_PASSWORD_CHANGED,
        device="Chrome on Linux",
        address="203.0.113.7",
        event=event,
    )
    assert delivery_types() == ["security_password_changed"]


def test_a_password_reset_sends_its_security_email(owner, post_from, smtp_server, settings):
    assert post_from(LAPTOP, "auth/password-reset", {"email": EMAIL}).status_code == 202
    [reset] = smtp_server.messages

    confirmed = post_from(
        PHONE, "auth/password-reset/confirm", {"token": reset.link_token(), "newPassword": NEW_PASSWORD}
    )

    assert confirmed.status_code == 200
    [_, notice] = smtp_server.messages
    event = AuthEvent.objects.get(event_type="password_reset_completed")
    assert_security_notice(
        notice, settings, subject=SUBJECT_PASSWORD_RESET, device="Firefox on Windows", address="192.0.2.55", event=event
    )
    assert delivery_types() == ["password_reset", "security_password_reset"]


def test_a_reused_refresh_token_sends_its_security_email(owner, sign_in, post_from, smtp_server, settings):
    stolen = sign_in(LAPTOP)["refresh"]
    assert post_from(LAPTOP, "auth/token/refresh", {"refresh": stolen}).status_code == 200

    replayed = post_from(PHONE, "auth/token/refresh", {"refresh": stolen})

    assert (replayed.status_code, replayed.json()) == (401, refresh_refused(replayed))
    [notice] = smtp_server.messages
    event = AuthEvent.objects.get(event_type="token_reuse_detected")
    assert_security_notice(
        notice, settings, subject=SUBJECT_TOKEN_REUSE, device="Firefox on Windows", address="192.0.2.55", event=event
    )
    assert delivery_types() == ["security_token_reuse"]
    assert list(UserSession.objects.values_list("end_reason", flat=True)) == ["reuse_detected"]


# The "this wasn't me" link ---------------------------------------------------------------------


@pytest.fixture
def two_devices_and_a_notice(owner, sign_in, smtp_server, unthrottled):
    """The owner signed in on the laptop, then on a phone: both sessions and the phone's notice."""
    laptop = sign_in(LAPTOP)
    phone = sign_in(PHONE)
    [notice] = smtp_server.messages
    return [laptop, phone], notice


def test_the_secure_account_link_ends_every_session_and_sends_a_reset_link(
    two_devices_and_a_notice, post_from, smtp_server, settings, sign_in, password
):
    sessions, notice = two_devices_and_a_notice
    token = notice.link_token()

    secured = post_from(PHONE, "auth/secure-account", {"token": token})

    assert (secured.status_code, secured.json()) == (200, {"detail": MESSAGE_ACCOUNT_SECURED})
    for tokens in sessions:
        me = client(tokens["access"]).get(f"{API}users/me")
        assert (me.status_code, me.json()) == (401, access_refused(me))
        refreshed = post_from(LAPTOP, "auth/token/refresh", {"refresh": tokens["refresh"]})
        assert (refreshed.status_code, refreshed.json()) == (401, refresh_refused(refreshed))
    assert sorted(UserSession.objects.values_list("end_reason", flat=True)) == ["account_secured"] * 2

    [_, reset] = smtp_server.messages
    assert (reset.rcpt_tos, reset.subject) == ((EMAIL,), SUBJECT_RESET)
    assert_link_on_frontend(reset, settings, "reset-password")
    confirmed = post_from(
        LAPTOP, "auth/password-reset/confirm", {"token": reset.link_token(), "newPassword": NEW_PASSWORD}
    )
    assert (confirmed.status_code, confirmed.json()) == (200, {"detail": MESSAGE_PASSWORD_RESET})
    assert post_from(LAPTOP, "auth/login", {"email": EMAIL, "password": password}).status_code == 401
    sign_in(LAPTOP, password=NEW_PASSWORD)

    again = post_from(PHONE, "auth/secure-account", {"token": token})
    assert (again.status_code, again.json()) == (400, token_invalid(again))


def test_a_secure_account_token_that_was_never_issued_is_invalid(two_devices_and_a_notice, post_from):
    refused = post_from(PHONE, "auth/secure-account", {"token": "not-a-token-we-ever-sent"})

    assert (refused.status_code, refused.json()) == (400, token_invalid(refused))
    assert not UserSession.objects.filter(ended_at__isnull=False).exists()


def test_a_secure_account_link_expires_after_seven_days(two_devices_and_a_notice, post_from):
    _, notice = two_devices_and_a_notice
    token = notice.link_token()
    row = UserSecureAccountToken.objects.get()
    assert row.expires_at - row.created_date == timedelta(days=7)
    UserSecureAccountToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    refused = post_from(PHONE, "auth/secure-account", {"token": token})

    assert (refused.status_code, refused.json()) == (400, token_expired(refused))
    assert not UserSession.objects.filter(ended_at__isnull=False).exists()


def test_the_delivery_names_its_auth_event_and_only_a_hash_of_the_token_is_stored(two_devices_and_a_notice):
    _, notice = two_devices_and_a_notice
    token = notice.link_token()

    delivery = EmailDelivery.objects.get()
    assert delivery.auth_event_id == login_event(PHONE).pk
    assert (delivery.auth_event.ip_address, delivery.auth_event.user_agent) == ("192.0.2.55", FIREFOX_ON_WINDOWS)
    [row] = UserSecureAccountToken.objects.values()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    for stored in (row, EmailDelivery.objects.values().get()):
        assert not [column for column, value in stored.items() if token in str(value)]
