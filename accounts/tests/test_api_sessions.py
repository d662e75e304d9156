"""Sessions over HTTP: the list, revoking one or all others, step-up, refresh-token reuse, and
what logout, logout-all, password change and password reset do to them (spec/api.md,
"Account security").

Each device is a client with its own user agent and address. The clock (``timezone.now``) is
held still on a whole second and moved by the tests, so ``auth_time`` and the step-up window are
hit exactly; JWT expiry keeps real time, which the minutes moved here never reach.
"""

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import jwt
import pytest
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIClient

from accounts.apis import MESSAGE_PASSWORD_RESET
from accounts.models import SessionEndReason, UserSession
from accounts.services import MESSAGE_WRONG_CURRENT_PASSWORD, RefreshTokenInvalid
from eventlead.core.exceptions import MESSAGE_NOT_FOUND, MESSAGE_VALIDATION, ReauthenticationRequired
from eventlead.core.pagination import MESSAGE_CURSOR, MESSAGE_LIMIT
from logging_app.models import AuthEvent, EmailDelivery

from .http_support import API, access_refused, error, last_link_token

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
NEW_PASSWORD = "Another-long-passphrase-42"
REAUTH_MINUTES = 5
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Device:
    """A browser on a device, as the API sees it: its user agent and address."""

    user_agent: str
    ip_address: str
    label: str

    def client(self, access: str | None = None) -> APIClient:
        api = APIClient(HTTP_USER_AGENT=self.user_agent, REMOTE_ADDR=self.ip_address)
        if access:
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return api


FIREFOX = Device(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "203.0.113.7",
    "Firefox on Windows",
)
IPHONE = Device(
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "198.51.100.23",
    "Mobile Safari on iOS (iPhone)",
)


class Clock:
    """``timezone.now``, held still and moved only by the test."""

    def __init__(self, instant):
        self.now = instant

    def advance(self, delta: timedelta):
        self.now += delta
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    held = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", lambda: held.now)
    return held


@pytest.fixture
def step_up_window(set_setting):
    set_setting("security.reauth_minutes", REAUTH_MINUTES)
    return timedelta(minutes=REAUTH_MINUTES)


