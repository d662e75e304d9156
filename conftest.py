"""Fixtures shared by every app's tests."""

import os

import pytest
from django.db import connection


def pytest_configure(config):
    if os.environ.get("SQLSERVER_SHADOW") == "1":
        from eventlead.testing import sqlserver_shadow

        sqlserver_shadow.install()


def pytest_terminal_summary(terminalreporter):
    from eventlead.testing import sqlserver_shadow

    shadow = sqlserver_shadow.active()
    if shadow is not None:
        versions = " and ".join(str(version) for version in sqlserver_shadow.VERSIONS)
        terminalreporter.write_line(
            f"SQL Server shadow pass: {shadow.statements} statements compiled for SQL Server {versions} "
            f"and checked ({shadow.distinct} distinct)."
        )


@pytest.fixture(autouse=True)
def _sqlserver_shadow():
    """With the shadow pass on, fail the test whose statements SQL Server would refuse."""
    from eventlead.testing import sqlserver_shadow

    shadow = sqlserver_shadow.active()
    if shadow is None:
        yield
        return
    shadow.take_findings()
    yield
    findings = shadow.take_findings()
    if findings:
        lines = [f"SQL Server {f.version or '(any version)'}: {f.problem}\n    {f.sql}" for f in findings[:10]]
        pytest.fail(f"{len(findings)} statement(s) SQL Server would refuse:\n" + "\n".join(lines), pytrace=False)


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (run through scripts/with-postgres)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_caches(request):
    """Each database test starts with empty throttle counters, fresh settings, no queued log rows
    and no compiled statements (each compiled query compiles from its queryset again)."""
    from configuration.settings_store import clear_cache
    from eventlead.db.compiled import forget_compiled
    from logging_app.request_log import get_buffer

    forget_compiled()

    # Database access comes from pytest-django's own autouse fixture (marker) or from the
    # db fixtures, which are set up here first so the cache table can be emptied.
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            break
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        from django.core.cache import cache

        cache.clear()
    clear_cache()
    get_buffer().clear()
    yield
    clear_cache()
    # Rows left behind would be written at exit into whatever database settings then name.
    get_buffer().clear()


PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""
    from eventlead.testing.smtp import LocalSmtpServer, send_django_mail_to

    with LocalSmtpServer() as server:
        send_django_mail_to(settings, server.port)
        yield server


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    """Create an active, verified company user (or with the given fields)."""
    from django.utils import timezone

    from accounts.models import User

    def make(email="member@example.com", password=PASSWORD, **fields):
        fields.setdefault("first_name", "Mia")
        fields.setdefault("last_name", "Nguyen")
        fields.setdefault("email_verified_at", timezone.now())
        return User.objects.create_user(email, password, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def login(api_client, user):
    """Log in through the API and return the response body (tokens and user)."""

    def do(email="member@example.com", password=PASSWORD):
        response = api_client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    return do


@pytest.fixture
def auth_client(user, login):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login()['access']}")
    return client


@pytest.fixture
def set_setting(db):
    """Change an AppSetting value for this test (the cache is cleared at once)."""
    from configuration.models import AppSetting
    from configuration.settings_store import clear_cache

    def change(key, value):
        AppSetting.objects.filter(setting_key=key).update(setting_value=str(value))
        clear_cache()

    return change


@pytest.fixture
def fake_abr(settings):
    """A running fake ABR on loopback, with ``ABR_BASE_URL`` and ``ABR_GUID`` pointing at it."""
    from eventlead.testing.fake_abr import FakeAbr

    with FakeAbr() as abr:
        for name, value in abr.settings.items():
            setattr(settings, name, value)
        settings.ABR_TIMEOUT_SECONDS = 2
        yield abr
