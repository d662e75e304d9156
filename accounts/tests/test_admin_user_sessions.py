"""A user's sessions in the back office: listed on their page, ended one by one or all at once.

Sessions are opened by real API sign-ins from different devices; ending one in the back office
must refuse that device's tokens at once and leave the others working.
"""

import re
from datetime import timedelta
from html import unescape
from typing import NamedTuple

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import dateformat, timezone
from rest_framework import status
from rest_framework.test import APIClient

from accounts import admin as accounts_admin
from accounts.admin import (
    MESSAGE_SESSION_ALREADY_ENDED,
    MESSAGE_SESSION_ENDED,
    MESSAGE_SESSION_NOT_FOUND,
    MESSAGE_SIGNED_OUT_EVERYWHERE,
    SESSION_PANEL_ROWS,
)
from accounts.models import SessionEndReason, UserSession
from accounts.sessions import session_end, session_open
from auditing.models import ActivityLog
from eventlead.backoffice.testing import admin_client, assert_read_only, system_admin  # noqa: F401 (fixtures)
from logging_app.models import AuthEvent, AuthEventType

from .http_support import API, access_refused, client

pytestmark = pytest.mark.django_db

USERS_URL = "/admin/accounts/user/"
SESSIONS_URL = "/admin/accounts/usersession/"
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ADMIN_ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR: the admin's requests
# The user's page: the browser's session and the signed-in admin (2), the user, their
# memberships, their sessions with who ended each (one query however many), the admin's
# content type, the role and status choices: 8 (MFA off; with MFA on, its recovery codes left: 9).
PAGE_QUERIES = 15
# The sessions list: the browser's session and the admin (2), the count (capped) and the rows
# with their users; PostgreSQL first asks the planner for the table's size (unfiltered list).
LIST_QUERIES = 4


def change_url(user) -> str:
    return f"{USERS_URL}{user.pk}/change/"


def end_url(session) -> str:
    return f"{USERS_URL}{session.user_id}/sessions/{session.pk}/end/"


def end_all_url(user) -> str:
    return f"{USERS_URL}{user.pk}/sessions/end-all/"


class Device(NamedTuple):
    """A device signed in through the API: its tokens and the session they carry."""

    access: str
    refresh: str
    session: UserSession


def sign_in(email, password, user_agent, address) -> Device:
    response = APIClient().post(
        f"{API}auth/login",
        {"email": email, "password": password},
        format="json",
        HTTP_USER_AGENT=user_agent,
        REMOTE_ADDR=address,
    )
    assert response.status_code == status.HTTP_200_OK, response.content
    tokens = response.json()
    return Device(tokens["access"], tokens["refresh"], UserSession.objects.order_by("-id").first())


@pytest.fixture
def laptop(user, password):
    return sign_in(user.email, password, FIREFOX_ON_WINDOWS, "203.0.113.7")


@pytest.fixture
def phone(user, password, laptop):
    return sign_in(user.email, password, SAFARI_ON_IPHONE, "198.51.100.4")


def me(access):
    return client(access).get(f"{API}users/me")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def text(cell: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def panel_rows(body: str) -> list[list[str]]:
    """The sessions panel of a user's page as text, one list of cells a row."""
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r'<tr class="session-row">(.*?)</tr>', body, re.S)
    ]


def shown(value) -> str:
    return dateformat.format(timezone.localtime(value), "Y-m-d H:i")


def active_row(session) -> list[str]:
    session.refresh_from_db()
    return [
        session.device_label,
        session.ip_address,
        shown(session.created_date),
        shown(session.last_seen_at),
        shown(session.expires_at),
        "Active",
        "—",
        "—",
        "—",
        "End this session",
    ]


def ended_row(session, why, by) -> list[str]:
    session.refresh_from_db()
    return [
        session.device_label,
        session.ip_address,
        shown(session.created_date),
        shown(session.last_seen_at),
        shown(session.expires_at),
        "Ended",
        shown(session.ended_at),
        why,
        by,
        "",
    ]


