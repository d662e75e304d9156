"""Fixtures for the accounts tests that use real servers: SMTP on loopback and live HTTP."""

import json

import pytest

from eventlead.testing.http import JsonHttpClient
from eventlead.testing.smtp import LOOPBACK, LocalSmtpServer

from .http_support import API, client


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST JSON (as ``access``'s user when given) and run the on-commit callbacks (the emails),
    as a committed request would."""

    def do(path, body=None, access=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client(access).post(f"{API}{path}", body or {}, format="json")

    return do


@pytest.fixture
def unthrottled(set_setting):
    """Lift the rate limits, for tests about the database rather than the throttles."""
    scopes = ("login", "signup", "passwordReset", "abrSearch")
    set_setting("security.rate_limits", json.dumps(dict.fromkeys(scopes, "1000/min")))


def _send_mail_to(settings, server: LocalSmtpServer) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = LOOPBACK
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server on loopback that Django's SMTP backend sends to."""
    with LocalSmtpServer() as server:
        _send_mail_to(settings, server)
        yield server


@pytest.fixture
def stopped_smtp_server(settings):
    """Django's SMTP backend pointed at a free port where no server listens (yet).

    ``start()`` brings the server up on that same port, as a mail relay coming back would.
    """
    server = LocalSmtpServer()
    _send_mail_to(settings, server)
    yield server
    server.stop()


@pytest.fixture
def http_api(live_server):
    """An anonymous JSON client for ``/api/v1/`` on the live server, over real HTTP."""
    return JsonHttpClient(f"{live_server.url}/api/v1")
