"""The API's JSON renderer: camelCase keys (ADR-003), written by orjson.

It answers what djangorestframework-camel-case's renderer on DRF's ``JSONRenderer`` answers,
with two costs taken out of every response: each key is converted once per process (by that
library's own rule) instead of by a regular expression per response, and orjson writes the
JSON several times faster than ``json.dumps``. Values orjson does not know (dates, decimals,
lazy strings) go through DRF's own encoder, so they read as before. Anything orjson refuses
(an integer past 64 bits) falls back to DRF's renderer; so does a client's ``indent=``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_SCALARS = (str, int, float, type(None))


class CamelCaseRow(dict[str, Any]):
    """A body whose keys are camelCase and whose values are written already (``eventlead.core.rows``):
    the renderer passes it through as it is."""


# JavaScript's line terminators, escaped as DRF escapes them (JSON stays a JavaScript subset).
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


@functools.lru_cache(maxsize=4096)
def camel_key(key: str) -> str:
    """``company_id`` -> ``companyId``, by djangorestframework-camel-case's own rule."""
    camel: str = camelize_re.sub(underscore_to_camel, key)
    return camel


def camelize(data: Any) -> Any:
    """``djangorestframework_camel_case.util.camelize`` for rendering: plain dicts and lists out."""
    if isinstance(data, _SCALARS) or type(data) is CamelCaseRow:
        return data
    if isinstance(data, Promise):
        return force_str(data)
    if isinstance(data, dict):
        return {_key(key): camelize(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [camelize(item) for item in data]
    try:
        items = iter(data)
    except TypeError:
        return data
    return [camelize(item) for item in items]


def _key(key: Any) -> Any:
    if isinstance(key, Promise):
        key = force_str(key)
    return camel_key(key) if isinstance(key, str) and "_" in key else key


class CamelCaseJSONRenderer(JSONRenderer):
    _default = staticmethod(JSONEncoder().default)

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        camelized = camelize(data)
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            try:
                body = orjson.dumps(camelized, default=self._default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                if _LINE_SEPARATOR in body or _PARAGRAPH_SEPARATOR in body:
                    body = body.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
                return body
        rendered: bytes = super().render(camelized, accepted_media_type, renderer_context)
        return rendered