def sign_in(device: Device, email: str = "member@example.com") -> dict:
    response = device.client().post(f"{API}auth/login", {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == status.HTTP_200_OK, response.content
    return response.json()


def claims(token: str) -> dict:
    """The payload of a JWT, read without checking it (the API checks it)."""
    return jwt.decode(token, options={"verify_signature": False})


def sid(token: str) -> str:
    return claims(token)["sid"]


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def session_list(device: Device, access: str, **page):
    """GET /auth/sessions with ``page`` (``limit``, ``cursor``) as its query string."""
    return device.client(access).get(f"{API}auth/sessions", page)


def revoke(device: Device, access: str, session_id: str):
    return device.client(access).delete(f"{API}auth/sessions/{session_id}")


def revoke_others(device: Device, access: str):
    return device.client(access).post(f"{API}auth/sessions/revoke-others")


def reauthenticate(device: Device, access: str, password: str = PASSWORD):
    return device.client(access).post(f"{API}auth/reauthenticate", {"password": password}, format="json")


def me(access: str, device: Device = FIREFOX):
    return device.client(access).get(f"{API}users/me")


def refresh(raw: str, device: Device = FIREFOX):
    return device.client().post(f"{API}auth/token/refresh", {"refresh": raw}, format="json")


def refresh_refused(response) -> dict:
    return error(response, "token_invalid", RefreshTokenInvalid.message)


def not_found(response) -> dict:
    return error(response, "not_found", MESSAGE_NOT_FOUND)


def reauthentication_required(response) -> dict:
    return error(response, "reauthentication_required", ReauthenticationRequired.message)


def assert_dead(tokens: dict, device: Device = FIREFOX) -> None:
    """Neither the access nor the refresh token of a pair is accepted any more."""
    response = me(tokens["access"], device)
    assert (response.status_code, response.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(response))
    response = refresh(tokens["refresh"], device)
    assert (response.status_code, response.json()) == (status.HTTP_401_UNAUTHORIZED, refresh_refused(response))


def assert_alive(tokens: dict, device: Device = FIREFOX) -> dict:
    """The access token is accepted and the refresh token rotates; return the rotated pair."""
    assert me(tokens["access"], device).status_code == status.HTTP_200_OK
    response = refresh(tokens["refresh"], device)
    assert response.status_code == status.HTTP_200_OK
    return response.json()


def ended(tokens: dict) -> tuple:
    """How the session of ``tokens`` ended: (reason, ended?) from the database."""
    session = UserSession.objects.get(session_key=sid(tokens["access"]))
    return session.end_reason, session.ended_at is not None


# The list -------------------------------------------------------------------------------------


def test_each_device_has_its_own_session_and_the_list_shows_both(clock, user, make_user):
    sign_in(IPHONE, make_user(email="other@example.com").email)  # another user's: never listed
    firefox_at = clock.now
    firefox = sign_in(FIREFOX)
    iphone_at = clock.advance(timedelta(minutes=2))
    iphone = sign_in(IPHONE)
    seen_at = clock.advance(timedelta(minutes=1, seconds=30))

    from_firefox = session_list(FIREFOX, firefox["access"])
    from_iphone = session_list(IPHONE, iphone["access"])

    iphone_row = {
        "sessionId": sid(iphone["access"]),
        "current": False,
        "createdAt": iso(iphone_at),
        "lastSeenAt": iso(iphone_at),
        "ipAddress": "198.51.100.23",
        "userAgent": IPHONE.user_agent,
        "device": "Mobile Safari on iOS (iPhone)",
    }
    firefox_row = {
        "sessionId": sid(firefox["access"]),
        "current": True,
        "createdAt": iso(firefox_at),
        # Firefox's own request, 3.5 minutes after its sign-in, moved its LastSeenAt.
        "lastSeenAt": iso(seen_at),
        "ipAddress": "203.0.113.7",
        "userAgent": FIREFOX.user_agent,
        "device": "Firefox on Windows",
    }
    assert from_firefox.status_code == status.HTTP_200_OK
    assert from_firefox.json() == {"results": [iphone_row, firefox_row], "next": None}
    assert from_iphone.status_code == status.HTTP_200_OK
    assert from_iphone.json() == {
        "results": [{**iphone_row, "current": True, "lastSeenAt": iso(seen_at)}, {**firefox_row, "current": False}],
        "next": None,
    }


def test_every_token_of_a_session_carries_its_id(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)

    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    assert keys == {sid(firefox["access"]), sid(iphone["access"])}
    assert sid(firefox["access"]) != sid(iphone["access"])
    for tokens in (firefox, iphone):
        assert sid(tokens["refresh"]) == sid(tokens["access"])
        rotated = refresh(tokens["refresh"]).json()
        assert sid(rotated["access"]) == sid(rotated["refresh"]) == sid(tokens["access"])


def test_ended_and_expired_sessions_are_not_listed(clock, user):
    firefox, iphone, third = sign_in(FIREFOX), sign_in(IPHONE), sign_in(IPHONE)
    assert revoke(FIREFOX, firefox["access"], sid(iphone["access"])).status_code == status.HTTP_204_NO_CONTENT
    UserSession.objects.filter(session_key=sid(third["access"])).update(expires_at=clock.now)

    response = session_list(FIREFOX, firefox["access"])

    assert [row["sessionId"] for row in response.json()["results"]] == [sid(firefox["access"])]
    assert_dead(third, IPHONE)  # expired at this very instant


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "auth/sessions"),
        ("delete", "auth/sessions/some-session"),
        ("post", "auth/sessions/revoke-others"),
        ("post", "auth/reauthenticate"),
    ],
)
def test_the_session_routes_need_a_signed_in_caller(method, path):
    response = getattr(APIClient(), method)(f"{API}{path}")

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == error(response, "not_authenticated", NotAuthenticated.default_detail)


# Revoking one ---------------------------------------------------------------------------------


def test_revoking_a_session_stops_its_tokens_at_once_and_leaves_the_others(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)
    assert me(iphone["access"], IPHONE).status_code == status.HTTP_200_OK

    response = revoke(FIREFOX, firefox["access"], sid(iphone["access"]))

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert response.content == b""
    assert_dead(iphone, IPHONE)
    assert_alive(firefox)
    assert ended(iphone) == (SessionEndReason.REVOKED, True)
    assert AuthEvent.objects.filter(user=user, event_type="session_ended", failure_reason="revoked").count() == 1


