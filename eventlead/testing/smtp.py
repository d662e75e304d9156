"""A real SMTP server on loopback that keeps every message it receives.

Tests point Django's SMTP backend at it, so an email travels the same path as in
production (connection, SMTP dialogue, MIME encoding) and is read back off the wire.
Built on aiosmtpd's threaded ``Controller``; aiosmtpd 1.4.6 is the version relied on.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def send_django_mail_to(settings, port: int) -> None:
    """Point Django's SMTP backend at a server on loopback ``port`` (pytest-django's ``settings``)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = LOOPBACK
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on at the moment of asking.

    aiosmtpd's ``Controller`` cannot take port 0: it connects to its own port to check the
    server is up, so the port has to be known before it starts.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the server received it: the SMTP envelope and the parsed content."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The plain-text body, with its transfer encoding undone."""
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None, "the message has no plain-text part"
        return body.get_content()

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)

    def link_token(self) -> str:
        """The ``token`` query parameter of the one link that carries a token."""
        tokens = [parse_qs(urlparse(link).query).get("token") for link in self.links()]
        found = [token[0] for token in tokens if token]
        if len(found) != 1:
            raise AssertionError(f"expected one link with a token, found {len(found)} in:\n{self.body}")
        return found[0]


class _Recorder:
    """aiosmtpd handler: accept every message and keep it."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(ReceivedMessage(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class LocalSmtpServer:
    """An SMTP server on ``127.0.0.1:port``; use as a context manager or call start()/stop().

    A stopped server can be started again on the same port (a new controller each time),
    which lets a test take the mail server down and bring it back.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._recorder = _Recorder()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message received so far, oldest first (a copy)."""
        with self._recorder.lock:
            return list(self._recorder.messages)

    def messages_to(self, address: str) -> list[ReceivedMessage]:
        return [message for message in self.messages if address in message.rcpt_tos]

    def start(self) -> LocalSmtpServer:
        if self._controller is None:
            controller = Controller(self._recorder, hostname=LOOPBACK, port=self.port)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
