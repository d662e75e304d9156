"""Rate limits from ``security.rate_limits``, on the cache shared by every worker."""

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
        email = request.data.get("email") if hasattr(request, "data") else None
        if not email or not isinstance(email, str):
            return None
        return self.cache_format % {"scope": f"{self.scope}-email", "ident": normalize_email(email)}
