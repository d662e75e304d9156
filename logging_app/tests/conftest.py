"""Fixtures for the email queue's tests: a relay on loopback, the production task backend, the worker."""

import signal
from io import StringIO

import pytest
from django.core.management import call_command

from eventlead.testing.smtp import send_django_mail_to

from .relay import ObservedRelay

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def relay(settings):
    """A running relay on loopback that Django's SMTP backend sends to."""
    with ObservedRelay() as server:
        send_django_mail_to(settings, server.port)
        yield server


@pytest.fixture
def stopped_relay(settings):
    """Django's SMTP backend pointed at a loopback port where nothing listens until ``start()``."""
    server = ObservedRelay()
    send_django_mail_to(settings, server.port)
    yield server
    server.stop()


@pytest.fixture
def database_tasks(settings):
    """The production task backend (django_tasks_db), instead of the suite's in-process one."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker(database_tasks):
    """Run the real worker command in batch mode: every task that is due, then return.

    db_worker installs its own SIGINT/SIGTERM handlers (a graceful stop); pytest's come back after.
    """
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run() -> None:
        try:
            call_command(
                "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0, stdout=StringIO()
            )
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)

    return run
