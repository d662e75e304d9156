"""MFA over the API: enrolment, the sign-in's second step, recovery codes, lockout, step-up and
re-authentication with a code (spec/api.md, "MFA for every account" and "Account security").

TOTP codes are computed here from the secret setup returns (RFC 6238, by hand, not with
django-otp). The clock (``timezone.now``) is held still on a whole second and moved by the tests,
so each code's 30-second step, the mfaToken's five minutes and the step-up window are hit
exactly; a new code in a test is the code of a later step, reached by moving the clock.
"""

import base64
import hashlib
import hmac
import json
import struct
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from rest_framework import status
from rest_framework.test import APIClient

from accounts import mfa
from accounts.models import User, UserMfaToken, UserRecoveryCode, UserSession
from accounts.serializers import MESSAGE_ONE_PROOF
from accounts.services import SUBJECT_LOCKED
from accounts.tokens import hash_token
from auditing.models import ActivityLog
from eventlead.core.exceptions import InvalidCredentials, ReauthenticationRequired, Throttled
from logging_app.models import AuthEvent

from .http_support import API, error, token_expired, token_invalid

pytestmark = pytest.mark.django_db

EMAIL = "member@example.com"  # make_user's
PASSWORD = "Correct-horse-battery-9"
STEP = timedelta(seconds=30)
TICK = timedelta(microseconds=1)
REAUTH_MINUTES = 5
OFFICE_IP = "203.0.113.7"


