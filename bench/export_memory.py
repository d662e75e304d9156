"""Measure the back office's log export: a million rows stream in constant memory.

    scripts/with-postgres .venv/bin/python -m bench.export_memory

Fills ``log.ApiRequest`` with 1,000,000 rows over 30 days (``bench/logrows.py``), serves the
app with gunicorn (one sync worker, ``bench.settings``), signs a system admin in, and
downloads the changelist's CSV and JSON Lines exports over HTTP: the last 3 days (about
100,000 rows) and then all of them. Before each download the worker is fresh; its peak
resident memory (``VmHWM`` in ``/proc``) is read before and after. Constant memory means the
million-row export peaks no higher than the 100,000-row one. The results go to
``bench/results/export-latest.md`` and ``bench/results/export-<date>.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.runner import RESULTS, ROOT, BenchError, Server, _configure_environment, _start_gunicorn, _stop
from bench.runner import _wait_until_healthy as wait_until_healthy
from bench.shared import interrupt, terminate_with_parent

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
DAYS = 30
RECENT_DAYS = 3
EXPORT_PATH = "/admin/logging_app/apirequest/export/"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="eventlead-bench-export."))
    _configure_environment(work)
    # One worker, so the process that streams is the one measured; the admin without the TOTP step.
    os.environ.update({"GUNICORN_WORKERS": "1", "ADMIN_REQUIRE_2FA": "0"})
    signal.signal(signal.SIGTERM, interrupt)
    terminate_with_parent()
    try:
        cookie, engine = _prepare()
        since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=RECENT_DAYS)).isoformat()
        runs = []
        for label, filters in ((f"last {RECENT_DAYS} days", {"created_date__gte": since}), ("all rows", {})):
            for export_format in ("csv", "jsonl"):
                runs.append(_measure(work, cookie, label, {**filters, "format": export_format}))
        _write({"engine": engine, "rows_in_table": ROWS, "runs": runs})
        return 0
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prepare() -> tuple[str, str]:
    """Migrate, fill the table, and return a signed-in admin's session cookie and the engine."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from bench.logrows import fill_api_requests

    if connection.vendor != "postgresql":
        raise BenchError("the export bench fills its million rows with PostgreSQL's generate_series.")
    call_command("migrate", interactive=False, verbosity=0)
    if User.objects.exists():
        raise BenchError("the database already has users; the bench only runs on a fresh one.")
    started = time.monotonic()
    fill_api_requests(ROWS, days=DAYS)
    print(f"bench: {ROWS} rows in {time.monotonic() - started:.1f} s", file=sys.stderr)
    admin = User.objects.create_superuser("bench-admin@example.com", "Bench-admin-password-9")
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(admin.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: admin.get_session_auth_hash(),
        }
    )
    session.create()
    engine = f"PostgreSQL {connection.pg_version // 10000}"
    connection.close()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", engine


def _worker_pid(server: Server) -> int:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    if len(children) != 1:
        raise BenchError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def _memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {name: int(value.split()[0]) for name, value in fields.items()}


def _get(server: Server, path: str, cookie: str) -> urllib.request.Request:
    return urllib.request.Request(server.base + path, headers={"Cookie": cookie, "Host": "127.0.0.1"})


def _measure(work: Path, cookie: str, label: str, query: dict[str, str]) -> dict:
    """Download one export from a fresh worker; return its rows, bytes, time and peak memory."""
    server = _start_gunicorn(ROOT, None, work)
    try:
        wait_until_healthy(server)
        # The changelist loads the admin's code and templates, as any page before an export does.
        with urllib.request.urlopen(_get(server, "/admin/logging_app/apirequest/", cookie)) as page:  # noqa: S310
            page.read()
        pid = _worker_pid(server)
        before = _memory_kib(pid)
        started = time.monotonic()
        lines = size = 0
        url = EXPORT_PATH + "?" + urllib.parse.urlencode(query)
        with urllib.request.urlopen(_get(server, url, cookie), timeout=600) as response:  # noqa: S310
            if response.status != 200:
                raise BenchError(f"{url} answered {response.status}")
            for line in response:
                lines += 1
                size += len(line)
        seconds = time.monotonic() - started
        after = _memory_kib(pid)
    finally:
        _stop(server.process)
    rows = lines - 1 if query["format"] == "csv" else lines
    return {
        "rows": label,
        "format": query["format"],
        "rows_exported": rows,
        "mib": round(size / 2**20, 1),
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "peak_mib": round(after["VmHWM"] / 1024, 1),
        "growth_mib": round((after["VmHWM"] - before["VmRSS"]) / 1024, 1),
    }


def _write(report: dict) -> None:
    report["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    report["machine"] = f"{os.cpu_count()} CPUs"
    day = report["date"][:10]
    (RESULTS / f"export-{day}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# Log export: streamed rows and the worker's memory",
        "",
        f"{report['date']}, {report['engine']}, {report['rows_in_table']:,} rows in `log.ApiRequest`, "
        f"gunicorn with one sync worker, {report['machine']}. Written by `bench/export_memory.py`.",
        "",
        "| Rows | Format | Rows exported | Size (MiB) | Time (s) | Rows/s | Worker RSS before (MiB) "
        "| Worker peak (MiB) | Growth (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in report["runs"]:
        lines.append(
            f"| {run['rows']} | {run['format']} | {run['rows_exported']:,} | {run['mib']} | {run['seconds']} "
            f"| {run['rows_per_s']:,} | {run['rss_before_mib']} | {run['peak_mib']} | {run['growth_mib']} |"
        )
    lines += [
        "",
        "Growth is the worker's peak resident memory during the download less its resident memory just before. "
        "The same growth for ten times the rows is what constant memory means.",
    ]
    (RESULTS / "export-latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