# The panel -------------------------------------------------------------------------------------


def test_the_users_page_lists_their_sessions_active_first_then_ended_with_why_and_by_whom(
    admin_client,  # noqa: F811
    user,
    laptop,
    phone,
):
    logout = client(laptop.access).post(f"{API}auth/logout", {"refresh": laptop.refresh}, format="json")
    assert logout.status_code == status.HTTP_204_NO_CONTENT

    body = admin_client.get(change_url(user)).content.decode()

    assert (laptop.session.device_label, phone.session.device_label) == (
        "Firefox on Windows",
        "Mobile Safari on iOS (iPhone)",
    )
    assert panel_rows(body) == [active_row(phone.session), ended_row(laptop.session, "Logout", user.email)]
    assert f'<td title="{SAFARI_ON_IPHONE}">Mobile Safari on iOS (iPhone)</td>' in body  # the whole user agent


def test_a_user_without_sessions_has_an_empty_panel(admin_client, user):  # noqa: F811
    body = admin_client.get(change_url(user)).content.decode()

    assert "<h2>Sessions</h2>" in body and "No sessions." in body and panel_rows(body) == []


def test_no_session_key_is_ever_on_a_back_office_page(admin_client, user, laptop, phone):  # noqa: F811
    sessions = [laptop.session, phone.session]
    session_end(laptop.session, reason=SessionEndReason.LOGOUT, actor=user)
    pages = [change_url(user), SESSIONS_URL, f"{SESSIONS_URL}?q={user.email}"]

    bodies = {page: admin_client.get(page).content.decode() for page in pages}
    bodies |= {
        session.pk: admin_client.get(f"{SESSIONS_URL}{session.pk}/change/").content.decode() for session in sessions
    }

    for session in sessions:
        assert len(session.session_key) == 22
        assert [page for page, body in bodies.items() if session.session_key in body] == []
        # ... though each page shows the session (its own page: its user agent, in full).
        assert [page for page in pages if session.device_label not in bodies[page]] == []
        assert session.user_agent in bodies[session.pk]


def test_the_panel_shows_the_newest_sessions_and_leads_to_all_of_them(admin_client, system_admin, user):  # noqa: F811
    sessions = [session_open(user=user) for _ in range(SESSION_PANEL_ROWS + 5)]
    for session in sessions[:-3]:
        session_end(session, reason=SessionEndReason.ADMIN, actor=system_admin)

    response = admin_client.get(change_url(user))

    # The 3 active ones, newest first, then the most recently ended: 20 of 25.
    newest_first = sessions[::-1]
    rows = response.context["sessions_panel"].rows
    assert [row.session.pk for row in rows] == [session.pk for session in newest_first[:SESSION_PANEL_ROWS]]
    assert [row.state for row in rows] == ["Active"] * 3 + ["Ended"] * (SESSION_PANEL_ROWS - 3)
    assert len(panel_rows(response.content.decode())) == SESSION_PANEL_ROWS
    all_of_them = f"{SESSIONS_URL}?user__id__exact={user.pk}"
    assert f'<a href="{all_of_them}">all of this user’s sessions</a>' in response.content.decode()
    assert len(admin_client.get(all_of_them).context["cl"].result_list) == SESSION_PANEL_ROWS + 5


def test_active_sessions_come_before_newer_ended_ones(admin_client, user):  # noqa: F811
    older, newer = session_open(user=user), session_open(user=user)
    session_end(newer, reason=SessionEndReason.LOGOUT, actor=user)

    rows = admin_client.get(change_url(user)).context["sessions_panel"].rows

    assert [(row.session.pk, row.state) for row in rows] == [(older.pk, "Active"), (newer.pk, "Ended")]


