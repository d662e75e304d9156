"""ABR searches through ``cache.ABRSearch``, and purging that cache.

An entry is fresh up to and including its ``ExpiresAt`` (``now <= expires_at``); from the
next instant on a search asks ABR again. When ABR fails, any entry, however old, is served
with ``stale=True`` rather than no answer at all.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any, TypedDict, cast

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from stdnum.au import abn as abn_number
from stdnum.au import acn as acn_number
from stdnum.exceptions import ValidationError as NumberInvalid

from configuration.settings_store import get_setting
from eventlead.core.exceptions import UpstreamUnavailable, ValidationFailed
from logging_app.models import AbrLookup, AbrLookupOutcome

from . import client
from .models import ABRSearch, SearchType

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = cast(int, ABRSearch._meta.get_field("search_value").max_length)  # CharField(max_length=200)

MESSAGE_INVALID_ABN = "Enter a valid ABN: 11 digits with a correct check digit."
MESSAGE_INVALID_ACN = "Enter a valid ACN: 9 digits with a correct check digit."
MESSAGE_INVALID_NAME = "Enter a name to search for."
MESSAGE_NAME_TOO_LONG = f"Enter at most {NAME_MAX_LENGTH} characters."
MESSAGE_ABR_UNAVAILABLE = "The Australian Business Register is not answering. Try again in a few minutes."


@dataclass(frozen=True)
class SearchResult:
    search_type: str
    search_value: str
    cached: bool  # served from cache.ABRSearch without asking ABR
    cached_at: datetime  # when ABR gave this answer
    stale: bool  # past its expiry, served because ABR failed
    results: list[dict[str, Any]]


class SearchKey(TypedDict):
    """The primary key of a ``cache.ABRSearch`` row."""

    search_type: str
    search_value: str


def normalise_search_value(*, search_type: str, value: str) -> str:
    """Return the cache key form of ``value``; raise ``ValidationFailed`` if it cannot be searched.

    ABN and ACN keep their digits only and must pass their check digit, so an impossible
    number never reaches ABR. Names are case-folded with runs of whitespace collapsed, so
    "Acme  Events" and "acme events" share one entry (ABR's name search ignores case).
    """
    if search_type == SearchType.ABN:
        return _checked_number(value, abn_number, "abn", MESSAGE_INVALID_ABN)
    if search_type == SearchType.ACN:
        return _checked_number(value, acn_number, "acn", MESSAGE_INVALID_ACN)
    if search_type == SearchType.NAME:
        name = " ".join(value.split()).casefold()
        if not name:
            raise ValidationFailed(fields={"name": [MESSAGE_INVALID_NAME]})
        if len(name) > NAME_MAX_LENGTH:
            raise ValidationFailed(fields={"name": [MESSAGE_NAME_TOO_LONG]})
        return name
    raise ValueError(f"Unknown ABR search type {search_type!r}.")


def _checked_number(value: str, module: ModuleType, field: str, message: str) -> str:
    # stdnum drops spaces ("51 824 753 556") and returns the digits; anything else is refused.
    try:
        digits: str = module.validate(value)
        return digits
    except NumberInvalid:
        raise ValidationFailed(fields={field: [message]}) from None


def abr_search(*, search_type: str, value: str, now: datetime | None = None) -> SearchResult:
    """Search ABR by ABN, ACN or name, answering from the cache while the entry is fresh."""
    now = now or timezone.now()
    search_value = normalise_search_value(search_type=search_type, value=value)
    key: SearchKey = {"search_type": search_type, "search_value": search_value}

    entry = ABRSearch.objects.filter(**key).first()
    if entry is not None and now <= entry.expires_at:
        _count_hit(key, now)
        _lookup_record(search_type, AbrLookupOutcome.HIT, now)
        return _result(entry, cached=True, stale=False)

    try:
        payload = _fetch(search_type, search_value)
    except client.AbrUnavailable:
        if entry is None:
            _lookup_record(search_type, AbrLookupOutcome.FAILED, now)
            raise UpstreamUnavailable(MESSAGE_ABR_UNAVAILABLE) from None
        _count_hit(key, now)
        _lookup_record(search_type, AbrLookupOutcome.STALE, now)
        return _result(entry, cached=True, stale=True)

    entry = _store(key, payload, now)
    _lookup_record(search_type, AbrLookupOutcome.MISS, now)
    return _result(entry, cached=False, stale=False)


def _fetch(search_type: str, search_value: str) -> dict[str, Any]:
    if search_type == SearchType.ABN:
        return client.fetch_abn(search_value)
    if search_type == SearchType.ACN:
        return client.fetch_acn(search_value)
    return client.fetch_names(search_value)


def _results(search_type: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    if search_type == SearchType.NAME:
        return client.name_results(payload)
    return client.abn_results(payload)


def _count_hit(key: SearchKey, now: datetime) -> None:
    # One UPDATE with F(): concurrent hits each add one, none is lost.
    ABRSearch.objects.filter(**key).update(hit_count=F("hit_count") + 1, last_hit_at=now)


def _lookup_record(search_type: str, outcome: AbrLookupOutcome, now: datetime) -> None:
    """Add the lookup to ``log.ABRLookup`` (the dashboard's hit rate and ABR failures).

    A row that cannot be written is logged, never raised: the lookup has its answer already,
    as an unhandled error does in ``logging_app.errors``. In autocommit this is the one INSERT;
    inside a caller's transaction the INSERT gets a savepoint, so that a refused row does not
    leave the caller's transaction unusable (PostgreSQL aborts a transaction after an error).
    """
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            AbrLookup.objects.create(search_type=search_type, outcome=outcome, created_date=now)
    except DatabaseError:
        logger.exception("Could not record an ABR lookup (%s, %s)", search_type, outcome)


def _store(key: SearchKey, payload: dict[str, Any], now: datetime) -> ABRSearch:
    """Insert or refresh the entry; safe when several requests miss the same key at once.

    ``update_or_create`` locks an existing row (SELECT ... FOR UPDATE) and, when two inserts
    race, catches the loser's IntegrityError and updates the winner's row instead. The ABR
    call happened before this, so no transaction stays open across the network.
    """
    days = get_setting("validation.abr_cache_days")
    fresh = {
        "response_json": payload,
        "result_count": len(_results(key["search_type"], payload)),
        "cached_at": now,
        # float(): the setting may be a Decimal, which timedelta does not take.
        "expires_at": now + timedelta(days=float(days)),
    }
    with transaction.atomic():
        entry, _ = ABRSearch.objects.update_or_create(**key, defaults=fresh)
    return entry


def _result(entry: ABRSearch, *, cached: bool, stale: bool) -> SearchResult:
    return SearchResult(
        search_type=entry.search_type,
        search_value=entry.search_value,
        cached=cached,
        cached_at=entry.cached_at,
        stale=stale,
        results=_results(entry.search_type, entry.response_json),
    )


def abr_cache_purge(*, expired_only: bool = False, abn: str | None = None, now: datetime | None = None) -> int:
    """Delete cache entries and return how many: all of them, the expired ones, or one ABN's.

    For an ABN this removes its own ABN search and every ACN or name search whose cached
    answer mentions it: the ABR terms of use require deleting copies of a withdrawn record
    on request, wherever they are kept.
    """
    entries = ABRSearch.objects.all()
    if expired_only:
        entries = entries.filter(expires_at__lt=now or timezone.now())
    if abn is not None:
        keys = [(SearchType.ABN.value, abn)] + [
            (entry.search_type, entry.search_value)
            # A text match on the stored JSON narrows the rows; the parsed results decide.
            for entry in ABRSearch.objects.exclude(search_type=SearchType.ABN).filter(response_json__icontains=abn)
            if any(result["abn"] == abn for result in _results(entry.search_type, entry.response_json))
        ]
        entries = entries.filter(pk__in=keys)
    deleted, _ = entries.delete()
    return deleted
