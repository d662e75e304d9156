"""The Procfile's processes on loopback: a password reset answers without the mail relay, the worker sends.

Issue 13, finding 2: the API sent email inside the request, so a known address answered as
much later as the relay was slow. Here the relay holds every message it is given and answers
nothing until the test lets it (the limit of a slow relay). A request that talked to it could
not answer at all; both requests answer, alike, and the worker process is the relay's only
client. Durations are measured for the failure message only (timings belong in bench/).
"""

import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventlead.testing.http import JsonHttpClient
from eventlead.testing.smtp import LOOPBACK, free_port

from .relay import ObservedRelay

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

KNOWN, UNKNOWN = "ada@example.com", "nobody@example.com"
CREATE_USER = (
    "from django.utils import timezone; from accounts.models import User; "
    f"User.objects.create_user({KNOWN!r}, 'Analytical-engine-1843', first_name='Ada', email_verified_at=timezone.now())"
)


def procfile() -> dict[str, list[str]]:
    """The Procfile's process types and their commands."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): shlex.split(command) for name, _, command in (line.partition(":") for line in lines if line)}


@pytest.fixture
def environment(tmp_path):
    """A fresh SQLite database and the settings of a production-like run (DEBUG off), mail to ``relay``."""
    port = free_port()
    env = {
        **os.environ,
        # The virtualenv's python and gunicorn first, as the Procfile expects.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "eventlead.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'procfile.sqlite3'}",
        "SECRET_KEY": "procfile-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "JWT_SIGNING_KEY": "procfile-test-jwt-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": LOOPBACK,
        "ADMIN_REQUIRE_2FA": "0",
        "GUNICORN_BIND": f"{LOOPBACK}:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "20",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": LOOPBACK,
        "EMAIL_TIMEOUT": "60",
    }
    env.pop("REQUIRE_POSTGRES", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_USER], cwd=ROOT, env=env, check=True)
    return env, f"http://{LOOPBACK}:{port}/api/v1"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, output
    return output


def wait_until_up(api: JsonHttpClient) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if api.get("health").status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def timed_reset(api: JsonHttpClient, email: str):
    started = time.monotonic()
    try:
        response = api.post("auth/password-reset", {"email": email})
    except OSError as error:
        took = time.monotonic() - started
        raise AssertionError(
            f"no answer for {email} while the relay held its mail ({took:.1f} s): {error!r}"
        ) from error
    return response, time.monotonic() - started


def deliveries(env: dict[str, str]) -> list[tuple]:
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return db.execute('SELECT "RecipientEmail", "Status", "AttemptCount" FROM "log.EmailDelivery"').fetchall()


def test_a_password_reset_answers_without_the_relay_and_the_worker_sends_the_email_once(environment):
    env, base_url = environment
    processes = procfile()
    assert set(processes) == {"web", "worker"}
    with ObservedRelay() as relay:
        env = {**env, "EMAIL_PORT": str(relay.port)}
        relay.hold()
        web, worker = start(processes["web"], env), start(processes["worker"], env)
        try:
            api = JsonHttpClient(base_url)
            wait_until_up(api)

            unknown, unknown_took = timed_reset(api, UNKNOWN)
            known, known_took = timed_reset(api, KNOWN)

            measured = f"known address {known_took:.3f} s, unknown {unknown_took:.3f} s"
            assert (known.status, known.body) == (unknown.status, unknown.body) == (202, known.body), measured
            # The relay has accepted nothing and cannot until released: neither request waited for it.
            assert relay.messages == [], measured

            relay.wait_for(lambda: relay.waiting == 1, what="the worker to hand the relay its message")
            relay.release()
            relay.wait_for(lambda: deliveries(env) == [(KNOWN, "sent", 1)], what="the worker to record the send")
        finally:
            web_output = stop(web)
            worker_output = stop(worker)

        # A second worker run finds nothing left to send.
        subprocess.run([*processes["worker"], "--batch"], cwd=ROOT, env=env, check=True, capture_output=True)

    assert [message.rcpt_tos for message in relay.messages] == [(KNOWN,)], worker_output
    assert relay.sessions == 1, worker_output
    assert deliveries(env) == [(KNOWN, "sent", 1)], web_output
