"""Keep secrets out of logs: query strings, paths with tokens, JWTs and bearer headers."""

import logging
import re
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
# A parameter is a secret when its name, in any case, is one of these...
SENSITIVE_KEYS = frozenset({"refresh", "access", "guid", "code", "authorization"})
# ...or ends in one of these: token, new_password, newPassword, client_secret, api_key, X-Amz-Signature.
SENSITIVE_SUFFIXES = ("token", "password", "secret", "key", "signature")
# Invitation links carry their token in the path (/api/v1/invitations/{token}).
_TOKEN_PATH = re.compile(r"^(/api/v\d+/invitations/)[^/]+")
_TOKEN_LINK = re.compile(r"(/api/v\d+/invitations/)[^/\s]+")  # the same, anywhere in a text
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
# name=value in a text, for the same names. Only a sensitive pair is matched, so "next=/a?token=x" still is.
_TOKEN_VALUE = re.compile(
    rf"(?i)\b(\w*(?:{'|'.join(SENSITIVE_SUFFIXES)})|{'|'.join(sorted(SENSITIVE_KEYS))})=([^&\s\"']+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[\w\-.~+/]+=*")


def is_sensitive_key(name: str) -> bool:
    name = name.lower()
    return name in SENSITIVE_KEYS or name.endswith(SENSITIVE_SUFFIXES)


def redact_query(query: str) -> str:
    """Sensitive parameters lose their value; any other value is redacted as text (a JWT, a nested ?token=)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if is_sensitive_key(k) else redact_text(v)) for k, v in pairs], safe="[]")


def redact_path(path: str) -> str:
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", path)


def redact_text(text: str) -> str:
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)  # before name=value: "authorization=Bearer <token>"
    text = _TOKEN_VALUE.sub(rf"\1={REDACTED}", text)
    return _TOKEN_LINK.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Redact every log record's final message (e.g. Django's "Not Found: /api/v1/invitations/<token>")
    and its traceback, whose last line repeats the exception's message."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)  # what a Formatter would print
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
