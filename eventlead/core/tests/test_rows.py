"""RowFormat writes values rows as the serializer writes instances, and refuses what it cannot plan."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import serializers

from eventlead.core.renderers import CamelCaseJSONRenderer, CamelCaseRow, camelize
from eventlead.core.rows import RowFormat


class Output(serializers.Serializer):
    user_id = serializers.IntegerField(source="id")
    email = serializers.EmailField(source="user.email")
    secret = serializers.CharField(write_only=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    seen_at = serializers.DateTimeField()
    label = serializers.SerializerMethodField()


def test_lookups_follow_the_sources_and_rows_are_represented_by_each_field():
    row_format = RowFormat(Output, computed={"label": (["user__email", "id"], lambda email, pk: f"{pk}:{email}")})

    assert row_format.lookups == ["id", "user__email", "rate", "seen_at"]
    assert row_format.render([7, "a@example.com", Decimal("0.1"), datetime(2026, 12, 2, 9, 30, tzinfo=UTC)]) == {
        "userId": 7,
        "email": "a@example.com",
        "rate": "0.10",
        "seenAt": "2026-12-02T09:30:00Z",
        "label": "7:a@example.com",
    }


def test_a_null_column_is_none_without_its_field_and_a_prefix_reaches_through_a_join():
    row_format = RowFormat(Output, computed={"label": ([], lambda: "x")}, prefix="membership__")

    assert row_format.lookups == [
        "membership__id",
        "membership__user__email",
        "membership__rate",
        "membership__seen_at",
    ]
    assert row_format.render_all([[1, None, None, None]]) == [
        {"userId": 1, "email": None, "rate": None, "seenAt": None, "label": "x"}
    ]


def test_a_method_field_must_be_computed():
    with pytest.raises(ImproperlyConfigured, match=r"Output.label must be given in computed"):
        RowFormat(Output)


def test_a_whole_instance_field_cannot_come_from_a_row():
    class Whole(serializers.Serializer):
        everything = serializers.CharField(source="*")

    with pytest.raises(ImproperlyConfigured, match="source='\\*'"):
        RowFormat(Whole)


class Dated(serializers.Serializer):
    seen_at = serializers.DateTimeField()
    settings_json = serializers.JSONField()


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 6, 2, 23, 59, tzinfo=ZoneInfo("Australia/Perth")),
        datetime(2026, 12, 2, 9, 30),  # naive: DRF's own handling
        "2026-12-02T09:30:00Z",  # already text
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Australia/Sydney"])
def test_datetimes_and_json_read_as_drf_and_the_renderer_write_them(value, zone):
    # The request's time zone (activated), not the process's (TIME_ZONE stays UTC).
    nested = {"api_key_name": "x", "list_of": [{"inner_key": 1}]}
    row_format = RowFormat(Dated)

    with timezone.override(zone):
        ours = row_format.render([value, nested])
        theirs = json.loads(CamelCaseJSONRenderer().render(Dated({"seen_at": value, "settings_json": nested}).data))

    assert ours == theirs
    assert ours["settingsJson"] == {"apiKeyName": "x", "listOf": [{"innerKey": 1}]}


def test_rows_pass_through_the_renderer_as_they_are():
    row_format = RowFormat(Output, computed={"label": ([], lambda: "snake_value")})
    rows = row_format.render_all([[1, "a@example.com", Decimal("2"), None]])

    assert type(rows[0]) is CamelCaseRow
    assert camelize(rows) == rows and camelize(rows)[0] is rows[0]


class Styled(serializers.Serializer):
    plain = serializers.DateTimeField()
    in_tokyo = serializers.DateTimeField(default_timezone=ZoneInfo("Asia/Tokyo"))
    year_only = serializers.DateTimeField(format="%Y")


def test_a_datetime_field_with_its_own_zone_or_format_is_written_by_drf():
    when = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)

    with timezone.override("Australia/Sydney"):
        ours = RowFormat(Styled).render([when, when, when])

    assert ours == {"plain": "2027-01-01T07:00:00+11:00", "inTokyo": "2027-01-01T05:00:00+09:00", "yearOnly": "2027"}


def test_a_datetime_past_the_calendar_in_the_current_zone_fails_as_drf_fails():
    from rest_framework.exceptions import ValidationError

    near_the_end = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)

    with timezone.override("Australia/Sydney"), pytest.raises(ValidationError) as ours:
        RowFormat(Styled).render([near_the_end, None, None])
    with timezone.override("Australia/Sydney"), pytest.raises(ValidationError) as theirs:
        serializers.DateTimeField().to_representation(near_the_end)

    assert ours.value.detail == theirs.value.detail
