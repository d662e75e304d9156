"""The rules of sessions below the API: device labels, networks, ending, purging, the upgrade."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as installed_apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import SessionEndReason, User, UserKnownDevice, UserSession
from accounts.sessions import device_label, device_remember, ip_network, session_end, session_open, sessions_end_all
from auditing.models import ActivityLog
from eventlead.core import context
from logging_app.models import AuthEvent

pytestmark = pytest.mark.django_db

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Mobile Safari on iOS (iPhone)"),
        (CHROME_LINUX, "Chrome on Linux"),
        (FIREFOX_WINDOWS.replace("133.0", "134.0"), "Firefox on Windows"),  # an update is the same device
        ("python-requests/2.32.3", "Python Requests"),
        ("", "Unknown device"),
        ("\x00\x01garbage", "Unknown device"),
    ],
)
def test_a_device_is_labelled_by_browser_and_system_families(user_agent, label):
    assert device_label(user_agent) == label


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("203.0.113.1", "203.0.113.0/24"),
        ("198.51.100.7", "198.51.100.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        (None, ""),
    ],
)
def test_an_address_is_remembered_by_its_network(address, network):
    assert ip_network(address) == network


def open_on(user, user_agent, address="203.0.113.9"):
    token = context._current.set(context.RequestContext(ip_address=address, user_agent=user_agent))
    try:
        return session_open(user=user)
    finally:
        context._current.reset(token)


def test_a_session_is_opened_for_the_requesting_device_and_named_on_the_user(user):
    session = open_on(user, FIREFOX_WINDOWS)

    user.refresh_from_db()
    assert (session.ip_address, session.user_agent, session.device_label) == (
        "203.0.113.9",
        FIREFOX_WINDOWS,
        "Firefox on Windows",
    )
    assert len(session.session_key) == 22 and user.session_token == session.session_key
    assert session.authenticated_at == session.last_seen_at == session.created_date
    assert session.expires_at - session.created_date == timedelta(days=7)  # auth.refresh_token_days
    assert (session.ended_at, session.end_reason) == (None, "")
    assert session.session_key not in str(session)


def test_only_a_device_new_to_an_account_that_has_signed_in_before_is_news(user):
    now = timezone.now()
    first, again = open_on(user, CHROME_LINUX), open_on(user, CHROME_LINUX, "203.0.113.200")
    other_browser, other_network = open_on(user, FIREFOX_WINDOWS), open_on(user, CHROME_LINUX, "198.51.100.1")

    assert device_remember(user=user, session=first, now=now) is False  # the first sign-in ever
    assert device_remember(user=user, session=again, now=now) is False  # same browser, same /24
    assert device_remember(user=user, session=other_browser, now=now) is True
    assert device_remember(user=user, session=other_network, now=now) is True
    assert device_remember(user=user, session=other_network, now=now) is False
    assert sorted(UserKnownDevice.objects.values_list("device_label", "ip_network")) == [
        ("Chrome on Linux", "198.51.100.0/24"),
        ("Chrome on Linux", "203.0.113.0/24"),
        ("Firefox on Windows", "203.0.113.0/24"),
    ]


def test_a_session_ends_once_audited_and_recorded(user, make_user):
    admin = make_user(email="admin@example.com")
    session = open_on(user, FIREFOX_WINDOWS)

    assert session_end(session, reason=SessionEndReason.ADMIN, actor=admin) is True
    assert session_end(session, reason=SessionEndReason.REVOKED, actor=user) is False

    session.refresh_from_db()
    user.refresh_from_db()
    assert (session.end_reason, session.updated_by_id, user.session_token) == ("admin", admin.pk, "")
    assert session.ended_at is not None
    assert list(AuthEvent.objects.values_list("event_type", "failure_reason", "user_id")) == [
        ("session_ended", "admin", user.pk)
    ]
    entry = ActivityLog.objects.get(action="session_ended")
    assert (entry.user_id, entry.description) == (admin.pk, "Ended the session on Firefox on Windows (admin)")


def test_ending_all_sessions_keeps_the_one_asked_for_and_leaves_other_users_alone(user, make_user):
    other = make_user(email="other@example.com")
    kept, ended, elsewhere = open_on(user, FIREFOX_WINDOWS), open_on(user, SAFARI_IPHONE), open_on(other, CHROME_LINUX)

    assert sessions_end_all(user=user, reason=SessionEndReason.REVOKED, actor=user, keep=kept) == 1
    assert sessions_end_all(user=user, reason=SessionEndReason.REVOKED, actor=user, keep=kept) == 0

    states = {s.pk: (s.end_reason, s.ended_at is None) for s in UserSession.objects.all()}
    assert states == {kept.pk: ("", True), ended.pk: ("revoked", False), elsewhere.pk: ("", True)}
    assert ActivityLog.objects.get(action="sessions_ended").description == "Ended 1 session (revoked)"


def test_purge_sessions_deletes_only_sessions_finished_before_the_retention(user, capsys):
    now = timezone.now()
    active, recent, old_ended, old_expired = (open_on(user, FIREFOX_WINDOWS) for _ in range(4))
    UserSession.objects.filter(pk=recent.pk).update(ended_at=now - timedelta(days=89), end_reason="logout")
    UserSession.objects.filter(pk=old_ended.pk).update(ended_at=now - timedelta(days=91), end_reason="logout")
    UserSession.objects.filter(pk=old_expired.pk).update(expires_at=now - timedelta(days=91))
    device_remember(user=user, session=old_ended, now=now - timedelta(days=400))

    call_command("purge_sessions", "--days", "90", "--batch-size", "1")

    assert set(UserSession.objects.values_list("pk", flat=True)) == {active.pk, recent.pk}
    assert capsys.readouterr().out.strip() == "dbo.UserSession: deleted 2"
    assert UserKnownDevice.objects.filter(user=user).count() == 1  # devices outlive their sessions


def test_the_upgrade_keeps_signed_in_users_sessions_under_their_session_token(user, make_user):
    """Tokens issued before sessions carried the user's SessionToken as ``sid``."""
    migration = import_module("accounts.migrations.0004_user_sessions")
    signed_out = make_user(email="out@example.com")
    deleted = make_user(email="gone@example.com")
    User.objects.filter(pk=user.pk).update(session_token="old-session-token", last_login=timezone.now())
    User.objects.filter(pk=deleted.pk).update(session_token="deleted-token", is_deleted=True)

    migration.sessions_of_signed_in_users(installed_apps, None)

    (session,) = UserSession.objects.all()
    assert (session.user_id, session.session_key, session.device_label) == (
        user.pk,
        "old-session-token",
        "Unknown device",
    )
    assert session.ended_at is None and session.expires_at > timezone.now() + timedelta(days=89)
    assert not UserSession.objects.filter(user__in=[signed_out, deleted]).exists()


