"""No answer, timing cost or mail failure tells a caller whether an address has an account.

Cost is counted, not timed: every path must compute exactly one password hash, the work
that dominates a login's running time (Django CVE-2024-39329 was a missing one).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.utils import timezone
from rest_framework import status
from rest_framework.test import APIClient

from accounts.models import User
from eventlead.core.exceptions import InvalidCredentials
from logging_app.models import EmailDelivery
from reference.models import UserStatus
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password-reset"


@pytest.fixture
def password_hashes(monkeypatch):
    """Record every hash the configured hasher computes: ``encode`` or ``verify``."""
    hasher_class = type(get_hasher("default"))
    original_encode, original_verify = hasher_class.encode, hasher_class.verify
    computed = []

    def encode(self, password, salt, *args, **kwargs):
        computed.append("encode")
        return original_encode(self, password, salt, *args, **kwargs)

    def verify(self, password, encoded):
        computed.append("verify")
        return original_verify(self, password, encoded)

    monkeypatch.setattr(hasher_class, "encode", encode)
    monkeypatch.setattr(hasher_class, "verify", verify)
    return computed


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST JSON from a fresh client and run the on-commit callbacks (the emails)."""

    def do(path, body, **client_headers):
        with django_capture_on_commit_callbacks(execute=True):
            return APIClient(**client_headers).post(path, body, format="json")

    return do


def without_request_id(body: dict) -> dict:
    return {**body, "error": {key: value for key, value in body["error"].items() if key != "requestId"}}


def test_every_login_failure_costs_one_hash_and_answers_the_same(post, make_user, password, password_hashes):
    now = timezone.now()
    make_user(email="wrong@example.com")
    make_user(email="locked@example.com", is_locked=True, locked_until=now + timedelta(minutes=30))
    make_user(email="suspended@example.com", status_id=reference_id(UserStatus, UserStatus.SUSPENDED))
    make_user(
        email="pending@example.com", email_verified_at=None, status_id=reference_id(UserStatus, UserStatus.PENDING)
    )
    make_user(email="deleted@example.com", is_deleted=True, deleted_date=now)
    attempts = {
        "unknown email": ("nobody@example.com", password),
        "wrong password": ("wrong@example.com", "Wrong-password-123"),
        "locked, right password": ("locked@example.com", password),
        "suspended, right password": ("suspended@example.com", password),
        "unverified, wrong password": ("pending@example.com", "Wrong-password-123"),
        "deleted, right password": ("deleted@example.com", password),
    }

    outcomes = {}
    for case, (email, attempt) in attempts.items():
        password_hashes.clear()
        response = post("/api/v1/auth/login", {"email": email, "password": attempt})
        assert response.json()["error"]["requestId"] == response["X-Request-ID"]
        outcomes[case] = (response.status_code, without_request_id(response.json()), len(password_hashes))

    expected = (
        status.HTTP_401_UNAUTHORIZED,
        {"error": {"code": "invalid_credentials", "message": InvalidCredentials.message}},
        1,
    )
    assert outcomes == dict.fromkeys(attempts, expected)


def test_signup_costs_one_hash_and_answers_the_same_for_known_and_new_addresses(post, user, password_hashes):
    answers = []
    for email in ("member@example.com", "newcomer@example.com"):
        password_hashes.clear()
        body = {"email": email, "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "Lovelace"}
        response = post("/api/v1/auth/signup", body)
        answers.append((response.status_code, response.json(), len(password_hashes)))

    known, new = answers
    assert known == new
    assert new[0] == status.HTTP_202_ACCEPTED and new[2] == 1
    assert User.objects.filter(email="member@example.com").count() == 1
    assert [message.to for message in mail.outbox] == [["member@example.com"], ["newcomer@example.com"]]


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(post, user, password_hashes):
    answers = []
    for email in (user.email, "ghost@example.com"):
        password_hashes.clear()
        response = post(RESET, {"email": email})
        answers.append((response.status_code, response.json(), len(password_hashes)))

    known, unknown = answers
    assert known == unknown
    assert known[0] == status.HTTP_202_ACCEPTED
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db(transaction=True)
def test_password_reset_answers_202_when_the_mail_backend_raises(user, settings):
    """The email is sent on commit, inside the request: a raising backend must not make it a 500.

    Django CVE-2024-45231: a reset for a known address failed differently when mail failed.
    """
    settings.EMAIL_BACKEND = "eventlead.testing.mail.FailingEmailBackend"
    client = APIClient()

    known = client.post(RESET, {"email": user.email}, format="json")
    unknown = client.post(RESET, {"email": "ghost@example.com"}, format="json")

    assert known.status_code == unknown.status_code == status.HTTP_202_ACCEPTED
    assert known.json() == unknown.json()
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient_email, delivery.status, delivery.attempt_count) == (user.email, "failed", 1)
    assert delivery.error_message == "SMTPServerDisconnected: Connection unexpectedly closed (test backend)"


def assert_throttled(response):
    assert response.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "requestId"}
    assert body["error"]["code"] == "throttled"


def test_six_resets_for_one_address_from_six_clients_send_five_emails(post, user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    responses = [
        post(
            RESET,
            {"email": user.email.upper() if n % 2 else user.email},
            REMOTE_ADDR=f"198.51.100.{n}",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(6)
    ]

    assert [r.status_code for r in responses] == [202] * 5 + [429]
    assert_throttled(responses[-1])
    assert len(mail.outbox) == 5
    assert EmailDelivery.objects.filter(email_type="password_reset").count() == 5


def test_a_forged_forwarded_for_does_not_escape_the_per_client_reset_limit(post, make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    emails = [make_user(email=f"member{n}@example.com").email for n in range(6)]

    responses = [post(RESET, {"email": email}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n, email in enumerate(emails)]

    assert [r.status_code for r in responses] == [202] * 5 + [429]
    assert_throttled(responses[-1])
    assert [message.to for message in mail.outbox] == [[email] for email in emails[:5]]
