"""PasswordNotExpired: a password older than ``auth.password_expiry_days`` blocks the API.

"Older than" is exact: on the instant the period ends the password still works, one
microsecond later it has expired. The clock is held still so that instant can be hit.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.permissions import PasswordNotExpired

from .http_support import API, client, password_expired

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-battery-9"  # make_user's
TICK = timedelta(microseconds=1)


@pytest.fixture
def clock(monkeypatch):
    """Stop ``timezone.now`` at one instant for the whole test (JWT expiry keeps real time)."""
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    return instant


@pytest.fixture
def access(user, login):
    """A valid access token of ``user``, from a real login."""
    return login()["access"]


def set_password_age(user, *, changed, created=None):
    fields = {"last_password_change": changed}
    if created is not None:
        fields["created_date"] = created
    User.objects.filter(pk=user.pk).update(**fields)


def me(access):
    return client(access).get(f"{API}users/me")


def assert_expired(response):
    assert (response.status_code, response.json()) == (403, password_expired(response))


def test_the_password_still_works_on_the_last_instant_of_the_period(user, access, clock):
    set_password_age(user, changed=clock - timedelta(days=90))

    assert me(access).status_code == 200


def test_the_password_expires_one_microsecond_after_the_period(user, access, clock):
    set_password_age(user, changed=clock - timedelta(days=90) - TICK)

    assert_expired(me(access))


@pytest.mark.parametrize(
    ("days", "age", "status"),
    [
        (30, timedelta(days=30), 200),
        (30, timedelta(days=30) + TICK, 403),
        (1, timedelta(days=1) + TICK, 403),
        (365, timedelta(days=364), 200),
    ],
)
def test_the_period_is_the_configured_number_of_days(user, access, clock, set_setting, days, age, status):
    set_setting("auth.password_expiry_days", days)
    set_password_age(user, changed=clock - age)

    assert me(access).status_code == status


def test_a_password_never_changed_is_as_old_as_the_account(user, access, clock):
    set_password_age(user, changed=None, created=clock - timedelta(days=90))
    assert me(access).status_code == 200

    set_password_age(user, changed=None, created=clock - timedelta(days=90) - TICK)
    assert_expired(me(access))


def test_a_recent_change_counts_even_on_an_old_account(user, access, clock):
    set_password_age(user, changed=clock - timedelta(days=1), created=clock - timedelta(days=900))

    assert me(access).status_code == 200


def test_an_old_change_counts_even_on_a_new_account(user, access, clock):
    set_password_age(user, changed=clock - timedelta(days=91), created=clock)

    assert_expired(me(access))


def test_expiry_zero_lets_even_an_ancient_password_through(user, access, clock, set_setting):
    set_setting("auth.password_expiry_days", 0)
    set_password_age(user, changed=clock - timedelta(days=3650), created=clock - timedelta(days=3650))

    assert me(access).status_code == 200


def test_an_expired_password_still_allows_logout_and_logout_all(user, login, clock):
    first, second = login(), login()
    set_password_age(user, changed=clock - timedelta(days=400))
    assert_expired(me(first["access"]))

    logout = client(first["access"]).post(f"{API}auth/logout", {"refresh": first["refresh"]}, format="json")
    logout_all = client(second["access"]).post(f"{API}auth/logout-all")

    assert (logout.status_code, logout_all.status_code) == (204, 204)


def test_an_anonymous_request_is_left_to_the_authentication_check(db):
    """Refusing no one itself: with the user unknown, IsAuthenticated (listed first) decides."""
    request = SimpleNamespace(user=None)

    assert PasswordNotExpired().has_permission(request, view=None) is True
    response = client().get(f"{API}users/me")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")
