"""Rate limits from ``security.rate_limits``, on the cache shared by every worker."""

import hashlib

from rest_framework.throttling import ScopedRateThrottle

from configuration.settings_store import get_setting

from .models import normalize_email


class SettingRateThrottle(ScopedRateThrottle):
    """Per client IP; the view's ``throttle_scope`` names the key in ``security.rate_limits``."""

    def get_rate(self):
        return get_setting("security.rate_limits").get(self.scope)


class EmailRateThrottle(SettingRateThrottle):
    """Per email address in the body, so rotating IPs does not multiply the emails sent."""

    def get_cache_key(self, request, view):
        # Any JSON value parses: a body that is not an object names no email, and the view's
        # input serializer answers it with a 400.
        body = getattr(request, "data", None)
        email = body.get("email") if isinstance(body, dict) else None
        if not email or not isinstance(email, str):
            return None
        # Throttles run before the input is validated, so the address may be any string: hashed,
        # it makes a key of fixed length that every cache stores (a NUL byte or more than 255
        # characters broke the database cache's key column on PostgreSQL). "surrogatepass" keeps
        # lone surrogates, which JSON allows, from failing the encoding.
        digest = hashlib.sha256(normalize_email(email).encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}-email", "ident": digest}
