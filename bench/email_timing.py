"""Does a slow mail relay show in the answer to a password reset? Known against unknown address.

    .venv/bin/python -m bench.email_timing          # writes bench/results/email-timing-latest.md

The production arrangement on loopback: gunicorn (the Procfile's ``web``) and one email worker
(``worker``) on a throwaway SQLite database, Django's SMTP backend pointed at a relay that takes
RELAY_DELAY_SECONDS to accept each message. Requests for a registered and an unregistered address
alternate; each is timed from the client. Before the email queue, a known address answered as much
slower as the relay was slow (about +320 ms with a 300 ms relay). The figures go to a file; no test
asserts on them (the tests prove the structure: no request talks to the relay).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from logging_app.tests.relay import ObservedRelay

from .shared import free_port, terminate_with_parent

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "email-timing-latest.md"
RELAY_DELAY_SECONDS = 0.3
ROUNDS = 60  # requests per address
KNOWN, UNKNOWN = "known@example.com", "unknown@example.com"
SETUP = """
import json
from accounts.models import User
from configuration.models import AppSetting
from django.utils import timezone
User.objects.create_user("known@example.com", "Correct-horse-battery-9", first_name="K", last_name="N",
    email_verified_at=timezone.now())
limits = AppSetting.objects.get(setting_key="security.rate_limits")
limits.setting_value = json.dumps({**json.loads(limits.setting_value), "passwordReset": "100000/hour"})
limits.save(update_fields=["setting_value"])
"""


def _post(port: int, email: str) -> float:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/password-reset",
        data=json.dumps({"email": email}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 202
    return (time.perf_counter() - started) * 1000


def _summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=10)[-1]


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="email-timing-"))
    port = free_port()
    with ObservedRelay(delay=RELAY_DELAY_SECONDS) as relay:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "eventlead.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789-0123456789-0123456789",
            "JWT_SIGNING_KEY": "bench-only-jwt-signing-key-9876543210-9876543210",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(relay.port),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True)
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=terminate_with_parent, stderr=subprocess.DEVNULL)
            for command in (
                [sys.executable, "-m", "gunicorn", "-c", "eventlead/gunicorn.conf.py", "eventlead.wsgi"],
                [*manage, "db_worker", "--no-reload", "-v", "0"],
            )
        ]
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            for _ in range(5):  # warm both workers and both paths
                _post(port, KNOWN), _post(port, UNKNOWN)
            times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
            for _ in range(ROUNDS):
                for email in (KNOWN, UNKNOWN):
                    times[email].append(_post(port, email))
            relay.wait_for(lambda: len(relay.messages) >= ROUNDS + 5, seconds=120, what="the worker's emails")
            delivered = len(relay.messages)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
    (known_median, known_p90), (unknown_median, unknown_p90) = _summary(times[KNOWN]), _summary(times[UNKNOWN])
    lines = [
        "# Password reset: known against unknown address, with a slow mail relay",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.email_timing`: gunicorn "
        f"(2 sync workers) and one email worker on SQLite, on loopback; the relay takes "
        f"{RELAY_DELAY_SECONDS * 1000:.0f} ms to accept each message; {ROUNDS} requests per address, alternating.",
        "",
        "| Address | median, ms | p90, ms |",
        "|---|---:|---:|",
        f"| registered | {known_median:.1f} | {known_p90:.1f} |",
        f"| not registered | {unknown_median:.1f} | {unknown_p90:.1f} |",
        f"| difference | {known_median - unknown_median:+.1f} | {known_p90 - unknown_p90:+.1f} |",
        "",
        f"The worker delivered {delivered} emails to the relay: one per registered-address request, the "
        "warm-up included; the unregistered address gets none.",
        "",
    ]
    RESULT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