@pytest.mark.parametrize("count", [1, 25])
def test_the_users_page_runs_the_same_queries_however_many_sessions(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    django_assert_num_queries,
    count,
):
    sessions = [session_open(user=user) for _ in range(count)]
    for session in sessions[:-1] or sessions:  # all ended but the newest: each names who ended it
        session_end(session, reason=SessionEndReason.ADMIN, actor=system_admin)
    ContentType.objects.clear_cache()

    with django_assert_num_queries(PAGE_QUERIES):
        response = admin_client.get(change_url(user))

    assert response.status_code == 200
    assert len(response.context["sessions_panel"].rows) == min(count, SESSION_PANEL_ROWS)


# Ending one session ---------------------------------------------------------------------------


def test_ending_one_session_refuses_its_tokens_and_leaves_the_others(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    laptop,
    phone,
):
    assert me(laptop.access).status_code == status.HTTP_200_OK

    response = admin_client.post(end_url(laptop.session), follow=True)

    assert response.redirect_chain == [(change_url(user), 302)]
    assert messages_of(response) == [MESSAGE_SESSION_ENDED.format(device="Firefox on Windows")]
    refused = me(laptop.access)
    assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(refused))
    refresh = client().post(f"{API}auth/token/refresh", {"refresh": laptop.refresh}, format="json")
    assert refresh.status_code == status.HTTP_401_UNAUTHORIZED
    assert me(phone.access).status_code == status.HTTP_200_OK
    assert panel_rows(response.content.decode()) == [
        active_row(phone.session),
        ended_row(laptop.session, "Admin", system_admin.email),
    ]
    assert (laptop.session.end_reason, laptop.session.updated_by) == (SessionEndReason.ADMIN, system_admin)


def test_ending_a_session_is_audited_with_the_admin_as_actor(admin_client, system_admin, user, laptop):  # noqa: F811
    events_before = AuthEvent.objects.order_by("-id").values_list("id", flat=True).first()

    admin_client.post(end_url(laptop.session))

    assert list(
        ActivityLog.objects.filter(action="session_ended").values_list(
            "user_id", "entity_type", "entity_id", "description", "ip_address"
        )
    ) == [(system_admin.pk, "User", str(user.pk), "Ended the session on Firefox on Windows (admin)", ADMIN_ADDRESS)]
    # The event is the user's (whose session ended), from the admin's address.
    assert list(
        AuthEvent.objects.filter(id__gt=events_before).values_list(
            "event_type", "user_id", "email", "failure_reason", "ip_address"
        )
    ) == [(AuthEventType.SESSION_ENDED, user.pk, user.email, "admin", ADMIN_ADDRESS)]


def test_ending_an_ended_session_says_so_and_changes_nothing(admin_client, user, laptop):  # noqa: F811
    session_end(laptop.session, reason=SessionEndReason.LOGOUT, actor=user)
    before = UserSession.objects.get(pk=laptop.session.pk)
    audit = (ActivityLog.objects.count(), AuthEvent.objects.count())

    response = admin_client.post(end_url(laptop.session), follow=True)

    assert messages_of(response) == [MESSAGE_SESSION_ALREADY_ENDED]
    after = UserSession.objects.get(pk=laptop.session.pk)
    assert (after.ended_at, after.end_reason, after.updated_by) == (before.ended_at, SessionEndReason.LOGOUT, user)
    assert (ActivityLog.objects.count(), AuthEvent.objects.count()) == audit


