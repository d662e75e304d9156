"""``log.ApiRequest``: one row per API request, written off the request path.

Rows go into a bounded in-process buffer; a background thread writes them in bulk every
``REQUEST_LOG_FLUSH_SECONDS`` or as soon as ``REQUEST_LOG_BATCH_SIZE`` are waiting, and the
buffer is flushed on clean exit (``atexit`` and gunicorn's ``worker_exit`` hook), so a clean
stop loses nothing. A full buffer never blocks a request: the row is dropped, counted and
reported. A batch the database refuses is kept for the next flush while there is room.
Loss is bounded to the buffer's content if the process is killed (SIGKILL).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

logger = logging.getLogger(__name__)


class RequestLogBuffer:
    def __init__(self, *, capacity: int, batch_size: int, flush_seconds: float):
        self.capacity, self.batch_size, self.flush_seconds = capacity, batch_size, flush_seconds
        self.dropped = 0
        self._reported_dropped = 0
        self._rows: deque[dict] = deque()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, row: dict) -> None:
        with self._lock:
            if len(self._rows) >= self.capacity:
                self.dropped += 1
                return
            self._rows.append(row)
            full = len(self._rows) >= self.batch_size
        if self.flush_seconds > 0:
            self._ensure_thread()
            if full:
                self._wake.set()

    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> int:
        """Write every waiting row; return how many were written."""
        from .models import ApiRequest

        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    batch = [self._rows.popleft() for _ in range(min(self.batch_size, len(self._rows)))]
                if not batch:
                    break
                try:
                    ApiRequest.objects.bulk_create([ApiRequest(**row) for row in batch])
                except (OperationalError, InterfaceError):
                    logger.exception("Could not write %d request log rows; keeping them for the next flush", len(batch))
                    with self._lock:
                        room = self.capacity - len(self._rows)
                        self._rows.extendleft(reversed(batch[:room]))
                        self.dropped += max(0, len(batch) - room)
                    break
                except DatabaseError:
                    # The database is up but refuses some row: write the batch row by row,
                    # so one bad row is dropped (and counted) instead of blocking every flush.
                    written += self._write_one_by_one(batch)
                    continue
                written += len(batch)
        if self.dropped > self._reported_dropped:
            logger.warning("Request log buffer full: %d rows dropped so far", self.dropped)
            self._reported_dropped = self.dropped
        return written

    def _write_one_by_one(self, batch: list[dict]) -> int:
        from .models import ApiRequest

        written = 0
        for row in batch:
            try:
                ApiRequest.objects.create(**row)
                written += 1
            except (OperationalError, InterfaceError):
                raise
            except DatabaseError:
                logger.exception(
                    "Dropped a request log row the database refused: %s %s", row.get("method"), row.get("path")
                )
                self.dropped += 1
        return written

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="request-log-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            finally:
                # This thread's own connection: do not hold it between flushes.
                connection.close()


_buffer: RequestLogBuffer | None = None
_buffer_lock = threading.Lock()


def get_buffer() -> RequestLogBuffer:
    global _buffer
    if _buffer is None:
        with _buffer_lock:
            if _buffer is None:
                _buffer = RequestLogBuffer(
                    capacity=settings.REQUEST_LOG_BUFFER_SIZE,
                    batch_size=settings.REQUEST_LOG_BATCH_SIZE,
                    flush_seconds=settings.REQUEST_LOG_FLUSH_SECONDS,
                )
                atexit.register(flush_on_exit)
    return _buffer


def flush_on_exit() -> None:
    """Write what is waiting before the process ends (also gunicorn's ``worker_exit``)."""
    if _buffer is not None and _buffer.pending():
        close_old_connections()
        written = _buffer.flush()
        logger.info("Request log flushed on exit: %d rows", written)


class RequestLogMiddleware:
    """Record every request under /api/ into ``log.ApiRequest`` (``REQUEST_LOGGING`` turns it off)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.REQUEST_LOGGING

    def __call__(self, request):
        if not self.enabled or not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = int((time.perf_counter() - started) * 1000)
        try:
            row = _row(request, response, duration_ms)
        except Exception:  # noqa: BLE001 - a log row is never worth failing the request it describes
            logger.exception("Could not build the request log row for %s", request.path)
        else:
            get_buffer().add(row)
        return response


# The columns are 32-bit integers on every engine.
INTEGER_MAX = 2**31 - 1


def _row(request, response, duration_ms: int) -> dict:
    """The row for one request. Every header is read as the client sent it: any text at all."""
    from django.utils import timezone

    from eventlead.core.middleware import CLAIMED_CONTENT_LENGTH
    from eventlead.core.redaction import redact_query, redact_text

    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    company_id = match.kwargs.get("company_id") if match else None
    return {
        "request_id": request.request_id,
        "method": _text(request.method, 10),
        "path": _text(redact_text(request.path), 500),
        "query_string": _text(redact_query(_header(request, "QUERY_STRING")), 2000),
        "status_code": response.status_code,
        "duration_ms": min(duration_ms, INTEGER_MAX),
        "user_id": user.pk if user is not None and getattr(user, "is_authenticated", False) else None,
        "company_id": company_id,
        "ip_address": _ip(request),
        "user_agent": _text(redact_text(_header(request, "HTTP_USER_AGENT")), 500),
        "request_bytes": _content_length(request.META.get(CLAIMED_CONTENT_LENGTH, request.META.get("CONTENT_LENGTH"))),
        "response_bytes": min(len(response.content), INTEGER_MAX) if not response.streaming else 0,
        "created_date": timezone.now(),
    }


def _header(request, key: str) -> str:
    """A header (or the query string) as text.

    A WSGI server hands each one over as its bytes decoded as ISO-8859-1; they are read again as
    UTF-8, a byte that is not UTF-8 becoming U+FFFD, as Django reads the query string
    (``get_str_from_wsgi``). A value that is not ISO-8859-1 did not come from a server (Django's
    test client passes text through) and is taken as it is.
    """
    value = request.META.get(key, "")
    if not isinstance(value, str):
        return ""
    try:
        return value.encode("iso-8859-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value


def _content_length(value) -> int:
    """The body size the client declared, or 0 for anything but digits (RFC 9110 section 8.6).

    Django reads a body of a non-numeric Content-Length as empty; runserver passes such a header
    on (gunicorn refuses it). A negative, signed or non-ASCII number is no Content-Length either,
    and a huge one is capped to the column: ``int()`` alone took "+5", "1_000" and Arabic-Indic
    digits, raised on "abc" (a 500 for the request) and on more than 4,300 digits.
    """
    digits = value.strip(" \t") if isinstance(value, str) else ""
    if not (digits.isascii() and digits.isdigit()):
        return 0
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(INTEGER_MAX)):
        return INTEGER_MAX
    return min(int(significant), INTEGER_MAX)


def _text(value: str, limit: int) -> str:
    """Cut ``value`` to its column and replace any NUL character.

    PostgreSQL refuses NUL in text and the writer keeps a failed batch for the next flush, so
    one such row (a request for ``/api/v1/reference/a%00b``) would stop all request logging.
    """
    return value.replace("\x00", "\ufffd")[:limit]


def _ip(request):
    from eventlead.core.context import current

    return current().ip_address
