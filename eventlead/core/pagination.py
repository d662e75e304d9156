"""Cursor pagination of the API's lists: ``{"results": [...], "next": "<cursor or null>"}``.

A page is read by key, in a list's ``KeyOrder``: by a time, ties broken by the id, newest first
(sessions, invitations) or oldest first (members, in joining order). The cursor names the last
row given (its time and id), and the next page is the rows strictly after it in that order,
read through the index that serves the order. Unlike an offset, a row written between two
pages neither repeats nor disappears, and page 1,000 costs what page 1 does. ``?limit=`` is 1
to 200, 50 by default.

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

from django.core.exceptions import ImproperlyConfigured
from django.core.signing import BadSignature, Signer
from django.db.models import Model, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from .exceptions import ValidationFailed

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MESSAGE_CURSOR = "Not a cursor of this list; use the `next` value of the previous page."
MESSAGE_LIMIT = f"Use a whole number from 1 to {MAX_LIMIT}."

M = TypeVar("M", bound=Model)
R = TypeVar("R")
T = TypeVar("T")

MAX_CURSOR_LENGTH = 200
# The query parameters of every paginated list, for its OpenAPI operation, with the bounds
# page_parameters() enforces (a raw schema: drf-spectacular takes a dict as a parameter's type).
PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
        description="The `next` value of the previous page.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Rows per page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT} by default).",
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
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        raise ValidationFailed(fields={"cursor": [MESSAGE_CURSOR]})
    return cursor, limit


@dataclass(frozen=True)
class KeyOrder:
    """The order of one list: by ``time_field``, ties broken by the primary key, both the same way.

    ``list_name`` salts the list's cursors: a cursor of one list is a 400 on every other.
    """

    list_name: str
    time_field: str
    newest_first: bool = True

    def ordered(self, queryset: QuerySet[M, R]) -> QuerySet[M, R]:
        way = "-" if self.newest_first else ""
        return queryset.order_by(f"{way}{self.time_field}", f"{way}pk")

    def window(self, queryset: QuerySet[M, R], cursor: str | None, limit: int) -> QuerySet[M, R]:
        """The rows one page reads: in this order, strictly after the cursor's position, and one
        more than ``limit``, which tells whether another page follows."""
        ordered = self.ordered(queryset)
        if cursor is not None:
            ordered = self.beyond(ordered, *self.position(cursor))
        return ordered[: limit + 1]

    def position(self, cursor: str) -> tuple[datetime, int]:
        """The time and id a cursor of this list names; a 400 for anything this list did not sign."""
        return _decode(cursor, self.list_name)

    def beyond(
        self, queryset: QuerySet[M, R], moment: datetime, key: int, *, tie: datetime | None = None
    ) -> QuerySet[M, R]:
        """The rows strictly after (``moment``, ``key``) in this order. ``tie`` is ``moment`` again,
        for a compiled query, which takes each argument once (``eventlead.db.compiled``)."""
        way = "lt" if self.newest_first else "gt"
        return queryset.filter(
            Q(**{f"{self.time_field}__{way}": moment})
            | Q(**{self.time_field: moment if tie is None else tie, f"pk__{way}": key})
        )

    def page(
        self,
        rows: Sequence[T],
        limit: int,
        *,
        position: Callable[[T], tuple[datetime, int]],
        row: Callable[[T], Any],
    ) -> Page:
        """The page of the rows ``window`` read: ``limit`` of them, and a cursor at the last one
        shown when there was one more. ``position`` gives a row's time and id."""
        shown = rows[:limit]
        following = None
        if len(rows) > limit:
            moment, key = position(shown[-1])
            following = cursor_encode((moment.isoformat(), key), list_name=self.list_name)
        return Page([row(item) for item in shown], following)

    def position_in(self, lookups: Sequence[str]) -> Callable[[Sequence[Any]], tuple[datetime, int]]:
        """Where a ``values_list(*lookups)`` row holds its time and its id."""
        key = "pk" if "pk" in lookups else "id"
        if self.time_field not in lookups or key not in lookups:
            raise ImproperlyConfigured(f"{self.list_name}: a row must select {self.time_field} and the id")
        at, of = lookups.index(self.time_field), lookups.index(key)
        return lambda values: (values[at], values[of])


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
    order = KeyOrder(list_name, time_field)
    rows: Sequence[M] = list(order.window(queryset, cursor, limit))
    return order.page(rows, limit, position=lambda item: (getattr(item, time_field), item.pk), row=row)
