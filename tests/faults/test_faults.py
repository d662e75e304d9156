"""Faults on a real stack: gunicorn on loopback over the real PostgreSQL server.

- The database restarted under load: requests meanwhile get a fast 503 in the error shape,
  the service recovers by itself, and no committed change lacks its audit row.
- A worker killed mid-request (SIGKILL): no half-written user or membership.
(SMTP down is covered in accounts/tests/test_smtp_flow.py, ABR down in abrcache/tests.)
"""

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from accounts.models import User
from auditing.models import ActivityLog, AuditUser

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _pg_ctl(*args):
    run_as = shlex.split(os.environ.get("PGTEST_RUN_AS", ""))
    command = [*run_as, f"{os.environ['PGTEST_BIN']}/pg_ctl", "-D", os.environ["PGTEST_DATA"], *args]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture
def server():
    """gunicorn serving the test database; yields its base URL."""
    if "PGTEST_DATA" not in os.environ:
        pytest.skip("needs the server started by scripts/with-postgres")
    settings_dict = connection.settings_dict
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eventlead.settings",
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
        f"{settings_dict['NAME']}",
        "SECRET_KEY": "fault-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "JWT_SIGNING_KEY": "fault-test-jwt-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ADMIN_REQUIRE_2FA": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "REQUEST_LOG_FLUSH_SECONDS": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "eventlead/gunicorn.conf.py", "eventlead.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(lambda: requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200, 30)
    _lift_rate_limits()
    yield base, process
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def _lift_rate_limits():
    from configuration.models import AppSetting

    AppSetting.objects.filter(setting_key="security.rate_limits").update(
        setting_value='{"login": "100000/min", "signup": "100000/min", "passwordReset": "100000/min"}'
    )
    time.sleep(5.5)  # the servers' settings caches expire (configuration.settings_store.CACHE_SECONDS)


def _wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _signup(base, n, prefix):
    body = {"email": f"{prefix}{n}@example.com", "password": "Fault-tolerant-pass-1", "firstName": "F", "lastName": "T"}
    return requests.post(f"{base}/api/v1/auth/signup", json=body, timeout=15)


def _audited_consistently():
    """Every user has its insert snapshot and its sign-up activity: nothing half-written."""
    connection.close()
    users = set(User.objects.values_list("pk", flat=True))
    inserted = set(AuditUser.objects.filter(operation="insert").values_list("user_id", flat=True))
    signed_up = set(ActivityLog.objects.filter(action="user_signed_up").values_list("user_id", flat=True))
    return users, inserted, signed_up


def test_database_restart_under_load_answers_503_then_recovers(server):
    base, _ = server
    before = [_signup(base, n, "before").status_code for n in range(5)]

    _pg_ctl("stop", "-m", "fast")
    try:
        started = time.monotonic()
        during = [_signup(base, n, "during") for n in range(5)] + [requests.get(f"{base}/api/v1/health", timeout=10)]
        elapsed = time.monotonic() - started
    finally:
        _pg_ctl("start", "-w", "-l", os.environ["PGTEST_LOG"], "-o", os.environ["PGTEST_OPTIONS"])

    assert before == [202] * 5
    assert [r.status_code for r in during] == [503] * 6
    assert all(r.json()["error"]["code"] == "service_unavailable" for r in during[:5])
    assert during[5].json() == {"status": "unavailable", "database": "unreachable"}
    assert elapsed < 15, "requests during the outage must fail fast"
    # Recovers by itself: no restart of gunicorn.
    _wait_for(lambda: requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200, 30)
    after = [_signup(base, n, "after").status_code for n in range(5)]
    assert after == [202] * 5
    users, inserted, signed_up = _audited_consistently()
    assert len(users) == 10 and users == inserted == signed_up


def test_a_worker_killed_mid_request_leaves_nothing_half_written(server):
    base, process = server
    results = []

    def load(n):
        try:
            results.append(_signup(base, n, "kill").status_code)
        except requests.RequestException:
            results.append("dropped")

    threads = [threading.Thread(target=load, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    workers = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == process.pid]
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    for thread in threads:
        thread.join(30)

    assert workers, "gunicorn had no workers to kill"
    users, inserted, signed_up = _audited_consistently()
    assert users == inserted == signed_up
    assert len(users) >= results.count(202)
    _wait_for(lambda: requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200, 30)


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