def totp_code(secret: str, moment) -> str:
    """The six-digit code of ``secret`` at ``moment``: RFC 6238 with SHA-1 and 30-second steps."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(moment.timestamp()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


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

    # The next whole second: after any row a fixture made before (the user's password change).
    held = Clock(timezone.now().replace(microsecond=0) + timedelta(seconds=1))
    monkeypatch.setattr(timezone, "now", lambda: held.now)
    return held


@pytest.fixture
def step_up_window(set_setting):
    set_setting("security.reauth_minutes", REAUTH_MINUTES)
    return timedelta(minutes=REAUTH_MINUTES)


@pytest.fixture
def call(django_capture_on_commit_callbacks):
    """Send a JSON request (as ``access``'s user when given, from ``ip``) and run its on-commit
    callbacks (the emails), as a committed request would."""

    def send(method, path, body=None, *, access=None, ip=OFFICE_IP):
        api = APIClient(REMOTE_ADDR=ip)
        if access:
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        with django_capture_on_commit_callbacks(execute=True):
            if method == "get":
                return api.get(f"{API}{path}")
            return getattr(api, method)(f"{API}{path}", body, format="json")

    return send


@pytest.fixture
def sign_in(call):
    def do(password=PASSWORD, **kwargs):
        return call("post", "auth/login", {"email": EMAIL, "password": password}, **kwargs)

    return do


class Enrolled:
    """A user with MFA on: the secret of their app, their recovery codes and a signed-in session."""

    def __init__(self, user, access, refresh, secret, recovery_codes, clock):
        self.user, self.access, self.refresh = user, access, refresh
        self.secret, self.recovery_codes, self.clock = secret, recovery_codes, clock

    def code(self) -> str:
        """The app's code now."""
        return totp_code(self.secret, self.clock.now)

    def next_code(self) -> str:
        """The code of the next step: the clock moves on 30 seconds, so it has not been used."""
        self.clock.advance(STEP)
        return self.code()


@pytest.fixture
def enrolled(user, clock, call, sign_in):
    tokens = sign_in().json()
    setup = call("post", "auth/mfa/totp/setup", access=tokens["access"])
    assert setup.status_code == status.HTTP_200_OK, setup.content
    secret = setup.json()["secret"]
    confirmed = call("post", "auth/mfa/totp/confirm", {"code": totp_code(secret, clock.now)}, access=tokens["access"])
    assert confirmed.status_code == status.HTTP_200_OK, confirmed.content
    mail.outbox.clear()
    return Enrolled(user, tokens["access"], tokens["refresh"], secret, confirmed.json()["recoveryCodes"], clock)


def mfa_token_of(sign_in) -> str:
    response = sign_in()
    assert response.status_code == status.HTTP_200_OK, response.content
    assert set(response.json()) == {"mfaRequired", "mfaToken"}
    return response.json()["mfaToken"]


def wrong_code(response) -> dict:
    return error(response, "invalid_credentials", mfa.MESSAGE_WRONG_CODE)


def refused(response) -> dict:
    return error(response, "invalid_credentials", InvalidCredentials.message)


def step_up_refused(response) -> dict:
    return error(response, "reauthentication_required", ReauthenticationRequired.message)


def conflict(response, message: str) -> dict:
    return error(response, "conflict", message)


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


# Enrolment ------------------------------------------------------------------------------------


def test_setup_answers_the_secret_its_uri_and_qr_code_and_turns_nothing_on(user, clock, call, sign_in):
    tokens = sign_in().json()

    response = call("post", "auth/mfa/totp/setup", access=tokens["access"])

    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert set(body) == {"secret", "otpauthUri", "qrSvg"}
    uri = urlparse(body["otpauthUri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/EventLead%3Amember%40example.com")
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["EventLead"]
    assert body["qrSvg"].startswith("<svg") and body["qrSvg"].endswith("</svg>")
    user.refresh_from_db()
    assert user.mfa_enabled_at is None
    assert call("get", "auth/mfa", access=tokens["access"]).json() == {
        "enabled": False,
        "enabledAt": None,
        "recoveryCodesLeft": 0,
    }
    assert set(sign_in().json()) == {"access", "refresh", "user"}
    assert mail.outbox == []


def test_only_the_last_secret_shown_can_be_confirmed(user, clock, call, sign_in):
    access = sign_in().json()["access"]
    first = call("post", "auth/mfa/totp/setup", access=access).json()["secret"]
    second = call("post", "auth/mfa/totp/setup", access=access).json()["secret"]
    assert first != second

    stale = call("post", "auth/mfa/totp/confirm", {"code": totp_code(first, clock.now)}, access=access)

    assert stale.status_code == status.HTTP_400_BAD_REQUEST
    assert stale.json() == error(
        stale, "validation_error", "The request has invalid fields.", {"code": [mfa.MESSAGE_WRONG_SETUP_CODE]}
    )
    assert (
        call("post", "auth/mfa/totp/confirm", {"code": totp_code(second, clock.now)}, access=access).status_code == 200
    )


def test_confirm_turns_mfa_on_with_ten_single_use_codes_stored_as_hashes_and_emails_the_owner(
    user, clock, call, sign_in
):
    access = sign_in().json()["access"]
    secret = call("post", "auth/mfa/totp/setup", access=access).json()["secret"]

    response = call("post", "auth/mfa/totp/confirm", {"code": totp_code(secret, clock.now)}, access=access)

    assert response.status_code == status.HTTP_200_OK
    codes = response.json()["recoveryCodes"]
    assert set(response.json()) == {"recoveryCodes"}
    assert len(set(codes)) == mfa.RECOVERY_CODE_COUNT == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    stored = list(UserRecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert sorted(stored) == sorted(hash_token(code.replace("-", "")) for code in codes)
    table = json.dumps(list(UserRecoveryCode.objects.values()), default=str)
    assert not any(code in table or code.replace("-", "") in table for code in codes)
    user.refresh_from_db()
    assert user.mfa_enabled_at == clock.now
    assert call("get", "auth/mfa", access=access).json() == {
        "enabled": True,
        "enabledAt": clock.now.isoformat().replace("+00:00", "Z"),
        "recoveryCodesLeft": 10,
    }
    assert subjects() == [mfa.SUBJECT_MFA_ENABLED]
    assert mail.outbox[0].to == [EMAIL]
    assert AuthEvent.objects.filter(user=user, event_type="mfa_enabled").count() == 1
    assert ActivityLog.objects.filter(action="mfa_enabled").count() == 1


def test_a_wrong_first_code_is_a_field_error_that_turns_nothing_on_and_locks_nothing(
    user, clock, call, sign_in, set_setting
):
    set_setting("security.max_failed_login_attempts", 2)
    access = sign_in().json()["access"]
    secret = call("post", "auth/mfa/totp/setup", access=access).json()["secret"]
    wrong = "000000" if totp_code(secret, clock.now) != "000000" else "111111"

    for _ in range(3):
        response = call("post", "auth/mfa/totp/confirm", {"code": wrong}, access=access)
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert response.json()["error"]["fields"] == {"code": [mfa.MESSAGE_WRONG_SETUP_CODE]}

    user.refresh_from_db()
    assert (user.mfa_enabled_at, user.failed_login_attempts, user.is_locked) == (None, 0, False)
    assert not UserRecoveryCode.objects.exists()


def test_confirm_without_setup_and_setup_or_confirm_when_already_on_are_conflicts(enrolled, call):
    nothing_pending = call("post", "auth/mfa/totp/confirm", {"code": enrolled.next_code()}, access=enrolled.access)
    again = call("post", "auth/mfa/totp/setup", access=enrolled.access)

    assert nothing_pending.status_code == again.status_code == status.HTTP_409_CONFLICT
    assert nothing_pending.json() == conflict(nothing_pending, mfa.MfaAlreadyOn.message)
    assert again.json() == conflict(again, mfa.MfaAlreadyOn.message)


def test_confirm_with_no_device_set_up_is_a_conflict(user, clock, call, sign_in):
    access = sign_in().json()["access"]

    response = call("post", "auth/mfa/totp/confirm", {"code": "123456"}, access=access)

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == conflict(response, mfa.MfaNotSetUp.message)


# Signing in with MFA on ------------------------------------------------------------------------


def test_the_whole_sign_in_with_a_totp_code(enrolled, call, sign_in):
    assert call("post", "auth/logout", {"refresh": enrolled.refresh}, access=enrolled.access).status_code == 204
    sessions_before = UserSession.objects.count()

    login = sign_in()

    assert login.status_code == status.HTTP_200_OK
    assert login.json() == {"mfaRequired": True, "mfaToken": login.json()["mfaToken"]}
    assert UserSession.objects.count() == sessions_before  # no session, no tokens yet
    row = UserMfaToken.objects.get(used_at__isnull=True)
    assert row.token_hash == hash_token(login.json()["mfaToken"])  # only the hash is kept
    assert row.expires_at == enrolled.clock.now + timedelta(minutes=5)

    verified = call("post", "auth/mfa/verify", {"mfaToken": login.json()["mfaToken"], "code": enrolled.next_code()})

    assert verified.status_code == status.HTTP_200_OK
    body = verified.json()
    assert set(body) == {"access", "refresh", "user"}
    assert (body["user"]["email"], body["user"]["userId"]) == (EMAIL, enrolled.user.pk)
    me = call("get", "users/me", access=body["access"])
    assert me.status_code == status.HTTP_200_OK and me.json()["email"] == EMAIL
    assert call("post", "auth/token/refresh", {"refresh": body["refresh"]}).status_code == status.HTTP_200_OK
    assert UserSession.objects.count() == sessions_before + 1
    events = list(AuthEvent.objects.filter(user=enrolled.user).order_by("id").values_list("event_type", flat=True))
    assert events[-4:] == ["logout", "mfa_challenged", "login_success", "token_refreshed"]


def test_a_totp_code_works_once(enrolled, call, sign_in):
    code = enrolled.next_code()
    first = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": code})
    assert first.status_code == status.HTTP_200_OK

    again = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": code})

    assert again.status_code == status.HTTP_401_UNAUTHORIZED
    assert again.json() == wrong_code(again)
    enrolled.user.refresh_from_db()
    assert enrolled.user.failed_login_attempts == 1
    # An earlier step's code is refused too once a later one was used; the next step's works.
    earlier = totp_code(enrolled.secret, enrolled.clock.now - STEP)
    assert call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": earlier}).status_code == 401
    later = totp_code(enrolled.secret, enrolled.clock.now + STEP)
    assert call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": later}).status_code == 200


def test_a_code_two_steps_away_is_refused(enrolled, call, sign_in):
    enrolled.clock.advance(STEP * 4)
    for moment in (enrolled.clock.now - STEP * 2, enrolled.clock.now + STEP * 2):
        response = call(
            "post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": totp_code(enrolled.secret, moment)}
        )
        assert response.status_code == status.HTTP_401_UNAUTHORIZED


def test_a_code_typed_with_a_space_is_accepted(enrolled, call, sign_in):
    code = enrolled.next_code()

    response = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == status.HTTP_200_OK


def test_the_mfa_token_is_single_use(enrolled, call, sign_in):
    token = mfa_token_of(sign_in)
    assert call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.next_code()}).status_code == 200

    again = call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.next_code()})

    assert again.status_code == status.HTTP_400_BAD_REQUEST
    assert again.json() == token_invalid(again)