def test_revoking_the_current_session_signs_the_caller_out(user):
    firefox = sign_in(FIREFOX)

    assert revoke(FIREFOX, firefox["access"], sid(firefox["access"])).status_code == status.HTTP_204_NO_CONTENT

    assert_dead(firefox)


def test_another_users_session_is_not_found_and_keeps_working(user, make_user):
    other = make_user(email="other@example.com")
    mine, theirs = sign_in(FIREFOX), sign_in(IPHONE, other.email)

    response = revoke(FIREFOX, mine["access"], sid(theirs["access"]))

    assert (response.status_code, response.json()) == (status.HTTP_404_NOT_FOUND, not_found(response))
    assert ended(theirs) == ("", False)
    assert_alive(theirs, IPHONE)


@pytest.mark.parametrize("case", ["unknown", "ended", "expired"])
def test_an_unknown_ended_or_expired_session_is_not_found(clock, user, case):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)
    session_id = sid(iphone["access"])
    if case == "unknown":
        session_id = "x" * len(session_id)
    elif case == "ended":
        assert revoke(FIREFOX, firefox["access"], session_id).status_code == status.HTTP_204_NO_CONTENT
    else:
        UserSession.objects.filter(session_key=session_id).update(expires_at=clock.now)

    response = revoke(FIREFOX, firefox["access"], session_id)

    assert (response.status_code, response.json()) == (status.HTTP_404_NOT_FOUND, not_found(response))
    assert_alive(firefox)


# Revoking the others, and step-up -------------------------------------------------------------


def test_revoke_others_ends_every_session_but_the_callers(user, step_up_window):
    firefox, iphone, second_iphone = sign_in(FIREFOX), sign_in(IPHONE), sign_in(IPHONE)

    response = revoke_others(FIREFOX, firefox["access"])

    assert response.status_code == status.HTTP_204_NO_CONTENT
    for tokens in (iphone, second_iphone):
        assert_dead(tokens, IPHONE)
        assert ended(tokens) == (SessionEndReason.REVOKED, True)
    assert ended(firefox) == ("", False)
    assert_alive(firefox)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(minutes=REAUTH_MINUTES), status.HTTP_204_NO_CONTENT),
        (timedelta(minutes=REAUTH_MINUTES) + TICK, status.HTTP_401_UNAUTHORIZED),
    ],
    ids=["on_the_last_instant", "one_microsecond_late"],
)
def test_the_step_up_window_is_security_reauth_minutes_exactly(clock, user, step_up_window, age, expected):
    firefox = sign_in(FIREFOX)
    clock.advance(age)

    assert revoke_others(FIREFOX, firefox["access"]).status_code == expected


def test_revoke_others_after_the_window_needs_reauthentication(clock, user, step_up_window):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)
    clock.advance(step_up_window + timedelta(seconds=1))

    refused = revoke_others(FIREFOX, firefox["access"])

    assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, reauthentication_required(refused))
    assert ended(iphone) == ("", False)
    reauthenticated_at = clock.advance(timedelta(seconds=20))
    response = reauthenticate(FIREFOX, firefox["access"])
    assert response.status_code == status.HTTP_200_OK
    assert set(response.json()) == {"access"}
    fresh = response.json()["access"]
    assert claims(fresh)["auth_time"] == int(reauthenticated_at.timestamp())
    assert claims(fresh)["sid"] == sid(firefox["access"])
    assert claims(fresh)["sub"] == str(user.pk)
    assert UserSession.objects.get(session_key=sid(fresh)).authenticated_at == reauthenticated_at

    assert revoke_others(FIREFOX, fresh).status_code == status.HTTP_204_NO_CONTENT

    assert_dead(iphone, IPHONE)
    assert ended(iphone) == (SessionEndReason.REVOKED, True)
    # The older token of the same session still works, but is still too old for a step-up.
    assert me(firefox["access"]).status_code == status.HTTP_200_OK
    again = revoke_others(FIREFOX, firefox["access"])
    assert (again.status_code, again.json()) == (status.HTTP_401_UNAUTHORIZED, reauthentication_required(again))
    assert AuthEvent.objects.filter(user=user, event_type="reauthenticated").count() == 1


