"""Mail backends for tests that need email delivery to fail."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend

MESSAGE_MAIL_DOWN = "Connection unexpectedly closed (test backend)"


class FailingEmailBackend(BaseEmailBackend):
    """Raise on every send, as an SMTP server that drops the connection does."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected(MESSAGE_MAIL_DOWN)
