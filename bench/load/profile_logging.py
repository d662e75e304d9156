"""Where request logging's time goes: cProfile over the Django test client, on PostgreSQL.

    scripts/with-postgres .venv/bin/python -m bench.load.profile_logging [requests]

Serves GET /api/v1/users/me through the full middleware stack, in one process, with request
logging off and then on (rows written by an explicit flush inside the profile, so the bulk
insert is counted), and prints the time per request of each side and the functions of
logging_app.request_log with their cumulative cost. No gunicorn, no wrk: the numbers are
this process's CPU only, which is what the comparison needs.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.load import common


def main() -> int:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = Path(tempfile.mkdtemp(prefix="eventlead-profile."))
    common.configure_environment(work)
    # No background writer: the profile flushes explicitly, in this thread, so it sees the insert.
    os.environ["REQUEST_LOG_FLUSH_SECONDS"] = "0"
    os.environ["REQUEST_LOG_BUFFER_SIZE"] = str(requests + 1000)
    try:
        common.setup_django()
        from django.test import Client, override_settings
        from django.utils import timezone

        from accounts.jwt import issue_token_pair
        from accounts.models import User
        from logging_app.request_log import get_buffer

        common.migrate_fresh()
        user = User.objects.create_user(
            "profile-001@example.com", "Profile-password-42x", email_verified_at=timezone.now()
        )
        headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token_pair(user)["access"], "HTTP_HOST": "127.0.0.1"}

        def serve(client: Client, count: int) -> None:
            for _ in range(count):
                response = client.get("/api/v1/users/me", **headers)
                assert response.status_code == 200, response.content

        results = {}
        for logging_on in (False, True):
            with override_settings(REQUEST_LOGGING=logging_on):
                client = Client()  # Its handler builds the middleware now, with this setting.
                serve(client, 200)
                get_buffer().flush()
                profile = cProfile.Profile()
                started = time.process_time()
                profile.enable()
                serve(client, requests)
                written = get_buffer().flush()
                profile.disable()
                cpu = time.process_time() - started
            results[logging_on] = (cpu * 1000 / requests, written, profile)

        off_ms, _, _ = results[False]
        on_ms, written, profile = results[True]
        print(
            f"{requests} requests each side; CPU per request (under cProfile): "
            f"off {off_ms:.3f} ms, on {on_ms:.3f} ms (+{on_ms - off_ms:.3f} ms); rows written: {written}"
        )
        # The logging's own work: the middleware's lines, building the row, buffering it, writing it.
        own = 0.0
        for (filename, _, function), (_, _, tottime, cumtime, _) in pstats.Stats(profile).stats.items():
            if filename.endswith("logging_app/request_log.py"):
                if function in ("_row", "add", "flush"):
                    own += cumtime
                elif function == "__call__":
                    own += tottime
        print(
            f"request_log's own work: {own * 1000 / requests:.3f} ms per request, "
            f"{100 * own * 1000 / requests / on_ms:.1f}% of a request's CPU (both under cProfile)"
        )
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(r"request_log|redaction|bulk_create|context\.py")
        print(out.getvalue())
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
