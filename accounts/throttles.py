"""Rate limits from ``security.rate_limits``, on the cache shared by every worker.

Each action has its own bucket (the view's ``throttle_scope``), so exhausting one never blocks
another: five reset requests from an office's address leave its reset links working, and
failed sign-ins behind a NAT leave its users' token refreshes alone. Requests that anyone can
send are counted per client IP (and per email address where they send one an email); uses of
a token are counted per token, since the token, not the network, is what they act on.
"""

from __future__ import annotations

import hashlib
import logging

from rest_framework.throttling import ScopedRateThrottle

from configuration.settings_store import get_setting

from .models import normalize_email

logger = logging.getLogger(__name__)

# The rate of each scope when ``security.rate_limits`` does not name it (a database seeded
# before the scope existed, or an administrator's edit that dropped it), and when the value it
# holds is not a rate DRF can read. Fresh databases get the same values from the seed.
DEFAULT_RATES = {
    # Per client IP (and per address for those that send an email).
    "login": "10/min",
    "signup": "5/min",
    "passwordReset": "5/hour",
    "abrSearch": "30/min",
    "verifyEmailResend": "5/hour",
    # Per token.
    "verifyEmail": "10/hour",
    "passwordResetConfirm": "10/hour",
    "tokenRefresh": "10/min",
    "secureAccount": "10/hour",
    "emailChangeConfirm": "10/hour",
    # The MFA step of a sign-in: per client IP, and per mfaToken in a bucket of its own.
    "mfaVerify": "10/min",
    # Per signed-in user.
    "passwordChange": "10/hour",
    "reauthenticate": "10/hour",
    "mfa": "20/hour",
    "emailChange": "5/hour",
    "accountExport": "10/hour",
    "accountClose": "10/hour",
}


def _digest(value: str) -> str:
    """A cache-key-safe fingerprint of a client-sent string.

    Throttles run before input is validated, so the value may be any string: hashed, it makes
    a key of fixed length that every cache stores (a NUL byte or more than 255 characters broke
    the database cache's key column on PostgreSQL). "surrogatepass" keeps lone surrogates,
    which JSON allows, from failing the encoding.
    """
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


class SettingRateThrottle(ScopedRateThrottle):
    """Per signed-in user, else per client IP; ``throttle_scope`` names the key in ``security.rate_limits``."""

    def get_rate(self):
        limits = get_setting("security.rate_limits")
        rate = limits.get(self.scope) if isinstance(limits, dict) else None
        if rate is None:
            return DEFAULT_RATES.get(self.scope)
        try:
            self.parse_rate(rate)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            logger.warning("security.rate_limits[%r] is not a rate (%r); using the default.", self.scope, rate)
            return DEFAULT_RATES.get(self.scope)
        return rate


class BodyValueRateThrottle(SettingRateThrottle):
    """Per value of one body field (hashed), in a bucket of its own beside the per-IP one.

    A body without the field, or not a JSON object, is not counted here: the view's input
    serializer answers it with a 400.
    """

    field: str

    def canonical(self, value: str) -> str:
        """The form two equal values share, so spelling one differently is no way round the limit."""
        return value

    def get_cache_key(self, request, view):
        body = getattr(request, "data", None)
        value = body.get(self.field) if isinstance(body, dict) else None
        if not value or not isinstance(value, str):
            return None
        return self.cache_format % {"scope": f"{self.scope}-{self.field}", "ident": _digest(self.canonical(value))}


class EmailRateThrottle(BodyValueRateThrottle):
    """Per email address in the body, so rotating IPs does not multiply the emails sent."""

    field = "email"

    def canonical(self, value: str) -> str:
        return normalize_email(value)


class TokenRateThrottle(BodyValueRateThrottle):
    """Per one-time token in the body (``token``): a link's uses, wherever they come from."""

    field = "token"


class RefreshTokenRateThrottle(BodyValueRateThrottle):
    """Per refresh token in the body (``refresh``), not per IP, so a NAT's failed sign-ins never block it."""

    field = "refresh"


class MfaTokenRateThrottle(BodyValueRateThrottle):
    """Per ``mfaToken`` in the body: the guesses at one sign-in's second factor, from any address.

    Throttles read ``request.data``, whose keys the parser has already made snake_case.
    """

    field = "mfa_token"
