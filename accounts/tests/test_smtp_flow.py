"""The account flows end to end over real HTTP, with every email read off a real SMTP server.

The client uses only what spec/api.md promises: paths, JSON bodies, status codes, and the
``token=`` link in each email. Requests commit for real (transactional database), so emails
leave through ``transaction.on_commit`` exactly as in production.
"""

from io import StringIO
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts import services
from accounts.models import User
from configuration.settings_store import get_setting
from logging_app.models import EmailDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EMAIL = "ada@example.com"
PASSWORD = "Analytical-engine-1843"
NEW_PASSWORD = "Difference-engine-1822"


def status_and_code(response) -> tuple[int, str | None]:
    return response.status, (response.body or {}).get("error", {}).get("code")


def signup(http_api, email=EMAIL, password=PASSWORD):
    return http_api.post(
        "auth/signup", {"email": email, "password": password, "firstName": "Ada", "lastName": "Lovelace"}
    )


def login(http_api, email=EMAIL, password=PASSWORD):
    return http_api.post("auth/login", {"email": email, "password": password})


def assert_link_on_frontend(message, settings, path):
    [link] = [link for link in message.links() if "token=" in link]
    parsed = urlparse(link)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == f"{settings.FRONTEND_BASE_URL}/{path}"


def test_sign_up_verify_and_use_sessions_with_links_read_off_the_wire(http_api, smtp_server, settings):
    assert signup(http_api).status == 202

    [verification] = smtp_server.messages
    assert verification.rcpt_tos == (EMAIL,)
    assert verification.mail_from == get_setting("email.from_address")
    assert verification.subject == services.SUBJECT_VERIFY
    assert_link_on_frontend(verification, settings, "verify-email")
    assert status_and_code(login(http_api)) == (403, "email_not_verified")

    verified = http_api.post("auth/verify-email", {"token": verification.link_token()})
    assert (verified.status, verified.body) == (200, {"verified": True})

    signed_in = login(http_api)
    assert signed_in.status == 200
    assert set(signed_in.body) == {"access", "refresh", "user"}
    assert (signed_in.body["user"]["email"], signed_in.body["user"]["status"]) == (EMAIL, "active")

    rotated = http_api.post("auth/token/refresh", {"refresh": signed_in.body["refresh"]})
    assert rotated.status == 200 and set(rotated.body) == {"access", "refresh"}

    me = http_api.with_access(rotated.body["access"]).get("users/me")
    assert me.status == 200
    assert (me.body["email"], me.body["firstName"], me.body["companies"]) == (EMAIL, "Ada", [])

    # A second device, then the first device's rotated refresh token comes back: taken for theft,
    # the first session ends with every token issued in it, and the owner is told.
    second = login(http_api)
    replay = http_api.post("auth/token/refresh", {"refresh": signed_in.body["refresh"]})
    assert status_and_code(replay) == (401, "token_invalid")
    for access in (signed_in.body["access"], rotated.body["access"]):
        assert status_and_code(http_api.with_access(access).get("users/me")) == (401, "token_invalid")
    assert status_and_code(http_api.post("auth/token/refresh", {"refresh": rotated.body["refresh"]})) == (
        401,
        "token_invalid",
    )
    reuse = smtp_server.messages[-1]
    assert (reuse.rcpt_tos, reuse.subject) == ((EMAIL,), services.SUBJECT_TOKEN_REUSE)
    assert_link_on_frontend(reuse, settings, "secure-account")

    assert http_api.with_access(second.body["access"]).get("users/me").status == 200
    assert http_api.with_access(second.body["access"]).post("auth/logout-all").status == 204
    assert status_and_code(http_api.with_access(second.body["access"]).get("users/me")) == (401, "token_invalid")
    after_logout = http_api.post("auth/token/refresh", {"refresh": second.body["refresh"]})
    assert status_and_code(after_logout) == (401, "token_invalid")
    assert len(smtp_server.messages) == 2


