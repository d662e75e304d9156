"""HTTP client for the Australian Business Register's JSON services.

ABR answers ``AbnDetails.aspx``, ``AcnDetails.aspx`` and ``MatchingNames.aspx`` under
``ABR_BASE_URL`` as JSONP (``callback({...})``), always with HTTP 200: an error is a non-empty
``Message`` in an otherwise blank record (strings ``""``, ``BusinessName`` ``[]``,
``AddressDate`` and ``Gst`` ``null``). This module tells the two kinds of error apart:

- an answer about the query ("No record found", "Search text is not a valid ABN or ACN") is a
  valid result with nothing in it, and may be cached;
- anything else (network error, timeout, HTTP error status, a body that is not JSONP, the
  GUID refused, an unknown message) means ABR did not answer, and raises ``AbrUnavailable``.

Raw ABR payloads are returned as they came, so the cache keeps exactly what ABR said;
``abn_results`` and ``name_results`` turn them into the snake_case results of the API.
"""

from __future__ import annotations

import http.client
import json
import logging
from datetime import date, datetime
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5
NAME_MAX_RESULTS = 20
# An ABN record is about 1 KB and 200 name matches about 40 KB; anything near this is not ABR.
MAX_BODY_BYTES = 1_000_000
JSONP_CALLBACK = "callback"

# Messages that answer the query rather than report a failure (compared case-insensitively).
NO_RESULT_MESSAGES = ("no record found", "search text is not a valid abn or acn")


class AbrUnavailable(Exception):
    """ABR did not give a usable answer; the reason is the exception's message."""


def fetch_abn(abn: str) -> dict:
    """Return ABR's ``AbnDetails`` payload for an 11-digit ABN."""
    return _details_payload("AbnDetails.aspx", {"abn": abn})


def fetch_acn(acn: str) -> dict:
    """Return ABR's ``AcnDetails`` payload (the ABN record of that company) for a 9-digit ACN."""
    return _details_payload("AcnDetails.aspx", {"acn": acn})


def fetch_names(name: str, *, max_results: int = NAME_MAX_RESULTS) -> dict:
    """Return ABR's ``MatchingNames`` payload for a name search."""
    page = "MatchingNames.aspx"
    payload = _get(page, {"name": name, "maxResults": max_results})
    _raise_for_failure(page, payload)
    if not isinstance(payload.get("Names") or [], list):
        raise _unavailable(page, "Names is not a list")
    return payload


def abn_results(payload: dict) -> list[dict]:
    """The ABN record of an ``AbnDetails``/``AcnDetails`` payload as a result list (0 or 1 item)."""
    if payload.get("Message") or not payload.get("Abn"):
        return []
    gst_from = payload.get("Gst") or None
    return [
        {
            "abn": payload["Abn"],
            "acn": payload.get("Acn") or "",
            "entity_name": payload.get("EntityName") or "",
            "entity_type_code": payload.get("EntityTypeCode") or "",
            "entity_type": payload.get("EntityTypeName") or "",
            "abn_status": payload.get("AbnStatus") or "",
            "abn_status_effective_from": payload.get("AbnStatusEffectiveFrom") or None,
            "business_names": list(payload.get("BusinessName") or []),
            "gst_registered": gst_from is not None,
            "gst_registered_from": gst_from,
            "state": payload.get("AddressState") or "",
            "postcode": payload.get("AddressPostcode") or "",
            "address_date": payload.get("AddressDate") or None,
        }
    ]


def name_results(payload: dict) -> list[dict]:
    """The matches of a ``MatchingNames`` payload, best score first as ABR ranks them."""
    if payload.get("Message"):
        return []
    return [
        {
            "abn": item.get("Abn") or "",
            "name": item.get("Name") or "",
            "name_type": item.get("NameType") or "",
            # ABR gives a status code here ("0000000001"), not the word AbnDetails gives;
            # it is passed through rather than guessing a mapping ABR does not document.
            "abn_status_code": item.get("AbnStatus") or "",
            "is_current": bool(item.get("IsCurrent")),
            "state": item.get("State") or "",
            "postcode": item.get("Postcode") or "",
            "score": item.get("Score"),
        }
        for item in payload.get("Names") or []
    ]


