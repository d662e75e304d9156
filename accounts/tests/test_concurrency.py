"""Races on real PostgreSQL: twenty requests released at once, each on its own connection.

Checklist R1 (duplicate sign-up), R3 (lost failed-login updates) and item 24 (a refresh
token used twice). SQLite serialises writers, so these only prove something on PostgreSQL.
"""

import json
from collections import Counter

import pytest
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import User
from eventlead.testing.threads import run_together
from logging_app.models import AuthEvent, EmailDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

THREADS = 20


def post(path, body):
    response = APIClient().post(f"/api/v1/{path}", body, format="json")
    return response.status_code, response.json() if response.content else None


def without_request_id(body: dict) -> dict:
    return {**body, "error": {key: value for key, value in body["error"].items() if key != "requestId"}}


def case_variants(email: str, count: int) -> list[str]:
    """``count`` spellings of one address differing only in letter case (bit n upper-cases character n)."""
    assert email[: count.bit_length()].isalpha()
    return ["".join(c.upper() if variant >> n & 1 else c for n, c in enumerate(email)) for variant in range(count)]


def test_concurrent_signups_for_one_address_create_one_user_and_answer_alike():
    emails = case_variants("racers@example.com", THREADS)
    assert len(set(emails)) == THREADS

    answers = run_together(
        lambda email: post(
            "auth/signup",
            {"email": email, "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "Lovelace"},
        ),
        emails,
    )

    assert Counter(status for status, _ in answers) == {202: THREADS}
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert User.objects.filter(email="racers@example.com").count() == 1
    assert User.objects.count() == 1
    deliveries = Counter(EmailDelivery.objects.values_list("email_type", "status"))
    assert deliveries == {("email_verification", "sent"): 1, ("signup_existing_account", "sent"): THREADS - 1}
    assert all(message.to == ["racers@example.com"] for message in mail.outbox)


@pytest.mark.parametrize("limit", [THREADS, 5])
def test_concurrent_wrong_passwords_are_all_counted_and_lock_once(make_user, set_setting, limit):
    user = make_user(email="target@example.com")
    set_setting("security.max_failed_login_attempts", limit)

    answers = run_together(
        lambda n: post("auth/login", {"email": user.email, "password": f"Wrong-password-{n}"}), range(THREADS)
    )

    assert Counter(status for status, _ in answers) == {401: THREADS}
    assert len({json.dumps(without_request_id(body), sort_keys=True) for _, body in answers}) == 1
    user.refresh_from_db()
    counted = AuthEvent.objects.filter(user=user, event_type="login_failed", failure_reason="wrong_password").count()
    refused_as_locked = AuthEvent.objects.filter(user=user, event_type="login_failed", failure_reason="account_locked")
    # Every attempt that saw the account unlocked is counted (no lost update); the ones
    # that arrived after the lock are refused without counting.
    assert user.failed_login_attempts == counted
    assert counted + refused_as_locked.count() == THREADS
    assert counted >= limit
    if limit == THREADS:
        assert counted == THREADS
    assert user.is_locked and user.locked_until is not None
    assert AuthEvent.objects.filter(user=user, event_type="account_locked").count() == 1
    assert EmailDelivery.objects.filter(email_type="account_locked").count() == 1


def test_one_refresh_token_used_twenty_times_at_once_rotates_once(make_user, password):
    user = make_user(email="device@example.com")
    tokens = post("auth/login", {"email": user.email, "password": password})[1]

    answers = run_together(lambda _: post("auth/token/refresh", {"refresh": tokens["refresh"]}), range(THREADS))

    assert Counter(status for status, _ in answers) == {200: 1, 401: THREADS - 1}
    refused = [body for status, body in answers if status == 401]
    assert {body["error"]["code"] for body in refused} == {"token_invalid"}
    assert BlacklistedToken.objects.count() == 1
    # The other nineteen were uses of a rotated token: the session ended, the winner's pair with it.
    [winner] = [body for status, body in answers if status == 200]
    assert post("auth/token/refresh", {"refresh": winner["refresh"]})[0] == 401
