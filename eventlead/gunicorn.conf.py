"""Gunicorn settings, read from the environment: ``gunicorn -c eventlead/gunicorn.conf.py eventlead.wsgi``.

GUNICORN_BIND              address to listen on (default 127.0.0.1:8000: loopback, behind a proxy)
GUNICORN_WORKERS           worker processes (default 2 x cores + 1, at most MAX_DEFAULT_WORKERS)
GUNICORN_TIMEOUT           seconds a request may run before its worker is restarted (default 30); this
                           also ends a client that sends less body than its Content-Length promised
GUNICORN_GRACEFUL_TIMEOUT  seconds workers get to finish their requests on shutdown (default 30)
GUNICORN_ACCESS_LOG        access log file, "-" for stdout (default: no access log)
"""

import multiprocessing
import os

# Each sync worker holds a database connection and, while it checks a password, 19 MiB of
# Argon2 memory; past a dozen the database, not the CPU, is what more workers would queue on.
MAX_DEFAULT_WORKERS = 12


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS))
# Sync workers: Django's views are blocking, and the proxy in front holds slow clients.
worker_class = "sync"
# A sync worker waits on a slow body as on a slow view: past the timeout the arbiter aborts it,
# the client gets gunicorn's own 500 and the connection closes (tests/test_gunicorn_hardening.py).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Request logs belong to the proxy; Gunicorn's own errors still go to stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The access log redacts secrets in request lines, query strings and headers.
logger_class = "eventlead.gunicorn_logging.RedactingLogger"


def worker_exit(server, worker):
    """Write the request-log rows still buffered before the worker process ends.

    atexit does it too; the hook also covers exits where gunicorn skips atexit handlers.
    """
    from django.apps import apps

    if apps.ready:  # A worker that failed to load the app has nothing buffered.
        from logging_app.request_log import flush_on_exit

        flush_on_exit()
