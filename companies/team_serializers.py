"""Input and output shapes of the teams API: my invitations, bulk invitations, leaving.

snake_case here; camelCase on the wire (the renderer and parser, ADR-003).
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from eventlead.core.exceptions import ValidationFailed, error_body
from eventlead.core.openapi import Error
from eventlead.core.strict import input_errors

from .invitations import BulkOutcome, BulkReason, BulkRow
from .models import UserInvitation
from .serializers import InvitationCreateInput, InvitationOutput

MAX_BULK_ROWS = 100


class ReceivedInvitationOutput(serializers.ModelSerializer):
    """A pending invitation to the caller's address, as the caller's inbox shows it."""

    invitation_id = serializers.IntegerField(source="id", help_text="Accept or decline it by this id.")
    company_id = serializers.IntegerField()
    company_name = serializers.CharField(source="company.display_name", help_text="The company's display name.")
    role = serializers.CharField(source="role.code")
    invited_by_name = serializers.CharField(source="invited_by.full_name", help_text="The inviting admin's name.")

    class Meta:
        model = UserInvitation
        fields = ["invitation_id", "company_id", "company_name", "role", "invited_by_name", "invited_at", "expires_at"]


class ReceivedInvitationPageOutput(serializers.Serializer):
    results = ReceivedInvitationOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page; null on the last.")


class InvitationRowsField(serializers.ListField):
    """Up to ``MAX_BULK_ROWS`` rows of the single create's input, each checked on its own.

    A row's own errors do not fail the request: the row becomes the ``ValidationFailed`` its
    input gave (its result is ``invalid``), and the other rows go on. Only the list itself (not
    a list, empty, too long) is the request's 400. A row's values of the wrong JSON type are
    among its own errors: ``eventlead.core.strict`` checks the rows here, one at a time, not
    with the request (``items_checked_alone``).
    """

    items_checked_alone = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=InvitationCreateInput(), min_length=1, max_length=MAX_BULK_ROWS, **kwargs)

    def run_child_validation(self, data: list[Any]) -> list[dict[str, str] | ValidationFailed]:
        rows: list[dict[str, str] | ValidationFailed] = []
        for item in data:
            row = InvitationCreateInput(data=item)
            mistyped = input_errors(row, item)
            if mistyped:
                rows.append(ValidationFailed(fields=mistyped))
            elif row.is_valid():
                rows.append(dict(row.validated_data))
            else:
                fields = {name: [str(message) for message in messages] for name, messages in row.errors.items()}
                rows.append(ValidationFailed(fields=fields))
        return rows


class InvitationRowsFieldSchema(OpenApiSerializerFieldExtension):
    """Document a row as the single create's body, or any other value (that row's ``invalid`` result).

    A row that does not fit is its own result, not the request's 400, so the document may not
    make it a violation of the request: otherwise a client (or schemathesis) sending a row with a
    number for a name is told the request is invalid, and gets a 207. The items are ``anyOf`` the
    row's shape, for clients to build rows by, and any value, for what the server takes.
    """

    target_class = InvitationRowsField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        row = auto_schema.resolve_serializer(InvitationCreateInput, direction).ref
        anything = {"description": "Any other value is taken too: that row's result is invalid, with its errors."}
        return {"type": "array", "items": {"anyOf": [row, anything]}}


class BulkInvitationInput(serializers.Serializer):
    invitations = InvitationRowsField(
        help_text=f"1 to {MAX_BULK_ROWS} invitations, each as the single create takes it. "
        "An address is invited once: a later row with the address of an earlier valid row is a duplicate "
        "(an invalid row claims no address)."
    )


class BulkInvitationResultOutput(serializers.Serializer):
    """What became of one row, at the row's position."""

    index = serializers.IntegerField(help_text="The row's position in the request, from 0.")
    email = serializers.CharField(
        allow_null=True, help_text="The row's address in its canonical form; null when the row has no valid address."
    )
    outcome = serializers.ChoiceField(
        choices=BulkOutcome.ALL,
        help_text="created: invited (see invitation). conflict: the address has a pending invitation or belongs to "
        "an active member, or is a duplicate of an earlier row. invalid: the row's fields are wrong (see error). "
        "limited: the plan's seats (MaxUsers) are taken, or the address has had its share of invitation emails.",
    )
    reason = serializers.ChoiceField(
        choices=[
            BulkReason.ACTIVE_MEMBER,
            BulkReason.PENDING_INVITATION,
            BulkReason.DUPLICATE,
            BulkReason.VALIDATION,
            BulkReason.MAX_USERS,
            BulkReason.EMAIL_LIMIT,
        ],
        allow_null=True,
        help_text="Why the row was not created; null when it was.",
    )
    invitation = InvitationOutput(allow_null=True, help_text="The invitation as the single create returns it.")
    error = serializers.SerializerMethodField(help_text="The refusal in the API's error shape; null when created.")

    @extend_schema_field(Error(allow_null=True))
    def get_error(self, row: BulkRow) -> dict[str, Any] | None:
        if row.error is None:
            return None
        body: dict[str, Any] = error_body(row.error.code, row.error.message, row.error.fields)["error"]
        return body


class BulkInvitationOutput(serializers.Serializer):
    results = BulkInvitationResultOutput(many=True, help_text="One result per row, in the rows' order.")
