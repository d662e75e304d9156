"""Keep secrets out of logs: the one redaction for every text that reaches a log table or handler.

``redact_text`` is applied to what ``log.ApiRequest`` (path, user agent), ``log.ApplicationError``
(message, trace, path) and the handlers of ``settings.LOGGING`` (``RedactingFilter``) store or
print; ``redact_query`` to the query string, parameter by parameter. What is a secret:

- the value of a sensitive name (``is_sensitive_key``), wherever a name is given a value: a query
  parameter, ``name=value`` in text (also ``%3D``-encoded), a quoted JSON or Python key
  (``"password": "..."``, ``'code': 123``), a header line (``X-Api-Key: ...``);
- a JWT anywhere, even inside other text; a bearer credential; a ``Basic`` credential
  (base64 of ``user:password``);
- the token of an invitation link (``/api/v1/invitations/<token>``); emailed links
  (``/verify-email?token=``, ``/reset-password?token=``, ``/invitations/accept?token=``) carry
  theirs as a ``token=`` parameter.

Over-redacting a harmless value (``status_code=500``) costs a little reading; missing a secret
stores it in plain text, so names are matched generously.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

REDACTED = "[redacted]"
# A name is a secret's, in any case, when it contains one of these anywhere (csrftoken,
# newPassword, client_secret, tokens_page, XApikey)...
SECRET_FRAGMENTS = ("token", "password", "passwd", "secret", "apikey")
# ...or when one of its words, split as camelCase, snake_case or kebab-case, is one of these
# (code, auth_code, otpCode, api_key, X-Amz-Signature, sig, sessionid, Set-Cookie)...
SECRET_WORDS = frozenset(
    {
        "code",
        "key",
        "otp",
        "authorization",
        "signature",
        "sig",
        "credential",
        "credentials",
        "jwt",
        "session",
        "sessionid",
        "cookie",
    }
)
# ...or when it is one of these as a whole: the token pair's names in our API, ABR's GUID.
SECRET_NAMES = frozenset({"refresh", "access", "guid", "auth"})

# Words of a name: "X-Amz-Signature" -> X, Amz, Signature; "APIKey" -> API, Key; "otp_code2" -> otp, code, 2.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# A name, as query strings, JSON, headers and log messages write one (bounded, so a long run of
# word characters costs linear time).
_NAME = r"[A-Za-z_][\w.-]{0,127}"

# Three base64url segments from a JSON header ("eyJ" is '{"'); an encrypted JWT (JWE) has five.
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*(?:\.[\w-]+\.[\w-]+)?")
# RFC 6750's token68 characters. The scheme word stays; its separator may be URL-encoded.
_BEARER = re.compile(r"(?i)\b(bearer)(?:\s+|%20|\+)[\w\-.~+/]+=*")
_BASIC = re.compile(r"(?i)\b(basic)(?:\s+|%20|\+)([A-Za-z0-9+/]+={0,2})")
# Where a name is given a value, the name and its separator; the value is matched from there, and
# only after a sensitive name, so a value is never scanned twice: every pattern runs in linear
# time, whatever a client sends.
# A header line: a known credential header, or any hyphenated name (Content-Type, X-Api-Key),
# which exception names and prose never are. The value runs to the end of the line; an
# authentication scheme before it is kept.
_HEADER_NAME = re.compile(
    r"(?im)(?<![\w-])(?P<name>(?:proxy-)?authorization|(?:set-)?cookie|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)"
    r"[ \t]*:[ \t]*"
)
_HEADER_VALUE = re.compile(r"(?i)(?P<scheme>(?:bearer|basic|digest|token|negotiate|apikey|dpop)[ \t]+)?[^\r\n]+")
# A quoted key: JSON ("password": "x"), Python reprs ('code': 123, 'password': ['x'] in a
# QueryDict), and JSON inside a JSON string (\"password\": \"x\").
_QUOTED_NAME = re.compile(rf"""(?P<quote>\\?["'])(?P<name>{_NAME})(?P=quote)\s*:\s*""")
_QUOTED_VALUE = re.compile(r"""(?P<quote>\\?["'])[^\r\n]{0,4096}?(?<!\\)(?P=quote)|\[[^\]]{0,4096}\]|[^\s,;}\]]+""")
# name=value in a URL or a message, also with the "=" percent-encoded inside an encoded URL
# (next=%2Faccept%3Ftoken%3Dabc). The value ends at "&" (or "%26"), whitespace or a quote; a
# quoted value at its closing quote.
_PAIR_NAME = re.compile(rf"(?:(?<=%[0-9A-Fa-f]{{2}})|(?<![\w.%-]))(?P<name>{_NAME})(?:=|%3[Dd])")
_PAIR_VALUE = re.compile(r"""(?P<quote>["'])[^\r\n]{0,4096}?(?<!\\)(?P=quote)|(?:%(?!26)|[^&\s"'%])+""")
# Invitation links carry their token in the path (/api/v1/invitations/{token}).
_TOKEN_LINK = re.compile(r"(/api/v\d+/invitations/)[^/\s?#]+")
# A session's key in its path (DELETE /auth/sessions/<key>): what that session's tokens carry.
_SESSION_LINK = re.compile(r"(/api/v\d+/auth/sessions/)(?!revoke-others(?:[/?#\s]|$))[^/\s?#]+")


def is_sensitive_key(name: str) -> bool:
    """Whether a parameter, key or header of this name holds a secret."""
    lowered = name.lower()
    if lowered in SECRET_NAMES or lowered in SECRET_WORDS or any(part in lowered for part in SECRET_FRAGMENTS):
        return True
    return any(word.lower() in SECRET_WORDS for word in _WORDS.findall(name))


def redact_query(query: str) -> str:
    """Sensitive parameters lose their value; every name and other value is redacted as text."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(redact_text(k), REDACTED if is_sensitive_key(k) else redact_text(v)) for k, v in pairs], safe="[]"
    )


def redact_text(text: str) -> str:
    """Replace every secret in ``text`` (a path, a message, a trace, a header) with ``[redacted]``."""
    if not text:
        return text
    text = _JWT.sub(REDACTED, text)
    text = _BASIC.sub(_basic_credentials, text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)  # before name=value: "authorization=Bearer <token>"
    text = _redact_values(text, _HEADER_NAME, _HEADER_VALUE, lambda value: f"{value['scheme'] or ''}{REDACTED}")
    text = _redact_values(text, _QUOTED_NAME, _QUOTED_VALUE, _quoted)
    text = _redact_values(text, _PAIR_NAME, _PAIR_VALUE, _quoted)
    text = _TOKEN_LINK.sub(rf"\g<1>{REDACTED}", text)
    return _SESSION_LINK.sub(rf"\g<1>{REDACTED}", text)


def _redact_values(
    text: str, name: re.Pattern[str], value: re.Pattern[str], replacement: Callable[[re.Match[str]], str]
) -> str:
    """Replace the value after each sensitive ``name`` match; a value after another name is
    searched on, so a pair nested in it is found (``next=/accept?token=x``)."""
    parts: list[str] = []
    written = searched = 0
    while (named := name.search(text, searched)) is not None:
        searched = named.end()
        if not is_sensitive_key(named["name"]):
            continue
        given = value.match(text, named.end())
        if given is None:
            continue
        parts += [text[written : named.end()], replacement(given)]
        written = searched = given.end()
    return "".join(parts) + text[written:]


def _quoted(value: re.Match[str]) -> str:
    """``[redacted]``, inside the value's own quotes when it had some."""
    quote = value["quote"] or ""
    return f"{quote}{REDACTED}{quote}"


def _basic_credentials(match: re.Match[str]) -> str:
    """``Basic`` and base64 of ``user:password`` (RFC 7617); "basic" before an ordinary word stays."""
    scheme, encoded = match.group(1, 2)
    # Padding read as a lenient decoder reads it (DRF's BasicAuthentication among them): missing
    # or extra "=" still makes a credential a server would accept, so it is redacted all the same.
    encoded = encoded.rstrip("=")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return f"{scheme} {REDACTED}" if b":" in decoded else match.group(0)


class RedactingFilter(logging.Filter):
    """Redact every log record's final message (e.g. Django's "Not Found: /api/v1/invitations/<token>"),
    its traceback, whose last line repeats the exception's message, and its stack.

    Installed on every handler of ``settings.LOGGING``, so whatever a logger is given
    (``logger.warning("... %s", secret)``) is redacted before any handler prints it.
    """

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
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True
