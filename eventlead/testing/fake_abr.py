"""A fake Australian Business Register on loopback, answering like its JSON services.

A real ``ThreadingHTTPServer`` in a thread serves ``AbnDetails.aspx``, ``AcnDetails.aspx``
and ``MatchingNames.aspx`` in ABR's JSONP format, so the client under test makes real HTTP
requests and parses real bodies. Like ABR, it answers errors with HTTP 200 and a ``Message``
in a blank record. Switches make it fail (``status = 500``), hang (``delay``), talk nonsense
(``body``), go away (``stop()``: connection refused) or answer concurrent callers together
(``hold(n)``); ``requests`` records every call.

The records are invented; their ABNs and ACNs have valid check digits.

    with FakeAbr() as abr, override_settings(**abr.settings):
        ...
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

from stdnum.au import abn as abn_number
from stdnum.au import acn as acn_number

LOOPBACK = "127.0.0.1"
GUID = "3f2c9a4e-7b1d-4e6a-9c8f-0a1b2c3d4e5f"

MESSAGE_NO_RECORD = "No record found"
MESSAGE_NOT_VALID = "Search text is not a valid ABN or ACN"
MESSAGE_BAD_GUID = "The GUID entered is not recognised as a Registered Party"

# MatchingNames carries a status code instead of AbnDetails' word.
STATUS_CODES = {"Active": "0000000001", "Cancelled": "0000000002"}


def abn_record(abn: str, entity_name: str, **fields) -> dict:
    """An ``AbnDetails`` payload for a found ABN; ``fields`` override the defaults (ABR's keys)."""
    record: dict[str, object] = {
        "Abn": abn,
        "AbnStatus": "Active",
        "AbnStatusEffectiveFrom": "2000-07-01",
        "Acn": "",
        "AddressDate": "2019-03-14",
        "AddressPostcode": "2000",
        "AddressState": "NSW",
        "BusinessName": [],
        "EntityName": entity_name,
        "EntityTypeCode": "PRV",
        "EntityTypeName": "Australian Private Company",
        "Gst": None,
        "Message": "",
    }
    return {**record, **fields}


def error_record(message: str) -> dict:
    """ABR's ``AbnDetails`` answer to an error: blank strings, no names, null dates."""
    return {
        "Abn": "",
        "AbnStatus": "",
        "AbnStatusEffectiveFrom": "",
        "Acn": "",
        "AddressDate": None,
        "AddressPostcode": "",
        "AddressState": "",
        "BusinessName": [],
        "EntityName": "",
        "EntityTypeCode": "",
        "EntityTypeName": "",
        "Gst": None,
        "Message": message,
    }


HARBOURSIDE = abn_record(
    "51824753556",
    "HARBOURSIDE EVENTS TRUST",
    EntityTypeCode="FXT",
    EntityTypeName="Fixed Unit Trust",
    Gst="2000-07-01",
    BusinessName=["Harbourside Expos", "Sydney Trade Shows"],
)
SOUTHERN_CROSS = abn_record(
    "53004085616",
    "SOUTHERN CROSS CONVENTIONS PTY LTD",
    Acn="004085616",
    AbnStatusEffectiveFrom="1999-11-01",
    AddressState="VIC",
    AddressPostcode="3000",
)
OLD_BAY = abn_record(
    "11123456780",
    "OLD BAY EXHIBITIONS PTY LTD",
    Acn="123456780",
    AbnStatus="Cancelled",
    AbnStatusEffectiveFrom="2015-06-30",
    AddressState="QLD",
    AddressPostcode="4000",
    BusinessName=["Old Bay Expos"],
)
RECORDS = (HARBOURSIDE, SOUTHERN_CROSS, OLD_BAY)


class FakeAbr:
    """ABR's JSON services on ``http://127.0.0.1:<free port>/json/``."""

    def __init__(self, records=RECORDS, *, guid: str = GUID):
        self.records = {record["Abn"]: copy.deepcopy(record) for record in records}
        self.guid = guid
        self.status = 200  # any other value is answered with an HTML error page
        self.delay = 0.0  # seconds to wait before answering
        self.body: bytes | None = None  # answered instead of JSONP when set
        self.requests: list[tuple[str, dict]] = []  # (page, query parameters) of every call
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._gate: threading.Barrier | None = None
        self.port: int | None = None  # chosen by the system at start()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/json/"

    @property
    def settings(self) -> dict:
        """Django settings that point the ABR client here."""
        return {"ABR_BASE_URL": self.base_url, "ABR_GUID": self.guid}

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def hold(self, count: int) -> None:
        """Hold answers back until ``count`` requests have arrived, then give them all at once.

        Concurrent callers then receive ABR's answer in the same instant, so a race between
        what they do next is as tight as it can be made.
        """
        self._gate = threading.Barrier(count)

    def start(self) -> FakeAbr:
        self._wake.clear()
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-abr", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        if self._server is None:
            return
        self._wake.set()  # release answers held back by ``delay``
        if self._gate is not None:
            self._gate.abort()  # and by ``hold``
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None  # started with the server
        self._thread.join()
        self._server = None

    def __enter__(self) -> FakeAbr:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def answer(self, page: str, params: dict) -> dict | None:
        """ABR's payload for one call, or None for a page ABR does not have."""
        if page == "MatchingNames.aspx":
            if params.get("guid") != self.guid:
                return {"Message": MESSAGE_BAD_GUID, "Names": []}
            return {"Message": "", "Names": self._matching_names(params.get("name", ""), params.get("maxResults"))}
        if page not in ("AbnDetails.aspx", "AcnDetails.aspx"):
            return None
        if params.get("guid") != self.guid:
            return error_record(MESSAGE_BAD_GUID)
        module: ModuleType
        if page == "AbnDetails.aspx":
            number, module, field = params.get("abn", ""), abn_number, "Abn"
        else:
            number, module, field = params.get("acn", ""), acn_number, "Acn"
        if not module.is_valid(number):
            return error_record(MESSAGE_NOT_VALID)
        found = next((r for r in self.records.values() if r[field] == module.compact(number)), None)
        return copy.deepcopy(found) if found else error_record(MESSAGE_NO_RECORD)

    def _matching_names(self, query: str, max_results: str | None) -> list[dict]:
        query = " ".join(query.split()).casefold()
        matches = []
        for record in self.records.values():
            names = [(record["EntityName"], "Entity Name")] + [(n, "Business Name") for n in record["BusinessName"]]
            for name, name_type in names:
                if query and query in name.casefold():
                    matches.append(
                        {
                            "Abn": record["Abn"],
                            "AbnStatus": STATUS_CODES[record["AbnStatus"]],
                            "IsCurrent": True,
                            "Name": name,
                            "NameType": name_type,
                            "Postcode": record["AddressPostcode"],
                            "Score": 100 if query == name.casefold() else 90,
                            "State": record["AddressState"],
                        }
                    )
        matches.sort(key=lambda match: -match["Score"])
        return matches[: int(max_results or 10)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeAbr

    def handle_error(self, request, client_address):
        """Stay quiet when a client gave up on a slow answer (a broken pipe is expected)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self):
        fake = self.server.fake
        url = urlsplit(self.path)
        page = url.path.rsplit("/", 1)[-1]
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        with fake._lock:
            fake.requests.append((page, params))
        if fake._gate is not None:
            # Stopped, or fewer callers came than expected: answer anyway.
            with contextlib.suppress(threading.BrokenBarrierError):
                fake._gate.wait(timeout=10)
        if fake.delay:
            fake._wake.wait(fake.delay)
        if fake.status != 200:
            return self._send(fake.status, b"<html><body>Server Error</body></html>", "text/html")
        if fake.body is not None:
            return self._send(200, fake.body, "text/html")
        payload = fake.answer(page, params)
        if payload is None:
            return self._send(404, b"<html><body>Not Found</body></html>", "text/html")
        callback = params.get("callback", "callback")
        self._send(200, f"{callback}({json.dumps(payload)})".encode(), "text/javascript; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Keep test output clean."""
