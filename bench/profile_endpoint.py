"""Where one endpoint's CPU goes: cProfile over the Django test client, on PostgreSQL.

    scripts/with-postgres .venv/bin/python -m bench.profile_endpoint /api/v1/users/me [requests] [sort]

Serves GET PATH through the full middleware stack in one process, as a signed-in user with a
company of 50 members and 50 pending invitations (so /api/v1/companies/1/members and
/invitations have rows to show), and prints the CPU per request and the top functions.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.load import common


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/api/v1/users/me"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    sort = sys.argv[3] if len(sys.argv) > 3 else "tottime"
    work = Path(tempfile.mkdtemp(prefix="eventlead-profile."))
    common.configure_environment(work)
    try:
        common.setup_django()
        from django.test import Client

        from bench.fixtures import populate

        common.migrate_fresh()
        token = populate()
        headers = {"HTTP_AUTHORIZATION": "Bearer " + token, "HTTP_HOST": "127.0.0.1"}
        client = Client()

        def serve(count: int) -> None:
            for _ in range(count):
                response = client.get(path, **headers)
                assert response.status_code == 200, response.content

        serve(200)
        started = time.process_time()
        serve(requests)
        plain = (time.process_time() - started) * 1000 / requests
        profile = cProfile.Profile()
        profile.enable()
        serve(requests)
        profile.disable()
        print(f"GET {path}: {plain:.3f} ms CPU per request (test client, no profiler)")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(int(sys.argv[4]) if len(sys.argv) > 4 else 40)
        print(out.getvalue())
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