# What mutation testing found untested --------------------------------------------------------


def test_a_session_names_its_user_as_creator_and_keeps_500_characters_of_user_agent(user):
    session = open_on(user, "Mozilla/5.0 " + "x" * 600)

    session.refresh_from_db()
    assert (session.created_by_id, session.updated_by_id) == (user.pk, user.pk)
    assert len(session.user_agent) == 500


def test_a_known_device_is_dated_and_seen_again_when_it_signs_in_again(user):
    first_seen, later = timezone.now() - timedelta(days=3), timezone.now()
    device_remember(user=user, session=open_on(user, CHROME_LINUX), now=first_seen)

    assert device_remember(user=user, session=open_on(user, CHROME_LINUX, "203.0.113.250"), now=later) is False

    known = UserKnownDevice.objects.get()
    assert (known.created_date, known.last_seen_at) == (first_seen, later)
    assert (known.created_by_id, known.updated_by_id) == (user.pk, user.pk)


def test_a_refresh_extends_its_own_session_only_and_never_an_ended_one(user, make_user):
    from accounts.sessions import session_extend

    now = timezone.now() + timedelta(hours=2)
    session, other_session = open_on(user, FIREFOX_WINDOWS), open_on(make_user(email="o@example.com"), CHROME_LINUX)
    ended = open_on(user, SAFARI_IPHONE)
    session_end(ended, reason=SessionEndReason.LOGOUT, actor=user)
    before = UserSession.objects.get(pk=other_session.pk)

    assert session_extend(session, now) is True
    assert session_extend(UserSession.objects.get(pk=ended.pk), now) is False

    session.refresh_from_db()
    assert (session.last_seen_at, session.expires_at) == (now, now + timedelta(days=7))
    after = UserSession.objects.get(pk=other_session.pk)
    assert (after.last_seen_at, after.expires_at) == (before.last_seen_at, before.expires_at)
    assert UserSession.objects.get(pk=ended.pk).last_seen_at == ended.last_seen_at < now


def test_ending_an_older_session_leaves_the_users_newest_named_and_records_which_it_ended(user):
    now = timezone.now() + timedelta(minutes=5)
    older, newest = open_on(user, FIREFOX_WINDOWS), open_on(user, SAFARI_IPHONE)

    session_end(older, reason=SessionEndReason.REVOKED, actor=user, now=now)

    user.refresh_from_db()
    older.refresh_from_db()
    assert user.session_token == newest.session_key
    assert older.updated_date == now
    entry = ActivityLog.objects.get(action="session_ended")
    assert entry.new_values == {"user_session_id": older.pk, "end_reason": "revoked"}


def test_ending_all_sessions_leaves_the_kept_one_named_on_the_user_or_none(user, make_user):
    from accounts.services import tokens_revoke_all

    other = make_user(email="other@example.com")
    open_on(other, CHROME_LINUX)
    now = timezone.now() + timedelta(minutes=5)
    kept, _ = open_on(user, FIREFOX_WINDOWS), open_on(user, SAFARI_IPHONE)
    open_on(user, CHROME_LINUX)  # the newest, named on the user until it ends
    other_token = User.objects.get(pk=other.pk).session_token

    sessions_end_all(user=user, reason=SessionEndReason.REVOKED, actor=user, now=now, keep=kept)
    user.refresh_from_db()
    assert user.session_token == kept.session_key
    tokens_revoke_all(user=user, reason=SessionEndReason.LOGOUT_ALL, actor=user)

    assert user.session_token == ""  # refreshed by tokens_revoke_all
    assert User.objects.get(pk=user.pk).session_token == ""
    assert User.objects.get(pk=other.pk).session_token == other_token != ""
    assert set(UserSession.objects.filter(user=user, end_reason="revoked").values_list("updated_date", flat=True)) == {
        now
    }
    assert list(
        ActivityLog.objects.filter(action="sessions_ended").order_by("pk").values_list("description", flat=True)
    ) == ["Ended 2 sessions (revoked)", "Ended 1 session (logout_all)"]


def test_revoking_a_session_reads_it_with_its_user_in_one_query(user, django_assert_num_queries):
    from accounts.services import session_revoke

    session = open_on(user, FIREFOX_WINDOWS)
    user = User.objects.get(pk=user.pk)

    # savepoint, the session with its user, the UPDATE, the user's SessionToken, the auth event,
    # the activity entry, release
    with django_assert_num_queries(7):
        session_revoke(user=user, session_key=session.session_key)