def test_a_wrong_password_on_reauthentication_is_a_field_error_and_a_failed_attempt(clock, user, step_up_window):
    firefox = sign_in(FIREFOX)
    signed_in_at = clock.now
    clock.advance(step_up_window + timedelta(seconds=1))

    response = reauthenticate(FIREFOX, firefox["access"], password="Not-the-password-1")

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(
        response, "validation_error", MESSAGE_VALIDATION, {"password": [MESSAGE_WRONG_CURRENT_PASSWORD]}
    )
    user.refresh_from_db()
    assert user.failed_login_attempts == 1
    assert UserSession.objects.get(session_key=sid(firefox["access"])).authenticated_at == signed_in_at
    assert not AuthEvent.objects.filter(user=user, event_type="reauthenticated").exists()
    refused = revoke_others(FIREFOX, firefox["access"])
    assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, reauthentication_required(refused))


def test_a_failed_reauthentication_counts_toward_the_lockout(user, set_setting):
    set_setting("security.max_failed_login_attempts", 2)
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)

    for _ in range(2):
        response = reauthenticate(FIREFOX, firefox["access"], password="Not-the-password-1")
        assert response.status_code == status.HTTP_400_BAD_REQUEST

    user.refresh_from_db()
    assert (user.failed_login_attempts, user.is_locked) == (2, True)
    # A lock reached by guessing the password of a signed-in session ends every session.
    for tokens, device in ((firefox, FIREFOX), (iphone, IPHONE)):
        assert ended(tokens) == (SessionEndReason.ACCOUNT_LOCKED, True)
        assert_dead(tokens, device)


def test_auth_time_is_kept_through_refreshes(clock, user, step_up_window):
    signed_in_at = clock.now
    tokens = sign_in(FIREFOX)
    clock.advance(timedelta(minutes=3))
    rotated = refresh(tokens["refresh"]).json()
    clock.advance(timedelta(minutes=3))
    rotated_again = refresh(rotated["refresh"]).json()

    for token in (tokens["access"], rotated["access"], rotated["refresh"], rotated_again["access"]):
        assert claims(token)["auth_time"] == int(signed_in_at.timestamp())
    # Six minutes after the sign-in, a refreshed token is no step-up.
    refused = revoke_others(FIREFOX, rotated_again["access"])
    assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, reauthentication_required(refused))


def test_reauthentication_moves_the_auth_time_of_later_refreshes(clock, user, step_up_window):
    tokens = sign_in(FIREFOX)
    reauthenticated_at = clock.advance(timedelta(minutes=7))
    assert reauthenticate(FIREFOX, tokens["access"]).status_code == status.HTTP_200_OK
    clock.advance(timedelta(minutes=1))

    rotated = refresh(tokens["refresh"]).json()

    assert claims(rotated["access"])["auth_time"] == int(reauthenticated_at.timestamp())
    assert revoke_others(FIREFOX, rotated["access"]).status_code == status.HTTP_204_NO_CONTENT


# Refresh-token reuse ---------------------------------------------------------------------------


def test_a_rotated_refresh_token_presented_again_ends_its_session(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)
    rotated = refresh(firefox["refresh"]).json()
    assert me(rotated["access"]).status_code == status.HTTP_200_OK

    response = refresh(firefox["refresh"])

    assert (response.status_code, response.json()) == (status.HTTP_401_UNAUTHORIZED, refresh_refused(response))
    assert_dead(rotated)
    for access in (firefox["access"], rotated["access"]):
        refused = me(access)
        assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(refused))
    assert ended(firefox) == (SessionEndReason.REUSE_DETECTED, True)
    event = AuthEvent.objects.get(user=user, event_type="token_reuse_detected")
    notice = EmailDelivery.objects.get(email_type="security_token_reuse")
    assert (notice.recipient_email, notice.user_id, notice.auth_event_id) == ("member@example.com", user.pk, event.pk)
    # The other device is untouched.
    assert ended(iphone) == ("", False)
    assert_alive(iphone, IPHONE)


