"""The activity feed's query and its page (``companies.activity``).

snake_case here; camelCase on the wire (the renderer, ADR-003).
"""

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from eventlead.core.converters import MAX_ID

from .activity import ACTION_CODES

MESSAGE_ACTOR = f"Give a user id: a whole number from 1 to {MAX_ID}."
MESSAGE_ACTION = "Give one of the feed's action codes, e.g. invitation_created."
MESSAGE_MOMENT = "Give an ISO 8601 date-time with its UTC offset, e.g. 2026-12-01T09:00:00+10:00 (send + as %2B)."
MESSAGE_UNTIL_NOT_AFTER_SINCE = "Give a time later than since."


class UserIdField(serializers.IntegerField):
    """A user id as the query string gives it: digits only (no sign, point or exponent)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = str(data)
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID):
            raise serializers.ValidationError(MESSAGE_ACTOR)
        return int(text)


class MomentField(serializers.DateTimeField):
    """An instant: an ISO 8601 date-time with its offset, as UTC.

    A time without an offset is refused rather than read in the server's zone, which would move
    the window by the caller's distance from it.
    """

    def to_internal_value(self, value: Any) -> datetime:
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
            if moment is None or moment.tzinfo is None:
                raise ValueError(value)
            return moment.astimezone(UTC)  # a time at the calendar's edge overflows here, not in the query
        except (ValueError, OverflowError):
            raise serializers.ValidationError(MESSAGE_MOMENT) from None


class ActivityFilterInput(serializers.Serializer):
    """The feed's filters, as ``ActivityFilters`` takes them (``validated_query`` gives its fields)."""

    actor = UserIdField(source="actor_id", required=False, help_text="Only what this user did (their user id).")
    # An enum: an action the feed cannot show is a 400, not an empty page. Empty is no filter.
    action = serializers.ChoiceField(
        choices=ACTION_CODES,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": MESSAGE_ACTION},
        help_text="Only entries of this action; empty for every action.",
    )
    since = MomentField(required=False, help_text="Only entries at or after this time (ISO 8601 with an offset).")
    until = MomentField(required=False, help_text="Only entries before this time (ISO 8601 with an offset).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since is not None and until is not None and until <= since:
            raise serializers.ValidationError({"until": [MESSAGE_UNTIL_NOT_AFTER_SINCE]})
        if not attrs.get("action"):
            attrs.pop("action", None)
        return attrs


class ActorOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField(help_text="First and last name; empty if the user gave none.")
    email = serializers.EmailField()


class TargetOutput(serializers.Serializer):
    type = serializers.CharField(
        help_text="What the entry is about: company, member, invitation, user, billing_details, organizer_details."
    )
    id = serializers.IntegerField(allow_null=True, help_text="Its id (a member's is the membership's).")
    # DRF's metaclass moves declared fields off the class, so this does not replace Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="Its name as the company knows it now: a member's name, an address."
    )


class ActivityEntryOutput(serializers.Serializer):
    id = serializers.CharField(help_text='Unique across the feed: "activity:12", "role:4", "company:7".')
    action = serializers.CharField(help_text="A stable code, e.g. invitation_created, role_changed.")
    occurred_at = serializers.DateTimeField()
    actor = ActorOutput(allow_null=True, help_text="Who did it; null for the system.")
    target = TargetOutput()
    summary = serializers.CharField(
        help_text='What happened, in a sentence: "Mia Nguyen invited new.hire@example.com".'
    )


class ActivityPageOutput(serializers.Serializer):
    results = ActivityEntryOutput(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page; null on the last.")
