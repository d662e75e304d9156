"""Settings for the test suite: the real settings, plus a cheap Argon2 and local-memory mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-checks-0123456789")
os.environ.setdefault("JWT_SIGNING_KEY", "test-only-jwt-signing-key-distinct-from-secret-key-9876543210")

from eventlead.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["eventlead.core.test_hashers.CheapArgon2idHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# No writer thread in tests: they flush the request log explicitly.
REQUEST_LOG_FLUSH_SECONDS = 0
# Tests that need the admin's second factor turn it on themselves.
ADMIN_REQUIRE_2FA = False
# The suite's requests hand their email to an in-process task backend that sends it as the
# transaction commits, so tests read it off the wire at once. The production path (the database
# backend and its worker) is proven in logging_app/tests/test_email_queue*.py.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