def test_a_second_reuse_sends_no_second_email(user):
    tokens = sign_in(FIREFOX)
    rotated = refresh(tokens["refresh"]).json()
    assert refresh(tokens["refresh"]).status_code == status.HTTP_401_UNAUTHORIZED

    again = refresh(tokens["refresh"])
    rotated_again = refresh(rotated["refresh"])

    for response in (again, rotated_again):
        assert (response.status_code, response.json()) == (status.HTTP_401_UNAUTHORIZED, refresh_refused(response))
    assert EmailDelivery.objects.filter(email_type="security_token_reuse").count() == 1
    assert AuthEvent.objects.filter(user=user, event_type="token_reuse_detected").count() == 1


# What ends every session -----------------------------------------------------------------------


def test_logout_ends_its_own_session_only(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)

    response = FIREFOX.client(firefox["access"]).post(
        f"{API}auth/logout", {"refresh": firefox["refresh"]}, format="json"
    )

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert ended(firefox) == (SessionEndReason.LOGOUT, True)
    assert_dead(firefox)
    assert ended(iphone) == ("", False)
    assert_alive(iphone, IPHONE)


def test_logout_all_ends_every_session(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)

    response = FIREFOX.client(firefox["access"]).post(f"{API}auth/logout-all")

    assert response.status_code == status.HTTP_204_NO_CONTENT
    for tokens, device in ((firefox, FIREFOX), (iphone, IPHONE)):
        assert ended(tokens) == (SessionEndReason.LOGOUT_ALL, True)
        assert_dead(tokens, device)
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_a_password_change_ends_every_older_session_and_opens_one(user):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)

    response = FIREFOX.client(firefox["access"]).post(
        f"{API}auth/password-change", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == status.HTTP_200_OK
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    for tokens, device in ((firefox, FIREFOX), (iphone, IPHONE)):
        assert ended(tokens) == (SessionEndReason.PASSWORD_CHANGED, True)
        assert_dead(tokens, device)
    assert ended(fresh) == ("", False)
    assert sid(fresh["access"]) not in (sid(firefox["access"]), sid(iphone["access"]))
    rotated = assert_alive(fresh)
    listed = session_list(FIREFOX, rotated["access"]).json()
    assert [(row["sessionId"], row["current"], row["device"]) for row in listed["results"]] == [
        (sid(fresh["access"]), True, "Firefox on Windows")
    ]


def test_a_password_reset_ends_every_session(user, post):
    firefox, iphone = sign_in(FIREFOX), sign_in(IPHONE)
    assert post("auth/password-reset", {"email": user.email}).status_code == status.HTTP_202_ACCEPTED

    response = post("auth/password-reset/confirm", {"token": last_link_token(), "newPassword": NEW_PASSWORD})

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"detail": MESSAGE_PASSWORD_RESET}
    for tokens, device in ((firefox, FIREFOX), (iphone, IPHONE)):
        assert ended(tokens) == (SessionEndReason.PASSWORD_RESET, True)
        assert_dead(tokens, device)
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()


# Pagination ------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("apart", [timedelta(seconds=1), timedelta(0)], ids=["apart", "same_instant"])
def test_pages_give_every_session_once_newest_first(clock, user, unthrottled, limit, apart):
    signed_in = []
    for _ in range(5):
        signed_in.append(sign_in(FIREFOX))
        clock.advance(apart)
    newest_first = [sid(tokens["access"]) for tokens in reversed(signed_in)]
    access = signed_in[-1]["access"]

    pages, page = [], {"limit": limit}
    while len(pages) <= len(newest_first):  # a cursor that never ends fails below, not by hanging
        response = session_list(FIREFOX, access, **page)
        assert response.status_code == status.HTTP_200_OK
        body = response.json()
        assert set(body) == {"results", "next"}
        pages.append([row["sessionId"] for row in body["results"]])
        if body["next"] is None:
            break
        page = {"limit": limit, "cursor": body["next"]}

    # Full pages, then the rest; the page that ends the list says so (no empty page after it).
    assert pages == [newest_first[start : start + limit] for start in range(0, len(newest_first), limit)]


