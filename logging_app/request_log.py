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
        get_buffer().add(_row(request, response, duration_ms))
        return response


def _row(request, response, duration_ms: int) -> dict:
    from django.utils import timezone

    from eventlead.core.redaction import redact_path, redact_query

    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    company_id = match.kwargs.get("company_id") if match else None
    return {
        "request_id": request.request_id,
        "method": request.method[:10],
        "path": _text(redact_path(request.path), 500),
        "query_string": _text(redact_query(request.META.get("QUERY_STRING", "")), 2000),
        "status_code": response.status_code,
        "duration_ms": duration_ms,
        "user_id": user.pk if user is not None and getattr(user, "is_authenticated", False) else None,
        "company_id": company_id,
        "ip_address": _ip(request),
        "user_agent": _text(request.META.get("HTTP_USER_AGENT", ""), 500),
        "request_bytes": int(request.META.get("CONTENT_LENGTH") or 0),
        "response_bytes": len(response.content) if not response.streaming else 0,
        "created_date": timezone.now(),
    }


def _text(value: str, limit: int) -> str:
    """Cut ``value`` to its column and replace any NUL character.

    PostgreSQL refuses NUL in text and the writer keeps a failed batch for the next flush, so
    one such row (a request for ``/api/v1/reference/a%00b``) would stop all request logging.
    """
    return value.replace("\x00", "\ufffd")[:limit]


def _ip(request):
    from eventlead.core.context import current

    return current().ip_address
