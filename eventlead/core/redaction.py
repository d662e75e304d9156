"""Keep secrets out of logs: query strings, paths with tokens, JWTs and bearer headers."""

import logging
import re
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {"token", "password", "new_password", "current_password", "refresh", "access", "secret", "guid", "key", "code",
     "signature", "authorization"}
)
# Invitation links carry their token in the path (/api/v1/invitations/{token}).
_TOKEN_PATH = re.compile(r"^(/api/v\d+/invitations/)[^/]+")
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
_TOKEN_VALUE = re.compile(r"(?i)\b(token|password|refresh|access|secret|guid)=([^&\s\"']+)")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[\w\-.~+/]+=*")


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in SENSITIVE_KEYS else v) for k, v in pairs], safe="[]")


def redact_path(path: str) -> str:
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", path)


def redact_text(text: str) -> str:
    text = _JWT.sub(REDACTED, text)
    text = _TOKEN_VALUE.sub(rf"\1={REDACTED}", text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text) if text.startswith("/api/") else re.sub(
        r"(/api/v\d+/invitations/)[^/\s]+", rf"\g<1>{REDACTED}", text
    )


class RedactingFilter(logging.Filter):
    """Redact every log record's final message (e.g. Django's "Not Found: /api/v1/invitations/<token>")."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
