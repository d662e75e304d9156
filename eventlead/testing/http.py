"""A JSON client that talks to a running server over real HTTP, as an API consumer does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict | list | None
    headers: dict[str, str]


class JsonHttpClient:
    """Send JSON to ``base_url``; keep no cookies and no state but an optional bearer token.

    Only the standard library is used, so the test sees exactly the bytes the server sends.
    """

    def __init__(self, base_url: str, *, access: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.access = access

    def with_access(self, access: str) -> JsonHttpClient:
        return JsonHttpClient(self.base_url, access=access)

    def get(self, path: str) -> HttpResponse:
        return self.request("GET", path)

    def post(self, path: str, body: dict | None = None) -> HttpResponse:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: dict | None = None) -> HttpResponse:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        request = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return _parsed(response.status, response.read(), response.headers)
        except urllib.error.HTTPError as error:
            with error:
                return _parsed(error.code, error.read(), error.headers)


def _parsed(status: int, raw: bytes, headers) -> HttpResponse:
    return HttpResponse(status=status, body=json.loads(raw) if raw else None, headers=dict(headers.items()))
