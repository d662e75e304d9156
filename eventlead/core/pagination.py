"""Cursor pagination of the API's lists: ``{"results": [...], "next": "<cursor or null>"}``.

A page is read by key, newest first: the cursor names the last row given (its time and id),
and the next page is the rows strictly after it in that order, read through the index that
serves the order. Unlike an offset, a row written between two pages neither repeats nor
disappears, and page 1,000 costs what page 1 does. ``?limit=`` is 1 to 200, 50 by default.

A cursor is signed (HMAC-SHA256 with the project's secret key, salted with the list's name): a
client can hand back only a cursor this list gave out. A forged or altered one, or one from
another list, is a 400, never a position the server did not choose. The rows a page may show
are chosen by the list's own filters (the caller, the company) whatever the cursor says.

Not DRF's ``CursorPagination``: the contract's ``next`` is the cursor itself, not a URL; a bad
cursor or limit is a 400 naming the parameter (DRF answers 404 and clamps the limit); and ties
in time are broken by id in the key, where DRF keeps an offset into the tied rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.signing import BadSignature, Signer
from django.db.models import Model, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from .exceptions import ValidationFailed

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MESSAGE_CURSOR = "Not a cursor of this list; use the `next` value of the previous page."
MESSAGE_LIMIT = f"Use a whole number from 1 to {MAX_LIMIT}."

M = TypeVar("M", bound=Model)

# The query parameters of every paginated list, for its OpenAPI operation.
PAGE_PARAMETERS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next` value of the previous page."),
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description=f"Rows per page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT} by default)."
    ),
]


@dataclass(frozen=True)
class Page:
    results: list[Any]
    next: str | None

    def body(self) -> dict[str, Any]:
        return {"results": self.results, "next": self.next}


def _signer(list_name: str) -> Signer:
    # "." is outside base64url's alphabet, so it cannot occur in the payload or the signature.
    return Signer(salt=f"eventlead.pagination.{list_name}", sep=".", algorithm="sha256")


def cursor_encode(position: Sequence[Any], *, list_name: str) -> str:
    """An opaque, signed cursor for ``position`` (JSON values) in the list ``list_name``."""
    payload = base64.urlsafe_b64encode(json.dumps(list(position), separators=(",", ":")).encode()).decode()
    return _signer(list_name).sign(payload.rstrip("="))


def cursor_decode(cursor: str, *, list_name: str) -> list[Any]:
    """The position a cursor of ``list_name`` names; a 400 for anything this list did not sign."""
    try:
        payload = _signer(list_name).unsign(cursor)
        position = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (BadSignature, binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]}) from None
    if not isinstance(position, list):
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return position


def cursor_moment(value: Any) -> datetime:
    """A cursor's time (ISO 8601 with an offset) as UTC; a 400 for anything else."""
    try:
        if not isinstance(value, str):
            raise TypeError(value)
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(value)
        return parsed.astimezone(UTC)  # a time at the calendar's edge overflows here, not in the query
    except (ValueError, TypeError, OverflowError):
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]}) from None


def cursor_key(value: Any) -> int:
    """A cursor's row id; a 400 for anything but a whole number."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return value


def _decode(cursor: str, list_name: str) -> tuple[datetime, int]:
    position = cursor_decode(cursor, list_name=list_name)
    if len(position) != 2:
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return cursor_moment(position[0]), cursor_key(position[1])


def page_parameters(request: Request) -> tuple[str | None, int]:
    """``?cursor=`` and ``?limit=``, checked: a bad value is a 400 naming the parameter."""
    raw_limit = request.query_params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not raw_limit.isascii() or not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise ValidationFailed(fields={"limit": [MESSAGE_LIMIT]})
        limit = int(raw_limit)
    cursor = request.query_params.get("cursor") or None
    if cursor is not None and len(cursor) > 200:
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return cursor, limit


def newest_first_page(
    queryset: QuerySet[M],
    request: Request,
    *,
    list_name: str,
    time_field: str,
    row: Callable[[M], Any],
) -> Page:
    """One page of ``queryset``, newest ``time_field`` first (ties by id, highest first)."""
    cursor, limit = page_parameters(request)
    ordered = queryset.order_by(f"-{time_field}", "-pk")
    if cursor is not None:
        moment, key = _decode(cursor, list_name)
        ordered = ordered.filter(Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": key}))
    rows: Sequence[M] = list(ordered[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        last = rows[-1]
        following = cursor_encode((getattr(last, time_field).isoformat(), last.pk), list_name=list_name)
    return Page([row(item) for item in rows], following)
