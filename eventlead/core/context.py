"""The current request's id, client IP, user agent and user, for services and logs.

Set once per request by ``RequestContextMiddleware``; outside a request (commands, tests)
every value is empty.
"""

from __future__ import annotations

import contextvars
import ipaddress
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class RequestContext:
    request_id: uuid.UUID | None = None
    ip_address: str | None = None
    user_agent: str = ""


# Outside a request. Frozen, so one instance can be every context's default.
NO_REQUEST = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("request_context", default=NO_REQUEST)


def current() -> RequestContext:
    return _current.get()


def client_ip(meta: Mapping[str, Any]) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or X-Forwarded-For only behind trusted proxies.

    With ``TRUSTED_PROXY_COUNT`` = n, the proxies append n addresses we trust; the one
    before them is the client. Anything further left is whatever the client claimed.
    """
    remote = meta.get("REMOTE_ADDR")
    # The settings module's dict mixes value types; NUM_PROXIES is always an int.
    proxies = cast(int, settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            remote = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None


def request_id_from(meta: Mapping[str, Any]) -> uuid.UUID:
    """A valid incoming X-Request-ID (a UUID) is kept; anything else gets a fresh one."""
    try:
        return uuid.UUID(meta.get("HTTP_X_REQUEST_ID", ""))
    except ValueError:
        return uuid.uuid4()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(
            request_id=request_id_from(request.META),
            ip_address=client_ip(request.META),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        )
        # Django's request takes extra attributes; the stubs cannot know this one (error_body reads it).
        request.request_id = context.request_id  # type: ignore[attr-defined]
        token = _current.set(context)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = str(context.request_id)
        return response