def company_fields_from_abn(details: dict, *, verified_at: datetime) -> dict:
    """Map one ABN result (an item of ``abn_results``) onto ``companies.Company`` fields.

    ``verified_at`` is when ABR said this, i.e. the search result's ``cached_at``.
    """
    return {
        "abn": details["abn"],
        "acn": details["acn"] or None,
        "legal_entity_name": details["entity_name"],
        "business_names": list(details["business_names"]),
        "abn_status": details["abn_status"],
        "abn_status_effective_from": _date(details["abn_status_effective_from"]),
        "entity_type": details["entity_type"],
        "gst_registered": details["gst_registered"],
        "gst_registered_from": _date(details["gst_registered_from"]),
        "abr_last_verified_at": verified_at,
    }


def _date(value: str | None) -> date | None:
    # ABR dates are ISO dates, sometimes with a midnight time part ("2000-07-01T00:00:00").
    return date.fromisoformat(value[:10]) if value else None


def _details_payload(page: str, params: dict) -> dict:
    payload = _get(page, params)
    _raise_for_failure(page, payload)
    if not isinstance(payload.get("BusinessName") or [], list):
        raise _unavailable(page, "BusinessName is not a list")
    return payload


def _raise_for_failure(page: str, payload: dict) -> None:
    message = str(payload.get("Message") or "").strip()
    if message and not message.casefold().startswith(NO_RESULT_MESSAGES):
        # "The GUID entered is not recognised as a Registered Party" lands here: our setup is
        # wrong, not the query, so the answer must not be cached as "nothing found".
        raise _unavailable(page, f"ABR refused the request: {message}")


def _get(page: str, params: dict) -> dict:
    """Call one ABR JSON page and return its unwrapped payload."""
    query = urlencode({**params, "guid": settings.ABR_GUID, "callback": JSONP_CALLBACK})
    url = f"{urljoin(settings.ABR_BASE_URL, page)}?{query}"
    if urlsplit(url).scheme not in ("https", "http"):
        # urlopen would read file: and ftp: URLs too. Our setup is wrong, as with a refused GUID.
        raise _unavailable(page, f"ABR_BASE_URL is not an http(s) URL: {settings.ABR_BASE_URL!r}")
    # The timeout bounds each socket operation (connect, every read), not the whole exchange.
    timeout = getattr(settings, "ABR_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
    # S310: the scheme is checked above.
    request = Request(url, headers={"Accept": "application/javascript, application/json"})  # noqa: S310
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_BODY_BYTES + 1)
    except HTTPError as error:
        raise _unavailable(page, f"HTTP {error.code}") from error
    except (OSError, http.client.HTTPException) as error:
        # URLError, refused connections, resets and TimeoutError are all OSErrors.
        raise _unavailable(page, f"{type(error).__name__}: {error}") from error
    if len(body) > MAX_BODY_BYTES:
        raise _unavailable(page, "response too large")
    return _unwrap_jsonp(page, body)


def _unwrap_jsonp(page: str, body: bytes) -> dict:
    try:
        text = body.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise _unavailable(page, "response is not UTF-8") from error
    prefix = f"{JSONP_CALLBACK}("
    text = text.removesuffix(";").rstrip()
    if not (text.startswith(prefix) and text.endswith(")")):
        raise _unavailable(page, f"response is not JSONP: {text[:80]!r}")
    try:
        payload = json.loads(text[len(prefix) : -1])
    except ValueError as error:
        raise _unavailable(page, "response is not valid JSON") from error
    if not isinstance(payload, dict):
        raise _unavailable(page, "response is not a JSON object")
    return payload


def _unavailable(page: str, reason: str) -> AbrUnavailable:
    logger.warning("ABR %s failed: %s", page, reason)
    return AbrUnavailable(f"ABR {page} failed: {reason}")
