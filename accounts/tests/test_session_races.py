"""Refresh-token races on real PostgreSQL: requests released at once, each on its own connection.

A refresh token is used once; one presented after it was rotated ends its whole session
(spec/api.md, "Account security": refresh-token reuse). Of concurrent uses of one token one
rotates and the others are reuse (``accounts.services.token_refresh``). SQLite serialises
writers, so these only prove something on PostgreSQL.
"""

from collections import Counter

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import SessionEndReason, UserSession
from accounts.services import RefreshTokenInvalid
from eventlead.testing.threads import run_together
from logging_app.models import AuthEvent, EmailDelivery

from .http_support import MESSAGE_ACCESS_REFUSED

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

THREADS = 20
REFRESH_REFUSED = {"code": "token_invalid", "message": RefreshTokenInvalid.message}
ACCESS_REFUSED = {"code": "token_invalid", "message": MESSAGE_ACCESS_REFUSED}


def post(path, body):
    response = APIClient().post(f"/api/v1/{path}", body, format="json")
    return response.status_code, response.json() if response.content else None


def refresh(raw):
    return post("auth/token/refresh", {"refresh": raw})


def me(access):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.get("/api/v1/users/me")
    return response.status_code, response.json()


def without_request_id(body: dict) -> dict:
    return {key: value for key, value in body["error"].items() if key != "requestId"}


def sign_in(user, password) -> dict:
    status, tokens = post("auth/login", {"email": user.email, "password": password})
    assert status == 200, tokens
    return tokens


def session_of(user) -> UserSession:
    [session] = UserSession.objects.filter(user=user)
    return session


def assert_session_dead(user, pairs) -> None:
    """The session ended for reuse, once, and not one token ever issued in it works."""
    session = session_of(user)
    assert session.end_reason == SessionEndReason.REUSE_DETECTED and session.ended_at is not None
    assert AuthEvent.objects.filter(user=user, event_type="token_reuse_detected").count() == 1
    notices = EmailDelivery.objects.filter(user=user, email_type="security_token_reuse")
    assert list(notices.values_list("recipient_email", flat=True)) == [user.email]
    for pair in pairs:
        status, body = me(pair["access"])
        assert (status, without_request_id(body)) == (401, ACCESS_REFUSED)
        status, body = refresh(pair["refresh"])
        assert (status, without_request_id(body)) == (401, REFRESH_REFUSED)


def test_one_refresh_token_used_twenty_times_at_once_gives_one_pair(make_user, password):
    user = make_user(email="device@example.com")
    tokens = sign_in(user, password)

    answers = run_together(lambda _: refresh(tokens["refresh"]), range(THREADS))

    assert Counter(status for status, _ in answers) == {200: 1, 401: THREADS - 1}
    assert [without_request_id(body) for status, body in answers if status == 401] == [REFRESH_REFUSED] * (THREADS - 1)
    assert BlacklistedToken.objects.count() == 1
    # The others presented a token rotated by the winner: reuse, so the session ended with the
    # winner's pair in it (a client must not refresh with one token twice at once).
    [winner] = [body for status, body in answers if status == 200]
    assert_session_dead(user, [tokens, winner])


@pytest.mark.parametrize(("rounds", "copies"), [(10, 1), (3, 8)], ids=["one_of_each", "eight_of_each"])
def test_a_rotated_token_and_its_successor_at_once_leave_nothing_of_the_session(make_user, password, rounds, copies):
    """A -> B, then A and B together (``copies`` of each): whichever order the database sees
    them in, the session ends for reuse and no token of it works, B and whatever B gave
    included; one email per session."""
    for round_number in range(rounds):
        user = make_user(email=f"round{round_number}@example.com")
        first = sign_in(user, password)
        status, second = refresh(first["refresh"])
        assert status == 200

        answers = run_together(refresh, [first["refresh"], second["refresh"]] * copies)

        statuses = Counter(status for status, _ in answers)
        assert set(statuses) <= {200, 401} and statuses[200] <= 1, statuses
        assert {tuple(without_request_id(body).items()) for status, body in answers if status == 401} == {
            tuple(REFRESH_REFUSED.items())
        }
        issued = [body for status, body in answers if status == 200]
        assert_session_dead(user, [first, second, *issued])
