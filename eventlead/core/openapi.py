"""The OpenAPI document's error responses: one ``ErrorResponse`` component, on every operation that can fail.

Views declare their successful responses and, where a status has a business meaning of its
own, a description for it (``409: OpenApiResponse(description="conflict: ...")``). This
schema class adds the statuses any operation of its kind can answer and gives every 4xx and
5xx response the error shape of spec/api.md, so no view repeats them.
"""

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from .parsers import MAX_DEPTH


class Error(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable snake_case code clients switch on, e.g. validation_error.")
    message = serializers.CharField(help_text="A human-readable summary.")
    # DRF's metaclass moves declared fields off the class, so this does not replace the ``fields`` property.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by camelCase field name; present only for field errors.",
    )
    request_id = serializers.UUIDField(required=False, help_text="Quote it when reporting a problem.")


class ErrorResponse(serializers.Serializer[Any]):
    """The one shape of every error (spec/api.md, "Errors")."""

    error = Error()


ERROR_DESCRIPTIONS = {
    400: f"validation_error (with fields; or a body nested over {MAX_DEPTH} levels deep) or parse_error: "
    "the request is malformed or invalid.",
    401: "not_authenticated or token_invalid: no valid bearer token.",
    403: "permission_denied or password_expired.",
    404: "not_found: no such resource, or one the caller may not see.",
    409: "conflict: the change conflicts with existing data.",
    413: "payload_too_large: the body is over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 1 MiB).",
    429: "throttled: too many requests; try again later.",
    500: "server_error: quote the requestId when reporting it.",
    503: "service_unavailable or upstream_unavailable: a service we depend on is down; try again shortly.",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error responses each operation can give."""

    # drf-spectacular leaves its private ``_get_*`` helpers unannotated, hence the no-untyped-call ignores below.
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        """Add the operation's generic error statuses and put the error shape on every 4xx and 5xx."""
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status_code in self._error_statuses(operation):
            responses.setdefault(str(status_code), {"description": ERROR_DESCRIPTIONS[status_code]})
        for status_code, response in responses.items():
            if int(status_code) >= 400 and "content" not in response:
                error = self._get_response_for_code(ErrorResponse, status_code)  # type: ignore[no-untyped-call]
                response["content"] = error["content"]
        return operation

    def _get_request_body(self, direction: str = "request") -> Any:
        """Describe a declared DELETE body too (member removal takes a ``reason``, spec/api.md).

        drf-spectacular documents bodies for POST, PUT and PATCH only; OpenAPI 3.0 leaves a
        DELETE body allowed but undefined, and our clients send one, so it is described as PUT's.
        """
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)  # type: ignore[no-untyped-call]
        self.method = "PUT"
        try:
            return super()._get_request_body(direction)  # type: ignore[no-untyped-call]
        finally:
            self.method = "DELETE"

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        """Return the statuses this operation can answer whatever its business rules: input, auth, rate, outage."""
        parameters = operation.get("parameters", [])
        statuses = [500, 503]
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            statuses.append(400)
        if "requestBody" in operation:
            statuses.append(413)
        if self.view.get_authenticators():
            statuses.append(401)  # A bearer token that is present but invalid, even where it is optional.
        # Being signed in is a 401 matter; any further permission (a fresh password, a role) can be a 403.
        if any(not isinstance(permission, (AllowAny, IsAuthenticated)) for permission in self.view.get_permissions()):
            statuses.append(403)
        if any(p["in"] == "path" for p in parameters):
            statuses.append(404)
        if self.view.get_throttles():
            statuses.append(429)
        return statuses
