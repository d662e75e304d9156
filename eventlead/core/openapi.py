"""The OpenAPI document's error responses and links between operations.

Views declare their successful responses and, where a status has a business meaning of its
own, a description for it (``409: OpenApiResponse(description="conflict: ...")``). This
schema class adds the statuses any operation of its kind can answer and gives every 4xx and
5xx response the error shape of spec/api.md, so no view repeats them.

``add_links`` (a drf-spectacular postprocessing hook) adds OpenAPI links from the operations
whose answers carry an id or a token to the operations that take it: a client generator can
name the next call, and schemathesis's stateful phase follows them with real ids.
"""

import copy
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from .parsers import MAX_DEPTH

FIELD_ERRORS = "FieldErrors"
FIELD_ERRORS_REF = {"$ref": f"#/components/schemas/{FIELD_ERRORS}"}
# The handler keeps DRF's nesting (eventlead/core/exceptions.py, ``_fields``): a field's messages,
# or a nested object's own field errors, or a list's, by row (a list of objects) or by position
# (``{"invitations": {"0": {"role": [...]}}}``). anyOf, not oneOf: an empty list fits two branches.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Messages by camelCase field name. A nested object's or a list's errors nest the same "
    "way: by field name, or by the row's position from 0.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "array", "items": FIELD_ERRORS_REF},
            FIELD_ERRORS_REF,
        ]
    },
}


@extend_schema_field(FIELD_ERRORS_REF)
class FieldErrorsField(serializers.DictField):
    """Field errors as the handler nests them; ``add_field_errors`` puts their recursive schema in the document."""


class Error(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable snake_case code clients switch on, e.g. validation_error.")
    message = serializers.CharField(help_text="A human-readable summary.")
    # DRF's metaclass moves declared fields off the class, so this does not replace the ``fields`` property.
    fields = FieldErrorsField(  # type: ignore[assignment]
        required=False, help_text="Present only for field errors."
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
    414: "URI Too Long: the request line is over the HTTP server's limit (gunicorn's limit_request_line, "
    "4094 bytes, or the proxy's). The server refuses it before the API sees it, in its own text/html, "
    "not the error shape. Values within their documented maxLength stay well under the limit.",
    429: "throttled: too many requests; try again later.",
    500: "server_error: quote the requestId when reporting it.",
    503: "service_unavailable or upstream_unavailable: a service we depend on is down; try again shortly.",
}


# A character Python's str.strip() keeps: a value with one is not blank once DRF has trimmed it.
NOT_ONLY_WHITESPACE = "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


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
        if "414" in responses:
            responses["414"].setdefault("content", {"text/html": {"schema": {"type": "string"}}})
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

    def _map_serializer_field(self, field: serializers.Field[Any, Any, Any, Any], direction: str, *args: Any) -> Any:
        """Say that a required text field needs more than whitespace, as DRF decides it.

        DRF strips a string before its blank check (``CharField.trim_whitespace``), so ``"\\f"``
        passes ``minLength: 1`` but is refused as blank. The pattern names exactly the characters
        Python's ``str.strip()`` removes, not the regex ``\\s``: the two sets differ (\\x1c-\\x1f and
        \\x85 are whitespace to Python only, \\ufeff to ECMAScript only), and each difference would be
        a request the document and the server judge differently.
        """
        schema = super()._map_serializer_field(field, direction, *args)  # type: ignore[no-untyped-call]
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "enum" not in schema
            # A pattern of the field's own comes later (drf-spectacular's validators pass) and says more.
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        ):
            schema["pattern"] = NOT_ONLY_WHITESPACE
        return schema

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        """Return the statuses this operation can answer whatever its business rules: input, auth, rate, outage."""
        parameters = operation.get("parameters", [])
        statuses = [500, 503]
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            statuses.append(400)
        if "requestBody" in operation:
            statuses.append(413)
        if parameters:
            statuses.append(414)  # A long enough query or path value; the rest of the line is fixed.
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


# OpenAPI links (OpenAPI 3.0.3, "Link Object"), by the source operation's operationId and status.
# Parameter names are the target's (path parameters are snake_case, bodies camelCase); the
# values are runtime expressions into the source's request or response. A request body given
# as an object of expressions is schemathesis's reading of ``requestBody``: each expression is
# evaluated and the object is merged into the body it generates.
# eventlead/core/tests/test_openapi_links.py checks each one against the document.
COMPANY_OPERATIONS = {
    "GetCompany": "v1_companies_retrieve",
    "UpdateCompany": "v1_companies_partial_update",
    "ListMembers": "v1_companies_members_retrieve",
    "ListInvitations": "v1_companies_invitations_retrieve",
    "CreateInvitation": "v1_companies_invitations_create",
    "CreateInvitationsInBulk": "v1_companies_invitations_bulk_create",
    "GetBillingDetails": "v1_companies_billing_details_retrieve",
    "UpdateBillingDetails": "v1_companies_billing_details_partial_update",
    "GetOrganizerDetails": "v1_companies_organizer_details_retrieve",
    "UpdateOrganizerDetails": "v1_companies_organizer_details_partial_update",
    "ListActivity": "v1_companies_activity_retrieve",
    "LeaveCompany": "v1_companies_leave_create",
}
COMPANY_READS = {
    name: operation_id for name, operation_id in COMPANY_OPERATIONS.items() if name.startswith(("Get", "List"))
}
INVITATION_OPERATIONS = {
    "ResendInvitation": "v1_companies_invitations_resend_create",
    "CancelInvitation": "v1_companies_invitations_cancel_create",
}
MEMBER_OPERATIONS = {
    "ChangeMemberRole": "v1_companies_members_partial_update",
    "RemoveMember": "v1_companies_members_destroy",
}
RECEIVED_INVITATION_OPERATIONS = {
    "AcceptInvitation": "v1_users_me_invitations_accept_create",
    "DeclineInvitation": "v1_users_me_invitations_decline_create",
}
REFRESH_IN_BODY = "$response.body#/refresh"
COMPANY_IN_PATH = "$request.path.company_id"


