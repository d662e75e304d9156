"""Each action has its own rate-limit bucket: exhausting one never blocks another.

Requests anyone can send count per client IP; uses of a token count per token, so a shared
address (an office, a NAT) that failed to sign in or asked for resets keeps its links and
refreshes working.
"""

import json
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.throttles import DEFAULT_RATES, RefreshTokenRateThrottle, TokenRateThrottle
from configuration.settings_store import get_setting

from .http_support import API, last_link_token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-long-passphrase-42"
OFFICE = "198.51.100.7"  # one address for everyone behind it
ELSEWHERE = "203.0.113.9"


@pytest.fixture(autouse=True)
def _client_address_is_remote_addr(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}


@pytest.fixture
def call(django_capture_on_commit_callbacks):
    """POST JSON from a client address and run the on-commit callbacks (the emails)."""

    def do(path, body, *, ip=OFFICE):
        with django_capture_on_commit_callbacks(execute=True):
            return APIClient().post(f"{API}{path}", body, format="json", REMOTE_ADDR=ip)

    return do


@pytest.fixture
def rates(set_setting):
    """Set some scopes of ``security.rate_limits``, the others at their defaults."""

    def set_rates(**changes):
        set_setting("security.rate_limits", json.dumps({**DEFAULT_RATES, **changes}))

    return set_rates


def limit_of(scope: str) -> int:
    return int(get_setting("security.rate_limits")[scope].split("/")[0])


def exhaust(call, path, bodies) -> None:
    """Send ``bodies`` until the limit answers, and check that it does."""
    answers = [call(path, body).status_code for body in bodies]
    assert answers[-1] == 429 and 429 not in answers[:-1], answers


def test_the_seeded_limits_are_the_defaults_the_code_falls_back_on():
    assert get_setting("security.rate_limits") == DEFAULT_RATES


# Per-IP requests leave per-token uses alone ------------------------------------------------


def test_exhausting_reset_requests_from_one_address_leaves_its_reset_links_working(call, user):
    assert call("auth/password-reset", {"email": user.email}).status_code == 202
    token = last_link_token()
    others = [{"email": f"someone-{n}@example.com"} for n in range(limit_of("passwordReset"))]
    exhaust(call, "auth/password-reset", others)

    confirmed = call("auth/password-reset/confirm", {"token": token, "newPassword": NEW_PASSWORD})

    assert confirmed.status_code == 200, confirmed.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_failed_sign_ins_from_one_address_leave_its_refreshes_working(call, user, password):
    tokens = call("auth/login", {"email": user.email, "password": password}).json()
    guesses = [{"email": f"someone-{n}@example.com", "password": "Wrong-password-1"} for n in range(limit_of("login"))]
    exhaust(call, "auth/login", guesses)

    refreshed = call("auth/token/refresh", {"refresh": tokens["refresh"]})

    assert refreshed.status_code == 200, refreshed.content
    assert set(refreshed.json()) == {"access", "refresh"}


def test_exhausting_sign_ups_from_one_address_leaves_its_verification_links_and_resends_working(call, make_user):
    pending = {"email": "new@example.com", "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "L"}
    assert call("auth/signup", pending).status_code == 202
    others = [{**pending, "email": f"someone-{n}@example.com"} for n in range(limit_of("signup"))]
    exhaust(call, "auth/signup", others)

    assert call("auth/verify-email/resend", {"email": "new@example.com"}).status_code == 202
    assert call("auth/verify-email", {"token": last_link_token()}).status_code == 200


def test_exhausting_verification_resends_leaves_sign_up_working(call):
    resends = [{"email": f"someone-{n}@example.com"} for n in range(limit_of("verifyEmailResend") + 1)]
    exhaust(call, "auth/verify-email/resend", resends)

    body = {"email": "new@example.com", "password": "Long-enough-pass-1", "firstName": "Ada", "lastName": "L"}
    assert call("auth/signup", body).status_code == 202


# Per-token uses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "scope", "body"),
    [
        ("auth/password-reset/confirm", "passwordResetConfirm", {"newPassword": "weak"}),
        ("auth/verify-email", "verifyEmail", {}),
    ],
)
def test_one_link_is_limited_wherever_it_is_used_from_and_others_are_not(call, rates, path, scope, body):
    rates(**{scope: "2/min"})
    assert [call(path, {**body, "token": "a-token"}, ip=ip).status_code for ip in (OFFICE, ELSEWHERE)] == [400, 400]

    from_elsewhere = call(path, {**body, "token": "a-token"}, ip="192.0.2.44")

    assert from_elsewhere.status_code == 429
    assert from_elsewhere.json()["error"]["code"] == "throttled"
    assert call(path, {**body, "token": "another-token"}).status_code == 400


def test_one_refresh_token_is_limited_wherever_it_is_used_from_and_others_are_not(call, rates, user, password):
    rates(tokenRefresh="2/min")
    tokens = call("auth/login", {"email": user.email, "password": password}).json()
    assert [call("auth/token/refresh", {"refresh": "stolen"}, ip=ip).status_code for ip in (OFFICE, ELSEWHERE)] == [
        401,
        401,
    ]

    assert call("auth/token/refresh", {"refresh": "stolen"}, ip="192.0.2.44").status_code == 429
    assert call("auth/token/refresh", {"refresh": tokens["refresh"]}).status_code == 200


def test_a_scope_missing_from_the_setting_gets_its_default_limit(call, set_setting):
    set_setting("security.rate_limits", json.dumps({"login": "1000/min"}))  # seeded before tokenRefresh existed
    allowed = int(DEFAULT_RATES["tokenRefresh"].split("/")[0])

    answers = [call("auth/token/refresh", {"refresh": "stolen"}).status_code for _ in range(allowed + 1)]

    assert answers == [401] * allowed + [429]


@pytest.mark.parametrize("broken", ["lots", "10/", "", 10, ["1/min"], None])
def test_a_rate_that_is_not_a_rate_falls_back_to_the_default_never_a_500(call, set_setting, broken):
    set_setting("security.rate_limits", json.dumps({"tokenRefresh": broken}))
    allowed = int(DEFAULT_RATES["tokenRefresh"].split("/")[0])

    answers = [call("auth/token/refresh", {"refresh": "stolen"}).status_code for _ in range(allowed + 1)]

    assert answers == [401] * allowed + [429]


@pytest.mark.parametrize("setting", ['["login"]', '"10/min"', "null"])
def test_a_setting_that_is_not_an_object_falls_back_to_the_defaults(call, set_setting, setting):
    set_setting("security.rate_limits", setting)

    assert call("auth/token/refresh", {"refresh": "stolen"}).status_code == 401


@pytest.mark.parametrize(("throttle", "field"), [(TokenRateThrottle, "token"), (RefreshTokenRateThrottle, "refresh")])
def test_a_token_is_counted_under_its_digest_never_in_clear(throttle, field):
    counter = throttle()
    counter.scope = "tokenRefresh"
    secret = "eyJhbGciOiJIUzI1NiJ9." + "x" * 400

    key = counter.get_cache_key(SimpleNamespace(data={field: secret}), view=None)

    prefix = f"throttle_tokenRefresh-{field}_"
    assert key.startswith(prefix) and len(key) == len(prefix) + 64
    assert secret not in key and "x" * 10 not in key
    assert counter.get_cache_key(SimpleNamespace(data={field: secret + "y"}), view=None) != key
    assert counter.get_cache_key(SimpleNamespace(data=[secret]), view=None) is None
