"""Domain errors with a stable ``code`` and HTTP status, and the API's one error shape.

Services raise these; the exception handler renders every error, DRF's and Django's
included, as ``{"error": {"code", "message", "fields"?, "requestId"}}`` (spec/api.md).
Django's own 400 and 403 pages (``bad_request``, ``permission_denied``: an unknown Host, a
body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` outside DRF) answer in the same shape under /api/.
"""

import logging
from typing import Any, ClassVar, cast

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken

logger = logging.getLogger(__name__)

MESSAGE_VALIDATION = "The request has invalid fields."
MESSAGE_NOT_FOUND = "Not found."
MESSAGE_SERVER_ERROR = "Something went wrong on our side. Quote the request id when reporting it."
MESSAGE_UNAVAILABLE = "The service is briefly unavailable. Try again in a moment."
MESSAGE_BAD_REQUEST = "The request is malformed."
MESSAGE_PAYLOAD_TOO_LARGE = "The request body is too large."


class DomainError(Exception):
    """A business rule refused the request."""

    code: ClassVar[str] = "bad_request"
    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    message: str = "The request cannot be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, Any] | None = None) -> None:
        self.message = message or self.message
        self.fields = fields
        super().__init__(self.message)


class InvalidCredentials(DomainError):
    code, status_code, message = "invalid_credentials", 401, "Email or password is incorrect."


class EmailNotVerified(DomainError):
    code, status_code, message = "email_not_verified", 403, "Verify your email address before signing in."


class TokenInvalid(DomainError):
    code, status_code, message = "token_invalid", 400, "This link or token is not valid."


class TokenExpired(DomainError):
    code, status_code, message = "token_expired", 400, "This link or token has expired."


class ReauthenticationRequired(DomainError):
    """A sensitive operation needs a sign-in more recent than ``security.reauth_minutes``."""

    code, status_code, message = (
        "reauthentication_required",
        401,
        "Confirm your password again to do this (POST /api/v1/auth/reauthenticate).",
    )


class PasswordExpired(DomainError):
    code, status_code, message = "password_expired", 403, "Your password has expired. Change it to continue."


class MfaRequired(DomainError):
    """The company requires MFA of its members and the caller has not turned it on."""

    code, status_code, message = (
        "mfa_required",
        403,
        "This company requires two-factor authentication. Turn it on (POST /api/v1/auth/mfa/totp/setup) to continue.",
    )


class Conflict(DomainError):
    code, status_code, message = "conflict", 409, "This conflicts with existing data."


class Throttled(DomainError):
    code, status_code, message = "throttled", 429, "Too many requests. Try again later."


class NotFound(DomainError):
    code, status_code, message = "not_found", 404, MESSAGE_NOT_FOUND


class PermissionDeniedError(DomainError):
    code, status_code, message = "permission_denied", 403, "You do not have permission to do this."


class UpstreamUnavailable(DomainError):
    code, status_code, message = "upstream_unavailable", 503, "An upstream service is unavailable."


class ValidationFailed(DomainError):
    code, status_code, message = "validation_error", 400, MESSAGE_VALIDATION


class BadRequest(DomainError):
    code, status_code, message = "bad_request", 400, MESSAGE_BAD_REQUEST


class PayloadTooLarge(DomainError):
    """The body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, the one limit on request bodies."""

    code, status_code, message = "payload_too_large", 413, MESSAGE_PAYLOAD_TOO_LARGE


_DRF_CODES = {
    InvalidToken: "token_invalid",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
    drf.ParseError: "parse_error",
    drf.ValidationError: "validation_error",
}


def error_body(
    code: str, message: str, fields: dict[str, Any] | None = None, request: HttpRequest | Request | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    request_id = getattr(request, "request_id", None) if request is not None else None
    if request_id:
        error["requestId"] = str(request_id)
    return {"error": error}


def _fields(detail: object) -> dict[str, Any]:
    """DRF's nested detail as ``{field: [messages]}``; camelCase comes from the renderer."""
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    return {"nonFieldErrors": _messages(detail)}


def _messages(value: object) -> dict[str, Any] | list[Any]:
    if isinstance(value, dict):
        return _fields(value)
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return [_fields(item) for item in value]
        return [str(item) for item in value]
    return [str(value)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error in the single shape of spec/api.md."""
    request = context.get("request")
    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database is unreachable: fail closed, quickly, and say it is temporary.
        logger.error("Database unavailable during %s: %s", getattr(request, "path", "?"), exc)
        return Response(
            error_body("service_unavailable", MESSAGE_UNAVAILABLE, None, request),
            status=503,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, RequestDataTooBig):  # request.body refused the body (Django checks Content-Length)
        exc = PayloadTooLarge()
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.message, _fields(exc.fields) if exc.fields else None, request),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()

    # Imported here: rest_framework.views imports the permission classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # Unhandled: Django's 500 handler renders and logs it.
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, drf.ValidationError):
        response.data = error_body(code, MESSAGE_VALIDATION, _fields(exc.detail), request)
    else:
        # DRF's handler answers API exceptions only (Http404 and PermissionDenied became theirs above).
        detail: object = cast(drf.APIException, exc).detail
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            detail = detail.get("detail", "")
        message = str(detail) if not isinstance(detail, list) else " ".join(map(str, detail))
        response.data = error_body(code, message, None, request)
    return response


def _error_page(request: HttpRequest, error: DomainError) -> JsonResponse:
    return JsonResponse(error_body(error.code, error.message, request=request), status=error.status_code)


# An error answer's status, for an answer Django rendered as a page (see ApiErrorShapeMiddleware).
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: (BadRequest.code, BadRequest.message),
    403: (PermissionDeniedError.code, PermissionDeniedError.message),
    404: (NotFound.code, NotFound.message),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: (PayloadTooLarge.code, PayloadTooLarge.message),
}


def error_page_for_status(request: HttpRequest, status: int) -> JsonResponse:
    """The error shape for an answer of ``status`` that carries nothing else we can use."""
    code, message = _STATUS_ERRORS.get(
        status, ("server_error", MESSAGE_SERVER_ERROR) if status >= 500 else ("bad_request", MESSAGE_BAD_REQUEST)
    )
    return JsonResponse(error_body(code, message, request=request), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 page (``handler400``): an error outside DRF's views, in the error shape under /api/.

    Django answers a ``SuspiciousOperation`` raised by a middleware or while reading the body
    with this page: ``DisallowedHost`` (a Host not in ``ALLOWED_HOSTS``) and
    ``RequestDataTooBig`` (a Content-Length over ``DATA_UPLOAD_MAX_MEMORY_SIZE``), which is a 413.
    """
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    return _error_page(request, PayloadTooLarge() if isinstance(exception, RequestDataTooBig) else BadRequest())


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403 page (``handler403``), in the error shape under /api/."""
    if not request.path.startswith("/api/"):
        return defaults.permission_denied(request, exception)
    return _error_page(request, PermissionDeniedError())
