"""The production settings for scripts/fuzz-gunicorn, which talks to gunicorn without the TLS proxy.

In production TLS ends at the proxy, which sets ``X-Forwarded-Proto``; the run sends that header
with every request it makes, but schemathesis's own sign-in (its dynamic auth) cannot, and would
be redirected to https:// by ``SECURE_SSL_REDIRECT``. Nothing else differs.
"""

from eventlead.production_settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
