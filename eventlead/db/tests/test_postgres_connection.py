"""PostgreSQL connections: a health check without a round trip, server-side binding and prepared statements."""

import select

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End a backend from a connection of its own, as a server restart or an admin would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def start_request() -> None:
    """What Django does when a request starts: the next query checks the connection first."""
    connection.close_if_unusable_or_obsolete()


def test_a_live_connection_is_usable_and_checking_it_sends_nothing(monkeypatch):
    pid = backend_pid()
    sent = []
    raw = connection.connection
    for method in ("execute", "cursor"):  # every way a statement reaches the server
        original = getattr(raw, method)
        monkeypatch.setattr(raw, method, lambda *a, _original=original, **k: sent.append(a) or _original(*a, **k))

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.is_usable() is True
    assert sent == []
    monkeypatch.undo()
    assert backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    pid = backend_pid()
    terminate(pid)
    # The server's FATAL message and end of file reach the socket (no timing assumed: wait for it).
    assert select.select([connection.connection.fileno()], [], [], 10)[0]

    assert connection.is_usable() is False
    start_request()
    with CaptureQueriesContext(connection) as queries:
        count = User.objects.count()

    assert count >= 0 and len(queries) == 1
    assert backend_pid() != pid


def test_a_closed_connection_is_not_usable():
    backend_pid()
    connection.connection.close()

    assert connection.is_usable() is False
    connection.close()


def test_statements_are_bound_by_the_server_and_prepared_after_five_runs(tmp_path):
    from eventlead.db.config import database_from_url

    options = database_from_url("postgres://app@db.example.com/eventlead", default_sqlite=tmp_path / "x")["OPTIONS"]

    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True


def test_a_statement_run_often_on_one_connection_is_prepared_on_the_server():
    for _ in range(6):
        User.objects.filter(pk=1).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        prepared = cursor.fetchone()[0]

    assert prepared >= 1
