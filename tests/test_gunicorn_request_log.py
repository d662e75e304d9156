"""N requests through a real gunicorn on loopback, a clean stop, and exactly N ApiRequest rows."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_clean_stop_loses_no_request_log_rows(tmp_path):
    database = tmp_path / "gunicorn.sqlite3"
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eventlead.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "JWT_SIGNING_KEY": "gunicorn-test-jwt-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ADMIN_REQUIRE_2FA": "0",
        # Long enough that nothing is written before the stop: the exit flush must do it all.
        "REQUEST_LOG_FLUSH_SECONDS": "600",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    env.pop("REQUIRE_POSTGRES", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "eventlead/gunicorn.conf.py", "eventlead.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(port)
        sent = 40
        for n in range(sent):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health?n={n}", timeout=10) as response:
                assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()

    assert server.returncode == 0, output
    with sqlite3.connect(database) as db:
        rows = db.execute(
            'SELECT COUNT(*), COUNT(DISTINCT "QueryString") FROM "log.ApiRequest" WHERE "QueryString" LIKE \'n=%\''
        ).fetchone()
    assert rows == (sent, sent), output


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health?ready=1", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")