def test_a_wrong_code_leaves_the_mfa_token_usable(enrolled, call, sign_in):
    token = mfa_token_of(sign_in)
    code = enrolled.next_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    assert call("post", "auth/mfa/verify", {"mfaToken": token, "code": wrong}).status_code == 401
    assert call("post", "auth/mfa/verify", {"mfaToken": token, "code": code}).status_code == 200


def test_the_mfa_token_lasts_five_minutes(enrolled, call, sign_in):
    token, later = mfa_token_of(sign_in), mfa_token_of(sign_in)
    # The newer token replaced the first: one sign-in waits for its code at a time.
    first = call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.next_code()})
    assert first.json() == token_invalid(first)

    enrolled.clock.advance(timedelta(minutes=5) - STEP)  # next_code moved it one step already
    at_expiry = totp_code(enrolled.secret, enrolled.clock.now)
    enrolled.clock.advance(TICK)
    expired = call("post", "auth/mfa/verify", {"mfaToken": later, "code": at_expiry})

    assert expired.status_code == status.HTTP_400_BAD_REQUEST
    assert expired.json() == token_expired(expired)
    enrolled.user.refresh_from_db()
    assert enrolled.user.failed_login_attempts == 0


def test_the_mfa_token_works_up_to_its_last_instant(enrolled, call, sign_in):
    token = mfa_token_of(sign_in)
    enrolled.clock.advance(timedelta(minutes=5))

    response = call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.code()})

    assert response.status_code == status.HTTP_200_OK


