"""The orjson renderer writes what djangorestframework-camel-case's renderer on DRF's writes."""

import json
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.render import CamelCaseJSONRenderer as LibraryRenderer
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.utils.serializer_helpers import ReturnDict

from eventlead.core.renderers import CamelCaseJSONRenderer, camel_key

ours, theirs = CamelCaseJSONRenderer(), LibraryRenderer()

keys = st.one_of(
    st.sampled_from(["company_id", "a_b_c", "_private", "trailing_", "address_line_1", "x2_y", "ABN", "already"]),
    st.text(alphabet="ab_12Z\u00e9", max_size=8),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),  # any code point, \u2028, \u2029 and control characters included
    st.datetimes(timezones=st.sampled_from([UTC, ZoneInfo("Australia/Sydney")])),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.uuids(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_document_renders_to_the_same_bytes(document):
    assert ours.render(document) == theirs.render(document)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, st.floats(allow_nan=False, allow_infinity=False), max_size=4))
def test_floats_render_to_the_same_values(document):
    # orjson writes 1e-05 as 1e-5: the same number, other characters.
    assert json.loads(ours.render(document)) == json.loads(theirs.render(document))


@pytest.mark.parametrize(
    "make_document",
    [
        lambda: ReturnDict({"first_name": "Ana", "companies": [OrderedDict(company_id=1)]}, serializer=None),
        lambda: {"detail": gettext_lazy("Not found."), gettext_lazy("error_code"): "x"},
        lambda: {"ids": (1, 2), "set_of": {3}, "gen": (n for n in range(2))},
        lambda: {"line\u2028sep": "para\u2029graph", "ctl": "\x00\x1f\x7f"},
        lambda: {"big_number": 2**70},  # past orjson's 64 bits: DRF's renderer writes it
        lambda: {
            "when": datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
            "day": date(2026, 12, 2),
            "span": timedelta(seconds=90),
        },
        lambda: {"amount": Decimal("12.50"), "id": uuid.UUID(int=7), 5: "int key", None: "none key"},
        lambda: [],
        lambda: "just a string",
    ],
)
def test_the_values_drf_knows_render_as_drf_renders_them(make_document):
    # A fresh document for each renderer: a generator in it can be read once.
    assert ours.render(make_document()) == theirs.render(make_document())


def test_nothing_renders_as_an_empty_body():
    assert ours.render(None) == b""


def test_a_requested_indent_is_honoured():
    body = ours.render({"first_name": "Ana"}, "application/json; indent=2")

    assert body == b'{\n  "firstName": "Ana"\n}'


def test_keys_are_converted_by_the_library_rule():
    assert [camel_key(k) for k in ("company_id", "address_line_1", "a__b", "_x")] == [
        "companyId",
        "addressLine1",
        "a_B",
        "X",
    ]