def test_a_session_opened_between_pages_neither_repeats_nor_shifts_a_row(clock, user, unthrottled):
    signed_in = []
    for _ in range(3):
        signed_in.append(sign_in(FIREFOX))
        clock.advance(timedelta(seconds=1))
    access = signed_in[-1]["access"]
    first = session_list(FIREFOX, access, limit=2).json()
    sign_in(IPHONE)  # newer than every row already given

    second = session_list(FIREFOX, access, limit=2, cursor=first["next"]).json()

    assert [row["sessionId"] for row in first["results"] + second["results"]] == [
        sid(tokens["access"]) for tokens in reversed(signed_in)
    ]
    assert second["next"] is None


def older_sessions(user, tokens: dict, count: int) -> None:
    """``count`` more active sessions of ``user`` on Firefox, ``bulk-000`` the newest, each a second
    older than the one before and all older than the session of ``tokens``."""
    first = UserSession.objects.get(session_key=sid(tokens["access"]))
    UserSession.objects.bulk_create(
        UserSession(
            session_key=f"bulk-{n:03d}",
            user=user,
            user_agent=FIREFOX.user_agent,
            device_label=FIREFOX.label,
            authenticated_at=first.authenticated_at,
            last_seen_at=first.last_seen_at,
            expires_at=first.expires_at,
            created_date=first.created_date - timedelta(seconds=n + 1),
        )
        for n in range(count)
    )


def test_the_default_page_is_fifty_rows(user, unthrottled):
    tokens = sign_in(FIREFOX)
    older_sessions(user, tokens, 50)

    body = session_list(FIREFOX, tokens["access"]).json()

    assert len(body["results"]) == 50 and body["next"] is not None
    last = session_list(FIREFOX, tokens["access"], cursor=body["next"]).json()
    assert [row["sessionId"] for row in last["results"]] == ["bulk-049"]
    assert last["next"] is None


def test_the_largest_page_is_200_rows_and_cursors_are_url_safe(user, unthrottled):
    tokens = sign_in(FIREFOX)
    older_sessions(user, tokens, 200)

    body = session_list(FIREFOX, tokens["access"], limit="200").json()

    assert len(body["results"]) == 200
    # base64url without padding, a dot, the signature: no escaping in a URL.
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}", body["next"])


@pytest.mark.parametrize("auth_time", [None, "1796232613", True, 1.5e9])
def test_a_token_whose_auth_time_is_missing_or_not_whole_seconds_needs_reauthentication(user, auth_time):
    from accounts.jwt import VersionedAccessToken

    session = UserSession.objects.get(session_key=sid(sign_in(FIREFOX)["access"]))
    token = VersionedAccessToken.for_user(user)
    token["atv"], token["sid"] = user.access_token_version, session.session_key
    if auth_time is not None:
        token["auth_time"] = auth_time

    response = revoke_others(FIREFOX, str(token))

    assert (response.status_code, response.json()) == (401, reauthentication_required(response))


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5", "", "٣"])
def test_a_limit_outside_1_to_200_is_a_field_error(user, limit):
    tokens = sign_in(FIREFOX)

    response = session_list(FIREFOX, tokens["access"], limit=limit)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"limit": [MESSAGE_LIMIT]})


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def signed(text: str, list_name: str = "sessions") -> str:
    """``text`` (JSON) as a cursor this project signed for ``list_name``."""
    from eventlead.core.pagination import cursor_encode

    return cursor_encode(json.loads(text), list_name=list_name)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "x" * 201,
        b64('["2026-01-01T00:00:00+00:00", 5]'),  # well formed, but not signed
        b64('["2026-01-01T00:00:00+00:00", 5]') + ".AAAA",
        signed('["2026-01-01T00:00:00+00:00", 5]', "members"),  # another list's
        signed("[1, 2, 3]"),
        signed('{"a": 1, "b": 2}'),
        signed('["not a time", 5]'),
        signed('["2026-01-01T00:00:00", 5]'),  # no time zone
        signed('["2026-01-01T00:00:00+00:00", "5"]'),
        signed('["2026-01-01T00:00:00+00:00", true]'),
        signed('[1767225600, 5]'),
    ],
    ids=[
        "garbage", "percents", "too_long", "unsigned", "bad_signature", "another_lists", "three_items", "object",
        "not_a_time", "naive_time", "text_id", "bool_id", "number_time",
    ],
)  # fmt: skip
def test_a_cursor_that_is_not_one_of_the_lists_is_a_field_error(user, cursor):
    tokens = sign_in(FIREFOX)

    response = session_list(FIREFOX, tokens["access"], cursor=cursor)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"cursor": [MESSAGE_CURSOR]})