def test_a_password_change_voids_a_waiting_mfa_token(enrolled, call, sign_in):
    token = mfa_token_of(sign_in)
    enrolled.clock.advance(TICK)
    User.objects.filter(pk=enrolled.user.pk).update(last_password_change=enrolled.clock.now)

    response = call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.next_code()})

    assert response.json() == token_invalid(response)


def test_an_unknown_mfa_token_is_refused(user, clock, call):
    response = call("post", "auth/mfa/verify", {"mfaToken": "not-a-token", "code": "123456"})

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == token_invalid(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mfaToken": "", "code": "123456"}, "mfaToken"),
        ({"mfaToken": "x" * 201, "code": "123456"}, "mfaToken"),
        ({"mfaToken": "a-token", "code": "1" * 33}, "code"),
        ({"code": "123456"}, "mfaToken"),
    ],
)
def test_a_malformed_verify_body_is_a_field_error(user, clock, call, body, field):
    response = call("post", "auth/mfa/verify", body)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {field}


# Recovery codes --------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_and_emails_the_owner(enrolled, call, sign_in):
    code = enrolled.recovery_codes[3]

    response = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": code.upper()})

    assert response.status_code == status.HTTP_200_OK
    assert set(response.json()) == {"access", "refresh", "user"}
    assert subjects() == [mfa.SUBJECT_RECOVERY_CODE_USED]
    assert "secure-account?token=" in mail.outbox[0].body
    assert call("get", "auth/mfa", access=response.json()["access"]).json()["recoveryCodesLeft"] == 9
    assert UserRecoveryCode.objects.get(code_hash=hash_token(code.replace("-", ""))).used_at == enrolled.clock.now

    again = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": code})

    assert again.json() == wrong_code(again)
    assert subjects() == [mfa.SUBJECT_RECOVERY_CODE_USED]
    other = enrolled.recovery_codes[4].replace("-", "")  # typed without its hyphen
    assert call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": other}).status_code == 200


def test_a_recovery_code_of_digits_only_is_taken_for_a_recovery_code_not_a_totp_code(enrolled, call, sign_in):
    # One code in about 770,000 has no letter; ten symbols, so never a six-digit TOTP code.
    row = UserRecoveryCode.objects.filter(user=enrolled.user).first()
    UserRecoveryCode.objects.filter(user=enrolled.user).exclude(pk=row.pk).delete()
    UserRecoveryCode.objects.filter(pk=row.pk).update(code_hash=hash_token("2345678923"))

    response = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": "23456-78923"})

    assert response.status_code == status.HTTP_200_OK
    assert subjects() == [mfa.SUBJECT_RECOVERY_CODE_USED]


