"""Cursor pagination of the API's lists: ``{"results": [...], "next": "<cursor or null>"}``.

A page is read by key, newest first: the cursor names the last row given (its time and id),
and the next page is the rows strictly after it in that order, read through the index that
serves the order. Unlike an offset, a row written between two pages neither repeats nor
disappears, and page 1,000 costs what page 1 does. ``?limit=`` is 1 to 200, 50 by default.

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


def _encode(position: tuple[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, key = json.loads(raw)
        if not isinstance(key, int) or isinstance(key, bool) or not isinstance(moment, str):
            raise ValueError(cursor)
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError(cursor)
        return parsed.astimezone(UTC), key  # a time at the calendar's edge overflows here, not in the query
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]}) from None


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
    time_field: str,
    row: Callable[[M], Any],
) -> Page:
    """One page of ``queryset``, newest ``time_field`` first (ties by id, highest first)."""
    cursor, limit = page_parameters(request)
    ordered = queryset.order_by(f"-{time_field}", "-pk")
    if cursor is not None:
        moment, key = _decode(cursor)
        ordered = ordered.filter(Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": key}))
    rows: Sequence[M] = list(ordered[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    following = None
    if more:
        last = rows[-1]
        following = _encode((getattr(last, time_field).isoformat(), last.pk))
    return Page([row(item) for item in rows], following)