def test_a_cursor_altered_by_the_client_is_a_field_error(user, unthrottled):
    tokens = sign_in(FIREFOX)
    older_sessions(user, tokens, 3)
    cursor = session_list(FIREFOX, tokens["access"], limit="1").json()["next"]
    payload, signature = cursor.split(".")
    moment, key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps([moment, key + 1]).encode()).decode().rstrip("=")

    genuine = session_list(FIREFOX, tokens["access"], cursor=cursor, limit="1")
    response = session_list(FIREFOX, tokens["access"], cursor=f"{forged}.{signature}", limit="1")

    assert genuine.status_code == status.HTTP_200_OK
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"cursor": [MESSAGE_CURSOR]})


@pytest.mark.parametrize(
    "cursor",
    [
        signed('["9999-12-31T23:59:59-14:00", 5]'),  # past the last UTC instant
        signed('["0001-01-01T00:00:00+14:00", 5]'),  # before the first
    ],
    ids=["after_the_last_instant", "before_the_first_instant"],
)
def test_a_cursor_time_outside_the_datetime_range_is_a_field_error_not_a_crash(user, cursor):
    tokens = sign_in(FIREFOX)

    response = session_list(FIREFOX, tokens["access"], cursor=cursor)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == error(response, "validation_error", MESSAGE_VALIDATION, {"cursor": [MESSAGE_CURSOR]})


# Queries of an authenticated request ----------------------------------------------------------


@pytest.fixture
def member(user):
    """``user`` as a member of one company: GET /users/me then reads one membership row."""
    from companies.models import Company, UserCompany
    from reference.models import Country, JoinedVia, UserCompanyRole, UserCompanyStatus

    UserCompany.objects.create(
        user=user,
        company=Company.objects.create(company_name="Acme Events", country=Country.objects.get(code="au")),
        role=UserCompanyRole.objects.get(code="company_admin"),
        status=UserCompanyStatus.objects.get(code="active"),
        joined_via=JoinedVia.objects.get(code="signup"),
    )
    return user


# test_api_users_me.test_me_runs_two_queries_however_many_companies holds GET /users/me to its
# two queries (the session with its user; the memberships). Moving LastSeenAt adds one UPDATE,
# at most once a minute per session (accounts.sessions.session_touch).
QUERIES_OF_ME = 2


@pytest.mark.parametrize(
    ("age", "touched"),
    [
        (timedelta(0), False),
        (timedelta(seconds=59), False),
        (timedelta(minutes=1), False),  # "more than a minute old"
        (timedelta(minutes=1) + TICK, True),
        (timedelta(days=2), True),
    ],
    ids=["just_moved", "59s", "exactly_1min", "1min_and_1us", "2days"],
)
def test_last_seen_at_costs_one_update_only_when_older_than_a_minute(
    clock, member, django_assert_num_queries, age, touched
):
    tokens = sign_in(FIREFOX)
    me(tokens["access"])  # warm the per-process settings cache and compile the session query
    session = UserSession.objects.filter(session_key=sid(tokens["access"]))
    session.update(last_seen_at=clock.now - age)

    with django_assert_num_queries(QUERIES_OF_ME + touched) as captured:
        response = me(tokens["access"])

    assert response.status_code == status.HTTP_200_OK
    if touched:
        [update] = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("UPDATE")]
        assert update.startswith("UPDATE ") and 'UserSession" SET "LastSeenAt" = ' in update
        assert session.get().last_seen_at == clock.now
        with django_assert_num_queries(QUERIES_OF_ME):  # moved: the next request writes nothing
            me(tokens["access"])
    else:
        assert session.get().last_seen_at == clock.now - age