def test_new_recovery_codes_replace_the_old_ones_and_email_the_owner(enrolled, call, sign_in):
    response = call("post", "auth/mfa/recovery-codes", access=enrolled.access)

    assert response.status_code == status.HTTP_200_OK
    fresh = response.json()["recoveryCodes"]
    assert len(set(fresh)) == 10 and not set(fresh) & set(enrolled.recovery_codes)
    assert subjects() == [mfa.SUBJECT_RECOVERY_CODES_REGENERATED]
    assert ActivityLog.objects.filter(action="recovery_codes_regenerated").count() == 1
    old = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": enrolled.recovery_codes[0]})
    assert old.json() == wrong_code(old)
    new = call("post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": fresh[0]})
    assert new.status_code == status.HTTP_200_OK


def test_new_recovery_codes_need_mfa_on(user, clock, call, sign_in):
    response = call("post", "auth/mfa/recovery-codes", access=sign_in().json()["access"])

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == conflict(response, mfa.MfaNotOn.message)
    assert not UserRecoveryCode.objects.exists()


# Turning it off --------------------------------------------------------------------------------


def test_turning_mfa_off_deletes_the_device_and_codes_emails_the_owner_and_login_gives_tokens_again(
    enrolled, call, sign_in
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = call("delete", "auth/mfa/totp", access=enrolled.access)

    assert response.status_code == status.HTTP_204_NO_CONTENT
    assert not TOTPDevice.objects.exists() and not UserRecoveryCode.objects.exists()
    enrolled.user.refresh_from_db()
    assert enrolled.user.mfa_enabled_at is None
    assert subjects() == [mfa.SUBJECT_MFA_DISABLED]
    assert set(sign_in().json()) == {"access", "refresh", "user"}
    again = call("delete", "auth/mfa/totp", access=enrolled.access)
    assert again.status_code == status.HTTP_409_CONFLICT
    assert again.json() == conflict(again, mfa.MfaNotOn.message)


def test_a_waiting_sign_in_cannot_finish_once_mfa_is_off(enrolled, call, sign_in):
    token = mfa_token_of(sign_in)
    code = enrolled.next_code()
    assert call("delete", "auth/mfa/totp", access=enrolled.access).status_code == 204

    response = call("post", "auth/mfa/verify", {"mfaToken": token, "code": code})

    assert response.json() == refused(response)


# Lockout ---------------------------------------------------------------------------------------


def test_wrong_codes_count_toward_the_lockout_and_then_even_the_right_code_is_refused(
    enrolled, call, sign_in, set_setting
):
    set_setting("security.max_failed_login_attempts", 3)
    token = mfa_token_of(sign_in)
    code = enrolled.next_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    failures = [call("post", "auth/mfa/verify", {"mfaToken": token, "code": c}) for c in (wrong, "zzzzz-zzzzz", wrong)]

    assert [r.status_code for r in failures] == [status.HTTP_401_UNAUTHORIZED] * 3
    assert [r.json() for r in failures] == [wrong_code(r) for r in failures]
    enrolled.user.refresh_from_db()
    assert enrolled.user.is_locked
    assert subjects() == [SUBJECT_LOCKED]
    reasons = AuthEvent.objects.filter(user=enrolled.user, event_type="login_failed").values_list(
        "failure_reason", flat=True
    )
    assert list(reasons) == [mfa.FAILURE_WRONG_CODE] * 3
    right = call("post", "auth/mfa/verify", {"mfaToken": token, "code": code})
    assert right.json() == refused(right)
    login = sign_in()
    assert login.json() == refused(login)


def test_password_failures_and_code_failures_add_up(enrolled, call, sign_in, set_setting):
    set_setting("security.max_failed_login_attempts", 2)
    assert sign_in(password="Not-the-password-1").status_code == 401
    token = mfa_token_of(sign_in)  # a right password does not reset the count: the sign-in is not finished

    response = call("post", "auth/mfa/verify", {"mfaToken": token, "code": "zzzzz-zzzzz"})

    assert response.json() == wrong_code(response)
    enrolled.user.refresh_from_db()
    assert enrolled.user.is_locked


def test_a_finished_sign_in_resets_the_count(enrolled, call, sign_in, set_setting):
    set_setting("security.max_failed_login_attempts", 2)
    token = mfa_token_of(sign_in)
    assert call("post", "auth/mfa/verify", {"mfaToken": token, "code": "zzzzz-zzzzz"}).status_code == 401
    assert call("post", "auth/mfa/verify", {"mfaToken": token, "code": enrolled.next_code()}).status_code == 200

    enrolled.user.refresh_from_db()
    assert (enrolled.user.failed_login_attempts, enrolled.user.is_locked) == (0, False)


# Rate limits -----------------------------------------------------------------------------------


def test_verify_is_throttled_per_mfa_token_from_any_address(enrolled, call, sign_in, set_setting):
    set_setting("security.rate_limits", json.dumps({"mfaVerify": "2/min"}))
    token = mfa_token_of(sign_in)
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]

    responses = [call("post", "auth/mfa/verify", {"mfaToken": token, "code": "zzzzz-zzzzz"}, ip=ip) for ip in addresses]

    assert [r.status_code for r in responses] == [401, 401, 429]
    assert responses[2].json()["error"]["code"] == "throttled"
    # Another sign-in's token from a fourth address has its own bucket.
    other = call(
        "post", "auth/mfa/verify", {"mfaToken": mfa_token_of(sign_in), "code": "zzzzz-zzzzz"}, ip="198.51.100.4"
    )
    assert other.status_code == 401


