"""A mail relay on loopback that shows who talked to it, and when it may answer.

Like ``eventlead.testing.smtp.LocalSmtpServer`` (a real aiosmtpd server that keeps what it
receives), plus what the email queue's tests need to see:

- ``sessions``: SMTP sessions opened (EHLO or HELO, the first thing any client says; the
  controller's own readiness probe never gets that far, so it is not counted);
- a gate: ``hold()`` makes the relay take each message's DATA and then not answer until
  ``release()``, the limit of a slow relay; ``hold(until_concurrent=n)`` opens the gate by itself
  once n sessions are waiting at once (proof that n senders worked in parallel);
- ``delay``: seconds every DATA answer waits, a merely slow relay.

A message counts as received once the relay has answered 250, as a real relay's accept.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from eventlead.testing.smtp import LOOPBACK, ReceivedMessage, free_port

# A held message is answered 451 (try again later) after this long, so a broken test fails
# instead of hanging.
HOLD_LIMIT_SECONDS = 60


class ObservedRelay:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._sessions = 0
        self._waiting = 0
        self._most_waiting = 0
        self._gate = threading.Event()
        self._gate.set()
        self._open_at: int | None = None
        self._controller: Controller | None = None

    # Observations ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def sessions(self) -> int:
        with self._lock:
            return self._sessions

    @property
    def waiting(self) -> int:
        """Messages taken and held at the gate right now."""
        with self._lock:
            return self._waiting

    @property
    def most_waiting(self) -> int:
        """The most messages ever held at the gate at the same time."""
        with self._lock:
            return self._most_waiting

    def wait_for(self, condition, *, seconds: float = 30, what: str = "the relay") -> None:
        """Poll ``condition()`` until it holds; fail after ``seconds`` with ``what`` in the message."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}: {self.sessions} sessions, {len(self.messages)} messages"
                )
            time.sleep(0.05)

    # Control --------------------------------------------------------------------------------

    def hold(self, *, until_concurrent: int | None = None) -> None:
        self._open_at = until_concurrent
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def start(self) -> ObservedRelay:
        if self._controller is None:
            self._controller = Controller(self, hostname=LOOPBACK, port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> ObservedRelay:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.release()
        self.stop()

    # aiosmtpd handler hooks -------------------------------------------------------------------

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self._count_session()
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        self._count_session()
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self._waiting += 1
            self._most_waiting = max(self._most_waiting, self._waiting)
            if self._open_at is not None and self._waiting >= self._open_at:
                self._gate.set()
        try:
            opened = await asyncio.to_thread(self._gate.wait, HOLD_LIMIT_SECONDS)
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            with self._lock:
                self._waiting -= 1
        if not opened:
            return "451 Held too long by the test relay"
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self._messages.append(ReceivedMessage(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def _count_session(self) -> None:
        with self._lock:
            self._sessions += 1
