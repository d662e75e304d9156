"""MFA code races on real PostgreSQL: requests released at once, each on its own connection.

A TOTP code works once and so does a recovery code (``accounts.mfa``: each is used up by one
conditional UPDATE); a sign-in's mfaToken finishes one sign-in. SQLite serialises writers, so
these only prove something on PostgreSQL.
"""

import base64
import hashlib
import hmac
import struct
from collections import Counter

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import mfa
from accounts.models import UserRecoveryCode
from eventlead.testing.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

THREADS = 10


def totp_code(secret: str, step: int) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def current_step() -> int:
    return int(timezone.now().timestamp()) // 30


def post(path, body, access=None):
    api = APIClient()
    if access:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.post(f"/api/v1/{path}", body, format="json")
    return response.status_code, response.json() if response.content else None


def enrolled(user) -> tuple[str, list[str]]:
    secret = mfa.totp_setup(user=user)["secret"]
    codes = mfa.totp_confirm(user=user, code=totp_code(secret, current_step()))
    assert codes is not None
    return secret, codes


def mfa_token(user, password) -> str:
    status, body = post("auth/login", {"email": user.email, "password": password})
    assert status == 200 and body["mfaRequired"] is True, body
    return body["mfaToken"]


def test_one_totp_code_sent_by_a_sign_in_and_nine_reauthentications_at_once_works_once(make_user, password):
    """The mfaToken alone would keep one sign-in from finishing twice; re-authentications take no
    token, so only the code's own single use stands between them."""
    user = make_user(email="racer@example.com")
    secret, codes = enrolled(user)
    status, signed_in = post("auth/mfa/verify", {"mfaToken": mfa_token(user, password), "code": codes[0]})
    assert status == 200
    token = mfa_token(user, password)
    code = totp_code(secret, current_step() + 1)  # the confirm used this step's

    def send(kind):
        if kind == "verify":
            return post("auth/mfa/verify", {"mfaToken": token, "code": code})
        return post("auth/reauthenticate", {"code": code}, access=signed_in["access"])

    answers = run_together(send, ["verify"] + ["reauthenticate"] * (THREADS - 1))

    statuses = Counter(status for status, _ in answers)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 400, 401}


def test_one_recovery_code_used_by_ten_reauthentications_at_once_works_once(make_user, password):
    user = make_user(email="racer@example.com")
    _, codes = enrolled(user)
    status, tokens = post("auth/login", {"email": user.email, "password": password})
    token = tokens["mfaToken"]
    status, signed_in = post("auth/mfa/verify", {"mfaToken": token, "code": codes[0]})
    assert status == 200

    answers = run_together(
        lambda _: post("auth/reauthenticate", {"code": codes[1]}, access=signed_in["access"]), range(THREADS)
    )

    statuses = Counter(status for status, _ in answers)
    assert statuses[200] == 1
    # The nine others are wrong codes (400), and five wrong codes lock the account, which ends its
    # sessions: a request that reaches authentication after the lock is refused there (401).
    assert statuses[400] + statuses[401] == THREADS - 1, statuses
    assert UserRecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 2
    user.refresh_from_db()
    assert user.is_locked


def test_a_totp_and_a_recovery_code_racing_for_one_sign_in_use_up_only_the_winners_code(make_user, password):
    user = make_user(email="racer@example.com")
    secret, codes = enrolled(user)
    token = mfa_token(user, password)
    totp = totp_code(secret, current_step() + 1)

    answers = run_together(lambda code: post("auth/mfa/verify", {"mfaToken": token, "code": code}), [totp, codes[0]])

    statuses = [status for status, _ in answers]
    assert sorted(statuses) in ([200, 400], [200, 401]), statuses
    recovery_used = UserRecoveryCode.objects.filter(user=user, used_at__isnull=False).count()
    if statuses[0] == 200:  # the TOTP code won: the recovery code was given back
        assert recovery_used == 0
    else:
        assert recovery_used == 1
