"""The API's one request parser: JSON whose camelCase keys become snake_case, bounded first.

A hostile body can cost far more to parse than to send: about 1 KB of nested brackets drives
the recursive steps (the json decoder, djangorestframework-camel-case's ``underscoreize``,
the serializers) past Python's recursion limit, a 500 with a 225 KB traceback. So before
anything recursive sees the body, it is measured: its length against
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 ``payload_too_large``) and its nesting against
``MAX_DEPTH`` (400 ``validation_error``), by a single loop over its brackets.
"""

import json
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from djangorestframework_camel_case.settings import api_settings as camel_case_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError

# DRF's own check of the Content-Type charset: a text codec only, never bz2_codec and the like,
# which would inflate a body after its size was checked. Its stubs predate the function.
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils.json import strict_constant

from .exceptions import PayloadTooLarge, ValidationFailed

# Our deepest legitimate body (a bulk invitation: object, list, row object) is 3 levels deep.
MAX_DEPTH = 32
MESSAGE_TOO_DEEP = f"The request body is nested more than {MAX_DEPTH} levels deep."

# A string literal, whose brackets are text. The closing quote is optional so that an
# unterminated string ends the match instead of making the engine backtrack over the rest.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """Return how deeply the arrays and objects of a JSON text nest (0 for a scalar).

    No recursion: the brackets outside string literals are kept, and the deepest running
    count of open ones is the answer. Malformed text gets a number too; the parser refuses it after.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=0))


class CamelCaseJSONParser(JSONParser):
    """Parse a JSON body into snake_case keys, once its size and depth are known to be safe.

    djangorestframework-camel-case's parser, with the bounds in front. ``JSON_CAMEL_CASE``
    in the settings configures the key conversion (``addressLine1`` becomes ``address_line1``).
    """

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:  # any JSON value; DRF's stubs say a dict
        # DRF hands JSON parsers request.body, which Django has already held to this limit by
        # the Content-Length; reading at most one byte more keeps the bound here whatever the stream.
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise PayloadTooLarge()
        try:
            text = body.decode(get_encoding(parser_context or {}))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if nesting_depth(text) > MAX_DEPTH:
            raise ValidationFailed(MESSAGE_TOO_DEEP)
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        return underscoreize(data, **camel_case_settings.JSON_UNDERSCOREIZE)