def test_verify_is_throttled_per_address(enrolled, call, sign_in, set_setting):
    set_setting("security.rate_limits", json.dumps({"mfaVerify": "2/min"}))
    tokens = [mfa_token_of(sign_in) for _ in range(3)]

    responses = [call("post", "auth/mfa/verify", {"mfaToken": t, "code": "zzzzz-zzzzz"}) for t in tokens]

    # Each sign-in's token replaced the one before (400 token_invalid); the third, valid and
    # never tried, is refused by the address's bucket.
    assert [r.status_code for r in responses] == [400, 400, 429]
    assert responses[2].json() == error(responses[2], Throttled.code, responses[2].json()["error"]["message"])


def test_enrolment_is_throttled_per_user(user, clock, call, sign_in, set_setting):
    set_setting("security.rate_limits", json.dumps({"mfa": "2/hour"}))
    access = sign_in().json()["access"]

    responses = [
        call("post", "auth/mfa/totp/setup", access=access, ip=ip) for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3")
    ]

    assert [r.status_code for r in responses] == [200, 200, 429]


# Step-up ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "auth/mfa/totp/setup"),
        ("delete", "auth/mfa/totp"),
        (
            "post",
            "auth/mfa/recovery-codes",
        ),
    ],
)
def test_the_mfa_changes_need_a_recent_sign_in(enrolled, call, step_up_window, method, path):
    enrolled.clock.advance(step_up_window + timedelta(seconds=1))

    response = call(method, path, access=enrolled.access)

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json() == step_up_refused(response)
    enrolled.user.refresh_from_db()
    assert enrolled.user.mfa_enabled_at is not None
    assert UserRecoveryCode.objects.filter(used_at__isnull=True).count() == 10
    assert mail.outbox == []


def test_confirm_needs_no_recent_sign_in(user, clock, call, sign_in, step_up_window):
    access = sign_in().json()["access"]
    secret = call("post", "auth/mfa/totp/setup", access=access).json()["secret"]
    clock.advance(step_up_window + timedelta(seconds=1))

    response = call("post", "auth/mfa/totp/confirm", {"code": totp_code(secret, clock.now)}, access=access)

    assert response.status_code == status.HTTP_200_OK


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "auth/mfa"),
        ("post", "auth/mfa/totp/setup"),
        ("post", "auth/mfa/totp/confirm"),
        ("delete", "auth/mfa/totp"),
        ("post", "auth/mfa/recovery-codes"),
    ],
)
def test_the_mfa_routes_need_a_signed_in_caller(call, method, path):
    response = call(method, path, {"code": "123456"})

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert response.json()["error"]["code"] == "not_authenticated"


