"""RowFormat writes values rows as the serializer writes instances, and refuses what it cannot plan."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

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
        "user_id": 7,
        "email": "a@example.com",
        "rate": "0.10",
        "seen_at": "2026-12-02T09:30:00Z",
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
        {"user_id": 1, "email": None, "rate": None, "seen_at": None, "label": "x"}
    ]


def test_a_method_field_must_be_computed():
    with pytest.raises(ImproperlyConfigured, match=r"Output.label must be given in computed"):
        RowFormat(Output)


def test_a_whole_instance_field_cannot_come_from_a_row():
    class Whole(serializers.Serializer):
        everything = serializers.CharField(source="*")

    with pytest.raises(ImproperlyConfigured, match="source='\\*'"):
        RowFormat(Whole)