def _links(operations: dict[str, str], **parameters: str) -> dict[str, dict[str, Any]]:
    return {name: {"operationId": target, "parameters": parameters} for name, target in operations.items()}


def _token_links() -> dict[str, dict[str, Any]]:
    """Links from an answer carrying a refresh token to the operations that spend it."""
    body = {"refresh": REFRESH_IN_BODY}
    return {
        "RefreshToken": {"operationId": "v1_auth_token_refresh_create", "requestBody": body},
        "SignOut": {"operationId": "v1_auth_logout_create", "requestBody": body},
    }


LINKS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("v1_companies_create", "201"): _links(COMPANY_OPERATIONS, company_id="$response.body#/companyId"),
    # From the list, what there is to read about a company; from its creation, everything one can do with it.
    ("v1_companies_list", "200"): _links(COMPANY_READS, company_id="$response.body#/0/companyId"),
    ("v1_companies_invitations_create", "201"): _links(
        INVITATION_OPERATIONS, company_id=COMPANY_IN_PATH, invitation_id="$response.body#/invitationId"
    ),
    ("v1_companies_invitations_retrieve", "200"): _links(
        INVITATION_OPERATIONS, company_id=COMPANY_IN_PATH, invitation_id="$response.body#/results/0/invitationId"
    ),
    ("v1_companies_invitations_bulk_create", "207"): _links(
        INVITATION_OPERATIONS,
        company_id=COMPANY_IN_PATH,
        invitation_id="$response.body#/results/0/invitation/invitationId",
    ),
    ("v1_companies_invitations_resend_create", "200"): _links(
        {"CancelInvitation": INVITATION_OPERATIONS["CancelInvitation"]},
        company_id=COMPANY_IN_PATH,
        invitation_id="$response.body#/invitationId",
    ),
    ("v1_companies_members_retrieve", "200"): _links(
        MEMBER_OPERATIONS, company_id=COMPANY_IN_PATH, user_company_id="$response.body#/results/0/userCompanyId"
    ),
    ("v1_companies_members_partial_update", "200"): _links(
        {"RemoveMember": MEMBER_OPERATIONS["RemoveMember"]},
        company_id=COMPANY_IN_PATH,
        user_company_id="$response.body#/userCompanyId",
    ),
    ("v1_users_me_invitations_retrieve", "200"): _links(
        RECEIVED_INVITATION_OPERATIONS, invitation_id="$response.body#/results/0/invitationId"
    ),
    ("v1_auth_sessions_retrieve", "200"): _links(
        {"RevokeSession": "v1_auth_sessions_destroy"}, session_id="$response.body#/results/0/sessionId"
    ),
    ("v1_auth_signup_create", "202"): {
        "SignIn": {
            "operationId": "v1_auth_login_create",
            "requestBody": {"email": "$request.body#/email", "password": "$request.body#/password"},
        },
        "ResendVerificationEmail": {
            "operationId": "v1_auth_verify_email_resend_create",
            "requestBody": {"email": "$request.body#/email"},
        },
    },
    # Login answers tokens, or an MFA challenge whose token the second step takes.
    ("v1_auth_login_create", "200"): {
        **_token_links(),
        "VerifyMfa": {
            "operationId": "v1_auth_mfa_verify_create",
            "requestBody": {"mfaToken": "$response.body#/mfaToken"},
        },
    },
    ("v1_auth_mfa_verify_create", "200"): _token_links(),
    ("v1_auth_token_refresh_create", "200"): _token_links(),
    ("v1_auth_password_change_create", "200"): _token_links(),
    ("v1_invitations_accept_create", "201"): _token_links(),
}


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Put each of ``LINKS`` on its source response (a drf-spectacular postprocessing hook).

    A link whose source operation or status is not in the document is left out; the links test
    fails on it, so a renamed operation cannot drop its links unnoticed.
    """
    responses_by_id = {
        operation["operationId"]: operation["responses"]
        for methods in result["paths"].values()
        for operation in methods.values()
    }
    for (operation_id, status_code), links in LINKS.items():
        response = responses_by_id.get(operation_id, {}).get(status_code)
        if response is not None:
            response["links"] = copy.deepcopy(links)
    return result


def add_field_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the recursive ``FieldErrors`` schema the error shape refers to (a drf-spectacular postprocessing hook)."""
    result["components"]["schemas"][FIELD_ERRORS] = copy.deepcopy(FIELD_ERRORS_SCHEMA)
    return result
