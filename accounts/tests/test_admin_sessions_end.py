"""A back-office sign-in ends with the user's API sessions: sign out everywhere, a lock, a new password.

The admin signs in as a person does (password, then a TOTP code), so the session is a real
one that Django verifies on every request against ``User.get_session_auth_hash``.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.throttles import DEFAULT_RATES

from .http_support import API, client, last_link_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-long-passphrase-42"
ADMIN_LIST = "/admin/accounts/user/"


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.ADMIN_REQUIRE_2FA = True


def code_for(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"


@pytest.fixture
def sign_in_to_back_office(password):
    """Create a system admin with a TOTP device and sign them in to /admin/ with password and code."""

    def sign_in(email):
        admin = User.objects.create_superuser(email, password)
        device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
        browser = Client()
        signed_in = browser.post("/admin/login/?next=/admin/", {"username": email, "password": password})
        assert signed_in.url.startswith("/admin/two-factor/")
        assert browser.post("/admin/two-factor/", {"code": code_for(device)}).url == "/admin/"
        assert browser.get("/admin/").status_code == 200
        return admin, browser

    return sign_in


@pytest.fixture
def boss(sign_in_to_back_office):
    return sign_in_to_back_office("boss@example.com")


def signed_out(browser) -> bool:
    page = browser.get("/admin/")
    return page.status_code == 302 and page.url.startswith("/admin/login/")


def test_logout_all_through_the_api_ends_the_back_office_session(boss, post, password):
    admin, browser = boss
    tokens = post("auth/login", {"email": admin.email, "password": password}).json()

    assert post("auth/logout-all", {}, tokens["access"]).status_code == 204

    assert signed_out(browser)
    # Signing in afresh works: the session ended, the account did not.
    assert (
        browser.post("/admin/login/?next=/admin/", {"username": admin.email, "password": password}).status_code == 302
    )


def test_another_admins_sign_out_everywhere_ends_the_back_office_session(boss, sign_in_to_back_office):
    admin, browser = boss
    _, colleague = sign_in_to_back_office("colleague@example.com")

    colleague.post(ADMIN_LIST, {"action": "sign_out_everywhere", "_selected_action": [admin.pk]})

    assert signed_out(browser)
    assert not signed_out(colleague)


def test_signing_oneself_out_everywhere_ends_ones_own_back_office_session(boss):
    admin, browser = boss

    browser.post(ADMIN_LIST, {"action": "sign_out_everywhere", "_selected_action": [admin.pk]})

    assert signed_out(browser)


def test_a_password_change_through_the_api_ends_the_back_office_session(boss, post, password):
    admin, browser = boss
    tokens = post("auth/login", {"email": admin.email, "password": password}).json()

    changed = post("auth/password-change", {"currentPassword": password, "newPassword": NEW_PASSWORD}, tokens["access"])

    assert changed.status_code == 200
    assert signed_out(browser)


def test_a_password_reset_ends_the_back_office_session(boss, post):
    admin, browser = boss
    post("auth/password-reset", {"email": admin.email})

    assert (
        post("auth/password-reset/confirm", {"token": last_link_token(), "newPassword": NEW_PASSWORD}).status_code
        == 200
    )

    assert signed_out(browser)


def test_a_lock_from_wrong_current_passwords_ends_the_back_office_session_for_good(boss, post, password, set_setting):
    set_setting("security.rate_limits", json.dumps(dict.fromkeys(DEFAULT_RATES, "1000/min")))
    set_setting("security.max_failed_login_attempts", 2)
    admin, browser = boss
    access = post("auth/login", {"email": admin.email, "password": password}).json()["access"]
    for n in range(2):
        post("auth/password-change", {"currentPassword": f"Guess-number-{n}", "newPassword": NEW_PASSWORD}, access)
    assert User.objects.get(pk=admin.pk).is_locked

    User.objects.filter(pk=admin.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    assert signed_out(browser)


def test_using_the_api_leaves_the_back_office_session_alone(boss, post, password):
    admin, browser = boss
    tokens = post("auth/login", {"email": admin.email, "password": password}).json()

    refreshed = post("auth/token/refresh", {"refresh": tokens["refresh"]}).json()
    assert client(refreshed["access"]).patch(f"{API}users/me", {"firstName": "Bo"}, format="json").status_code == 200
    assert post("auth/logout", {"refresh": refreshed["refresh"]}, refreshed["access"]).status_code == 204

    assert not signed_out(browser)


def test_after_a_secret_key_rotation_the_session_survives_until_logout_all(boss, post, password, settings):
    admin, browser = boss
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert not signed_out(browser)  # verified against the old key, and moved to the new one
    tokens = post("auth/login", {"email": admin.email, "password": password}).json()

    assert post("auth/logout-all", {}, tokens["access"]).status_code == 204

    assert signed_out(browser)


def test_an_admins_own_password_change_in_the_back_office_keeps_that_session_and_ends_the_others(boss, password):
    admin, browser = boss
    other_browser = Client()
    other_browser.post("/admin/login/?next=/admin/", {"username": admin.email, "password": password})
    device = TOTPDevice.objects.get(user=admin)
    device.throttle_reset()
    device.last_t = -1  # the same code again, from the second browser
    device.save()
    assert other_browser.post("/admin/two-factor/", {"code": code_for(device)}).url == "/admin/"

    changed = browser.post(
        "/admin/password_change/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert changed.status_code == 302
    assert not signed_out(browser)
    assert signed_out(other_browser)
