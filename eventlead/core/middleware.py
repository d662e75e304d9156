"""Request and response details every answer needs, whichever view, handler or middleware produced it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from eventlead.core.exceptions import error_page_for_status

# Where ContentLengthMiddleware keeps the header it replaced, for the request log.
CLAIMED_CONTENT_LENGTH = "eventlead.claimed_content_length"


class ContentLengthMiddleware:
    """Treat a Content-Length that is not a number as no body, as the WSGI handler already did.

    Django's ``WSGIRequest`` reads such a body as 0 bytes, but ``HttpRequest.body`` calls
    ``int()`` on the header again and a form POST with ``Content-Length: abc`` was a 500 under
    runserver (gunicorn refuses it with a 400 before Django sees it). First in MIDDLEWARE. The
    value as sent stays in ``META[CLAIMED_CONTENT_LENGTH]``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        value = request.META.get("CONTENT_LENGTH")
        if value:
            try:
                int(value)
            except ValueError:
                request.META[CLAIMED_CONTENT_LENGTH] = value
                request.META["CONTENT_LENGTH"] = "0"
        return self.get_response(request)


class ApiNoStoreMiddleware:
    """Mark every response under /api/ ``Cache-Control: no-store``, unless its view chose a policy.

    API answers carry tokens and personal data (login, refresh, users/me, companies, members,
    invitations): no browser or shared cache may keep them (OWASP REST Security Cheat Sheet,
    "Security headers"). Errors are covered too. A view that means to be cacheable says so by
    setting its own Cache-Control, which is left as it is: the public reference lists do.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True)
        return response


class ApiErrorShapeMiddleware:
    """Under /api/, an error answer that is not JSON becomes the error shape with its status.

    Django's handlers (``handler400`` and the rest, ``eventlead/core/exceptions.py``) already
    answer /api/ in the error shape, but only with DEBUG off: under DEBUG (``make run``) Django
    renders its technical pages instead, for an unknown Host, a body over the upload limit, an
    unknown path or a crash. The contract holds in development too; the traceback still goes to
    the console through Django's request logger. Inside ApiNoStoreMiddleware, so the answer is
    ``no-store``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not content_type.startswith("application/json")
        ):
            status = response.status_code
            if status == 400 and _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                status = 413  # DEBUG's page for RequestDataTooBig says 400; it is a body over the limit
            return error_page_for_status(request, status)
        return response


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