# Re-authentication with a code -----------------------------------------------------------------


def test_reauthenticate_with_a_totp_code_renews_the_step_up(enrolled, call, step_up_window):
    enrolled.clock.advance(step_up_window + timedelta(seconds=1))
    assert call("post", "auth/mfa/recovery-codes", access=enrolled.access).status_code == 401

    response = call("post", "auth/reauthenticate", {"code": enrolled.code()}, access=enrolled.access)

    assert response.status_code == status.HTTP_200_OK
    fresh = response.json()["access"]
    assert call("post", "auth/mfa/recovery-codes", access=fresh).status_code == status.HTTP_200_OK
    # The code is used up there as at sign-in.
    again = call("post", "auth/reauthenticate", {"code": enrolled.code()}, access=fresh)
    assert again.status_code == status.HTTP_400_BAD_REQUEST


def test_reauthenticate_with_a_recovery_code_uses_it_up(enrolled, call):
    code = enrolled.recovery_codes[0]

    first = call("post", "auth/reauthenticate", {"code": code}, access=enrolled.access)
    again = call("post", "auth/reauthenticate", {"code": code}, access=enrolled.access)

    assert first.status_code == status.HTTP_200_OK
    assert again.status_code == status.HTTP_400_BAD_REQUEST
    assert again.json() == error(
        again, "validation_error", "The request has invalid fields.", {"code": [mfa.MESSAGE_WRONG_CODE]}
    )
    assert subjects() == [mfa.SUBJECT_RECOVERY_CODE_USED]


def test_a_wrong_reauthentication_code_counts_toward_the_lockout_which_ends_every_session(enrolled, call, set_setting):
    set_setting("security.max_failed_login_attempts", 2)

    responses = [call("post", "auth/reauthenticate", {"code": c}, access=enrolled.access) for c in ("zzzzz-zzzzz",) * 2]

    assert [r.status_code for r in responses] == [400, 400]
    assert responses[0].json()["error"]["fields"] == {"code": [mfa.MESSAGE_WRONG_CODE]}
    reasons = AuthEvent.objects.filter(user=enrolled.user, event_type="login_failed").values_list(
        "failure_reason", flat=True
    )
    assert list(reasons) == ["wrong_reauthentication_code"] * 2
    enrolled.user.refresh_from_db()
    assert enrolled.user.is_locked
    # The guesser holds a session: the lock ends it.
    assert not UserSession.objects.filter(user=enrolled.user, ended_at__isnull=True).exists()
    assert call("get", "users/me", access=enrolled.access).status_code == status.HTTP_401_UNAUTHORIZED


def test_a_code_is_refused_at_reauthentication_while_mfa_is_off(user, clock, call, sign_in):
    access = sign_in().json()["access"]

    response = call("post", "auth/reauthenticate", {"code": "123456"}, access=access)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["fields"] == {"code": [mfa.MESSAGE_CODE_WITHOUT_MFA]}
    user.refresh_from_db()
    assert user.failed_login_attempts == 0


@pytest.mark.parametrize("body", [{}, {"password": PASSWORD, "code": "123456"}])
def test_reauthenticate_takes_exactly_one_of_password_and_code(user, clock, call, sign_in, body):
    access = sign_in().json()["access"]

    response = call("post", "auth/reauthenticate", body, access=access)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["error"]["fields"] == {"nonFieldErrors": [MESSAGE_ONE_PROOF]}


def test_reauthenticate_with_the_password_still_works_with_mfa_on(enrolled, call):
    response = call("post", "auth/reauthenticate", {"password": PASSWORD}, access=enrolled.access)

    assert response.status_code == status.HTTP_200_OK


def test_the_login_answer_documents_the_mfa_alternative():
    from eventlead.testing.openapi import openapi_document

    document = openapi_document()
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]["application/json"]
    assert login["schema"] == {"$ref": "#/components/schemas/LoginResult"}
    variants = document["components"]["schemas"]["LoginResult"]["oneOf"]
    assert variants == [
        {"$ref": "#/components/schemas/LoginOutput"},
        {"$ref": "#/components/schemas/MfaChallengeOutput"},
    ]
    assert document["components"]["schemas"]["MfaChallengeOutput"]["required"] == ["mfaRequired", "mfaToken"]