def test_an_expired_session_is_not_ended_again(admin_client, user, laptop):  # noqa: F811
    UserSession.objects.filter(pk=laptop.session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    audit = (ActivityLog.objects.count(), AuthEvent.objects.count())

    response = admin_client.post(end_url(laptop.session), follow=True)

    assert messages_of(response) == [MESSAGE_SESSION_ALREADY_ENDED]
    assert UserSession.objects.get(pk=laptop.session.pk).ended_at is None
    assert (ActivityLog.objects.count(), AuthEvent.objects.count()) == audit
    assert [row[5:] for row in panel_rows(response.content.decode())] == [["Expired", "—", "—", "—", ""]]


def test_another_users_session_cannot_be_ended_from_this_users_page(admin_client, make_user, password, user):  # noqa: F811
    other = sign_in(make_user("other@example.com").email, password, SAFARI_ON_IPHONE, "198.51.100.9")

    response = admin_client.post(f"{USERS_URL}{user.pk}/sessions/{other.session.pk}/end/", follow=True)

    assert response.redirect_chain == [(change_url(user), 302)]
    assert messages_of(response) == [MESSAGE_SESSION_NOT_FOUND]
    assert me(other.access).status_code == status.HTTP_200_OK


def test_an_unknown_user_leads_back_to_the_index(admin_client):  # noqa: F811
    response = admin_client.post(f"{USERS_URL}999999/sessions/end-all/", follow=True)

    assert response.redirect_chain == [("/admin/", 302)]
    assert messages_of(response) == ["user with ID “999999” doesn’t exist. Perhaps it was deleted?"]  # Django’s own


def test_a_get_ends_nothing(admin_client, user, laptop):  # noqa: F811
    assert admin_client.get(end_url(laptop.session)).status_code == status.HTTP_405_METHOD_NOT_ALLOWED
    assert admin_client.get(end_all_url(user)).status_code == status.HTTP_405_METHOD_NOT_ALLOWED

    assert me(laptop.access).status_code == status.HTTP_200_OK
    assert UserSession.objects.get(pk=laptop.session.pk).ended_at is None


# Ending all of them ----------------------------------------------------------------------------


def test_signing_out_everywhere_from_the_users_page_ends_every_session(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    laptop,
    phone,
):
    actions_before = ActivityLog.objects.order_by("-id").values_list("id", flat=True).first()

    response = admin_client.post(end_all_url(user), follow=True)

    assert response.redirect_chain == [(change_url(user), 302)]
    assert messages_of(response) == [MESSAGE_SIGNED_OUT_EVERYWHERE.format(email=user.email)]
    for device in (laptop, phone):
        refused = me(device.access)
        assert (refused.status_code, refused.json()) == (status.HTTP_401_UNAUTHORIZED, access_refused(refused))
    assert panel_rows(response.content.decode()) == [
        ended_row(phone.session, "Admin", system_admin.email),
        ended_row(laptop.session, "Admin", system_admin.email),
    ]
    assert list(
        ActivityLog.objects.filter(id__gt=actions_before).order_by("id").values_list("action", "user_id", "entity_id")
    ) == [
        ("sessions_ended", system_admin.pk, str(user.pk)),
        ("logout_all", system_admin.pk, str(user.pk)),
        ("user_signed_out_everywhere", system_admin.pk, str(user.pk)),
    ]
    assert list(AuthEvent.objects.filter(event_type=AuthEventType.LOGOUT_ALL).values_list("user_id", "ip_address")) == [
        (user.pk, ADMIN_ADDRESS)
    ]


# Who may ---------------------------------------------------------------------------------------


def test_someone_outside_the_back_office_cannot_end_sessions(make_user, user, laptop):
    browser = Client()
    browser.force_login(make_user("colleague@example.com"))

    for url in (end_url(laptop.session), end_all_url(user)):
        response = browser.post(url)
        assert (response.status_code, response.url) == (302, f"/admin/login/?next={url}")

    assert me(laptop.access).status_code == status.HTTP_200_OK
    assert UserSession.objects.get(pk=laptop.session.pk).ended_at is None


def test_an_admin_who_may_only_view_users_sees_the_sessions_but_cannot_end_them(
    admin_client,  # noqa: F811
    user,
    laptop,
    monkeypatch,
):
    monkeypatch.setattr(accounts_admin.UserAdmin, "has_change_permission", lambda self, request, obj=None: False)

    body = admin_client.get(change_url(user)).content.decode()
    ended = admin_client.post(end_url(laptop.session))
    all_ended = admin_client.post(end_all_url(user))

    assert panel_rows(body) == [active_row(laptop.session)[:-1]]  # no end button
    assert "user-sessions-form" not in body
    assert (ended.status_code, all_ended.status_code) == (status.HTTP_403_FORBIDDEN, status.HTTP_403_FORBIDDEN)
    assert me(laptop.access).status_code == status.HTTP_200_OK


def test_the_pages_buttons_post_with_its_csrf_token(system_admin, user, laptop, phone):  # noqa: F811
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(system_admin)
    body = browser.get(change_url(user)).content.decode()
    form = re.search(r'<form id="user-sessions-form" method="post" action="([^"]+)">(.*?)</form>', body, re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)
    buttons = re.findall(
        r'<button type="submit" class="button" form="user-sessions-form"(?: formaction="([^"]+)")?>', body
    )

    # The panel's buttons are not in the user's form, whose first button (Enter) stays "Save".
    assert form.group(1) == end_all_url(user)
    assert buttons == [end_url(phone.session), end_url(laptop.session), ""]
    user_form = body.split('id="user_form"')[1].split("</form>")[0]
    own_buttons = [
        tag for tag in re.findall(r'<(?:button|input) type="submit"[^>]*>', user_form) if " form=" not in tag
    ]
    assert own_buttons[0] == '<input type="submit" value="Save" class="default" name="_save">'
    assert browser.post(end_url(laptop.session)).status_code == status.HTTP_403_FORBIDDEN  # no token
    assert me(laptop.access).status_code == status.HTTP_200_OK

    assert browser.post(end_url(laptop.session), {"csrfmiddlewaretoken": token}).status_code == status.HTTP_302_FOUND

    assert me(laptop.access).status_code == status.HTTP_401_UNAUTHORIZED
    assert me(phone.access).status_code == status.HTTP_200_OK


# The sessions list -----------------------------------------------------------------------------


def listed(admin_client, **query):  # noqa: F811
    return [session.pk for session in admin_client.get(SESSIONS_URL, query).context["cl"].result_list]


def test_the_sessions_list_is_read_only(admin_client, laptop):  # noqa: F811
    assert_read_only(admin_client, UserSession, laptop.session)


def test_the_sessions_list_filters_by_state_and_reason_and_finds_a_users_email(
    admin_client,  # noqa: F811
    make_user,
    password,
    user,
    laptop,
    phone,
):
    other = sign_in(make_user("other@example.com").email, password, FIREFOX_ON_WINDOWS, "192.0.2.1")
    session_end(laptop.session, reason=SessionEndReason.LOGOUT, actor=user)
    UserSession.objects.filter(pk=other.session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert listed(admin_client, state="ended") == [laptop.session.pk]
    assert listed(admin_client, state="active") == [phone.session.pk]
    assert listed(admin_client, state="expired") == [other.session.pk]
    assert listed(admin_client, end_reason__exact="logout") == [laptop.session.pk]
    assert listed(admin_client, end_reason__exact="admin") == []
    assert listed(admin_client, q="Member@Example.com") == [phone.session.pk, laptop.session.pk]
    assert listed(admin_client, q="other@example.com") == [other.session.pk]
    assert listed(admin_client, q="other") == [other.session.pk]


@pytest.mark.parametrize("count", [1, 25])
def test_the_sessions_list_runs_the_same_queries_however_many_rows(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    django_assert_num_queries,
    count,
):
    sessions = [session_open(user=user) for _ in range(count)]
    for session in sessions[:-1] or sessions:
        session_end(session, reason=SessionEndReason.ADMIN, actor=system_admin)
    ContentType.objects.clear_cache()

    with django_assert_num_queries(LIST_QUERIES + (connection.vendor == "postgresql")):
        response = admin_client.get(SESSIONS_URL)

    assert len(response.context["cl"].result_list) == count
