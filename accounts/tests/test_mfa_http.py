"""MFA end to end over real HTTP, with every security email read off a real SMTP server.

The client uses only what spec/api.md promises: paths, JSON bodies and status codes, and the
TOTP codes an authenticator app would show, computed here from the secret setup returns
(RFC 6238). Time is real: each code is one of the current step or the next (the server accepts
one step either side), and never one already used. Requests commit for real, so the emails
leave through ``transaction.on_commit`` as in production.
"""

import base64
import hashlib
import hmac
import struct
import time

import pytest

from accounts import mfa
from accounts.services import SUBJECT_LOCKED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EMAIL = "ada@example.com"
PASSWORD = "Analytical-engine-1843"


class AuthenticatorApp:
    """The codes an authenticator app shows for ``secret``; each step's code is handed out once."""

    def __init__(self, secret: str) -> None:
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.last_step = -1

    def code(self) -> str:
        """An unused code the server accepts now: this step's, else the next step's."""
        step = max(int(time.time()) // 30, self.last_step + 1)
        assert step <= int(time.time()) // 30 + 1, "more codes asked for than the steps allow"
        self.last_step = step
        mac = hmac.new(self.key, struct.pack(">Q", step), hashlib.sha1).digest()
        offset = mac[-1] & 0x0F
        return f"{(struct.unpack('>I', mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def status_and_code(response) -> tuple[int, str | None]:
    return response.status, (response.body or {}).get("error", {}).get("code")


def login(http_api, password=PASSWORD):
    return http_api.post("auth/login", {"email": EMAIL, "password": password})


def enrol(http_api, access) -> tuple[AuthenticatorApp, list[str]]:
    me = http_api.with_access(access)
    setup = me.post("auth/mfa/totp/setup")
    assert setup.status == 200, setup.body
    assert setup.body["qrSvg"].startswith("<svg")
    app = AuthenticatorApp(setup.body["secret"])
    confirmed = me.post("auth/mfa/totp/confirm", {"code": app.code()})
    assert confirmed.status == 200, confirmed.body
    return app, confirmed.body["recoveryCodes"]


def test_sign_in_with_totp_then_with_a_recovery_code_and_the_security_emails_off_the_wire(
    http_api, smtp_server, make_user, settings
):
    make_user(email=EMAIL, password=PASSWORD, first_name="Ada")
    first = login(http_api).body
    app, recovery_codes = enrol(http_api, first["access"])

    [enabled] = smtp_server.messages
    assert (enabled.rcpt_tos, enabled.subject) == ((EMAIL,), mfa.SUBJECT_MFA_ENABLED)
    assert f"{settings.FRONTEND_BASE_URL}/secure-account?token=" in enabled.body
    assert http_api.with_access(first["access"]).post("auth/logout", {"refresh": first["refresh"]}).status == 204

    # The password alone gives no tokens, only the mfaToken of the second step.
    challenge = login(http_api)
    assert challenge.status == 200
    assert set(challenge.body) == {"mfaRequired", "mfaToken"} and challenge.body["mfaRequired"] is True
    code = app.code()
    signed_in = http_api.post("auth/mfa/verify", {"mfaToken": challenge.body["mfaToken"], "code": code})
    assert signed_in.status == 200, signed_in.body
    assert set(signed_in.body) == {"access", "refresh", "user"}
    assert signed_in.body["user"]["email"] == EMAIL
    assert http_api.with_access(signed_in.body["access"]).get("users/me").status == 200
    assert http_api.post("auth/token/refresh", {"refresh": signed_in.body["refresh"]}).status == 200

    # The same code again, at a new sign-in, is refused: each code works once.
    replay = http_api.post("auth/mfa/verify", {"mfaToken": login(http_api).body["mfaToken"], "code": code})
    assert status_and_code(replay) == (401, "invalid_credentials")
    # And the used mfaToken is dead (refused before any code is looked at).
    reused = http_api.post("auth/mfa/verify", {"mfaToken": challenge.body["mfaToken"], "code": "123456"})
    assert status_and_code(reused) == (400, "token_invalid")

    # A recovery code signs in once, and its owner is told.
    recovered = http_api.post(
        "auth/mfa/verify", {"mfaToken": login(http_api).body["mfaToken"], "code": recovery_codes[0]}
    )
    assert recovered.status == 200, recovered.body
    used = smtp_server.messages[-1]
    assert (used.rcpt_tos, used.subject) == ((EMAIL,), mfa.SUBJECT_RECOVERY_CODE_USED)
    assert f"{settings.FRONTEND_BASE_URL}/secure-account?token=" in used.body
    again = http_api.post("auth/mfa/verify", {"mfaToken": login(http_api).body["mfaToken"], "code": recovery_codes[0]})
    assert status_and_code(again) == (401, "invalid_credentials")
    status = http_api.with_access(recovered.body["access"]).get("auth/mfa")
    assert (status.status, status.body["enabled"], status.body["recoveryCodesLeft"]) == (200, True, 9)

    # New codes: the old ones stop working; then MFA goes off and the password alone signs in.
    fresh = http_api.with_access(recovered.body["access"]).post("auth/mfa/recovery-codes")
    assert fresh.status == 200 and len(fresh.body["recoveryCodes"]) == 10
    old = http_api.post("auth/mfa/verify", {"mfaToken": login(http_api).body["mfaToken"], "code": recovery_codes[1]})
    assert status_and_code(old) == (401, "invalid_credentials")
    assert http_api.with_access(recovered.body["access"]).request("DELETE", "auth/mfa/totp").status == 204
    assert set(login(http_api).body) == {"access", "refresh", "user"}

    subjects = [message.subject for message in smtp_server.messages_to(EMAIL)]
    assert subjects == [
        mfa.SUBJECT_MFA_ENABLED,
        mfa.SUBJECT_RECOVERY_CODE_USED,
        mfa.SUBJECT_RECOVERY_CODES_REGENERATED,
        mfa.SUBJECT_MFA_DISABLED,
    ]


def test_wrong_codes_lock_the_account_and_email_the_owner_over_smtp(http_api, smtp_server, make_user, set_setting):
    make_user(email=EMAIL, password=PASSWORD)
    app, _ = enrol(http_api, login(http_api).body["access"])
    set_setting("security.max_failed_login_attempts", 3)
    token = login(http_api).body["mfaToken"]
    right = app.code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    failures = [http_api.post("auth/mfa/verify", {"mfaToken": token, "code": c}) for c in (wrong, "zzzzz-zzzzz", wrong)]

    assert [status_and_code(f) for f in failures] == [(401, "invalid_credentials")] * 3
    locked = smtp_server.messages[-1]
    assert (locked.rcpt_tos, locked.subject) == ((EMAIL,), SUBJECT_LOCKED)
    # Locked: the right code is refused, and so is the password.
    assert status_and_code(http_api.post("auth/mfa/verify", {"mfaToken": token, "code": right})) == (
        401,
        "invalid_credentials",
    )
    assert status_and_code(login(http_api)) == (401, "invalid_credentials")
    assert [m.subject for m in smtp_server.messages] == [mfa.SUBJECT_MFA_ENABLED, SUBJECT_LOCKED]
