"""Fixtures for the accounts tests that use real servers: SMTP on loopback and live HTTP."""

import json

import pytest

from accounts.throttles import DEFAULT_RATES
from eventlead.testing.http import JsonHttpClient
from eventlead.testing.smtp import LocalSmtpServer, send_django_mail_to

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
    set_setting("security.rate_limits", json.dumps(dict.fromkeys(DEFAULT_RATES, "1000/min")))


@pytest.fixture
def stopped_smtp_server(settings):
    """Django's SMTP backend pointed at a free port where no server listens (yet).

    ``start()`` brings the server up on that same port, as a mail relay coming back would.
    """
    server = LocalSmtpServer()
    send_django_mail_to(settings, server.port)
    yield server
    server.stop()


@pytest.fixture
def http_api(live_server):
    """An anonymous JSON client for ``/api/v1/`` on the live server, over real HTTP."""
    return JsonHttpClient(f"{live_server.url}/api/v1")