def test_reset_a_forgotten_password_through_the_emailed_link(http_api, smtp_server, make_user, settings):
    make_user(email=EMAIL, password=PASSWORD)

    assert http_api.post("auth/password-reset", {"email": EMAIL}).status == 202

    [reset] = smtp_server.messages
    assert (reset.rcpt_tos, reset.subject) == ((EMAIL,), services.SUBJECT_RESET)
    assert_link_on_frontend(reset, settings, "reset-password")
    confirmed = http_api.post("auth/password-reset/confirm", {"token": reset.link_token(), "newPassword": NEW_PASSWORD})
    assert confirmed.status == 200
    assert "access" not in confirmed.body and "refresh" not in confirmed.body
    assert login(http_api).status == 401
    assert login(http_api, password=NEW_PASSWORD).status == 200
    again = http_api.post("auth/password-reset/confirm", {"token": reset.link_token(), "newPassword": PASSWORD})
    assert status_and_code(again) == (400, "token_invalid")


def test_lockout_after_the_configured_failures_emails_the_owner_over_smtp(
    http_api, smtp_server, make_user, set_setting, settings
):
    make_user(email=EMAIL, password=PASSWORD)
    set_setting("security.max_failed_login_attempts", 3)

    failures = [login(http_api, password=f"Wrong-password-{n}") for n in range(2)]
    assert smtp_server.messages == []
    failures.append(login(http_api, password="Wrong-password-3"))

    assert [status_and_code(f) for f in failures] == [(401, "invalid_credentials")] * 3
    [notice] = smtp_server.messages
    assert (notice.rcpt_tos, notice.subject) == ((EMAIL,), services.SUBJECT_LOCKED)
    assert f"{settings.FRONTEND_BASE_URL}/forgot-password?" in notice.body
    assert status_and_code(login(http_api)) == (401, "invalid_credentials")
    assert len(smtp_server.messages) == 1


def test_signup_survives_an_smtp_outage_and_the_retry_sends_exactly_once(http_api, stopped_smtp_server):
    assert signup(http_api).status == 202

    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("failed", 1)
    assert delivery.error_message.startswith("ConnectionRefusedError:")
    assert User.objects.filter(email=EMAIL).exists()

    stopped_smtp_server.start()
    first_run, second_run = StringIO(), StringIO()
    call_command("send_pending_emails", min_age_seconds=0, stdout=first_run)
    call_command("send_pending_emails", min_age_seconds=0, stdout=second_run)

    assert (first_run.getvalue().strip(), second_run.getvalue().strip()) == ("sent 1, failed 0", "sent 0, failed 0")
    [verification] = stopped_smtp_server.messages
    assert verification.rcpt_tos == (EMAIL,)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.error_message) == ("sent", 2, "")
    assert delivery.sent_at is not None
    # The retried email carries a token made when it was built, and that token works.
    assert http_api.post("auth/verify-email", {"token": verification.link_token()}).status == 200


def test_a_refused_access_token_gets_a_readable_message(http_api, make_user):
    make_user(email=EMAIL, password=PASSWORD)
    tokens = login(http_api).body
    assert http_api.with_access(tokens["access"]).post("auth/logout-all").status == 204

    refused = http_api.with_access(tokens["access"]).get("users/me")

    assert refused.body["error"]["message"] == "The access token is no longer valid."


class ForcedRollback(Exception):
    pass


def test_a_rolled_back_transaction_sends_no_email(smtp_server, make_user):
    user = make_user(email=EMAIL)

    with pytest.raises(ForcedRollback), transaction.atomic():
        services.password_reset_request(email=EMAIL)
        services.user_signup(email="new@example.com", password=PASSWORD, first_name="New", last_name="Person")
        raise ForcedRollback

    assert smtp_server.messages == []
    assert not EmailDelivery.objects.exists()
    assert not User.objects.filter(email="new@example.com").exists()
    # The same call, committed, does send: the silence above is the rollback's doing.
    services.password_reset_request(email=EMAIL)
    assert [m.rcpt_tos for m in smtp_server.messages] == [(user.email,)]
