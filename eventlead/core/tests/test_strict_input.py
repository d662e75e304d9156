"""Strict input (eventlead/core/strict.py): every value as its document types and bounds it, on every operation.

The operations come from the OpenAPI document, so a new endpoint is covered here without being
listed: its body's properties are each sent with the wrong JSON type, its query parameters
outside their bounds, and each must be a 400 naming them. Every serializer an operation
documents must have fields whose JSON type the check knows.
"""

from typing import Any

import pytest
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework import serializers, status

from eventlead.core.exceptions import MESSAGE_VALIDATION
from eventlead.core.strict import (
    MESSAGE_WRONG_TYPE,
    UnknownField,
    input_errors,
    query_errors,
    unknown_fields,
    unknown_query_fields,
)
from eventlead.testing.openapi import assert_documented, openapi_document

from .api_operations import api_operations

pytestmark = pytest.mark.django_db

OPERATIONS = api_operations()
WITH_BODY = [operation for operation in OPERATIONS if operation.has_body]
# The JSON types of the document, as a message names them, and a value of another type.
EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
}
OFF_PATTERN = "This value does not match the required pattern."
WRONG_VALUE = {"string": 0, "integer": "1", "number": "1.5", "boolean": "true", "array": "x", "object": "x"}


def wrong_type(expected: str, given: str) -> list[str]:
    return [MESSAGE_WRONG_TYPE.format(expected=expected, given=given)]


# The mechanism, on a serializer of every kind of field ------------------------------------------


class Address(serializers.Serializer):
    postcode = serializers.RegexField(r"^[0-9]{4}\Z", max_length=4)


class Everything(serializers.Serializer):
    name = serializers.CharField(max_length=5, required=False)
    count = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    active = serializers.BooleanField(required=False)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)
    size = serializers.ChoiceField(choices=[1, 2], required=False)
    when = serializers.DateTimeField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    links = serializers.DictField(child=serializers.URLField(), required=False)
    extra = serializers.JSONField(required=False)
    address = Address(required=False)
    addresses = Address(many=True, required=False)
    nickname = serializers.CharField(allow_null=True, required=False)
    shown = serializers.CharField(read_only=True)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": 0}, {"name": wrong_type("a string", "a number")}),
        ({"name": True}, {"name": wrong_type("a string", "true or false")}),
        ({"name": ["x"]}, {"name": wrong_type("a string", "an array")}),
        ({"name": {"x": 1}}, {"name": wrong_type("a string", "an object")}),
        ({"count": "5"}, {"count": wrong_type("an integer", "a string")}),
        ({"count": True}, {"count": wrong_type("an integer", "true or false")}),
        ({"count": 1.5}, {"count": wrong_type("an integer", "a number with a fraction")}),
        ({"ratio": "0.5"}, {"ratio": wrong_type("a number", "a string")}),
        ({"ratio": False}, {"ratio": wrong_type("a number", "true or false")}),
        ({"active": "yes"}, {"active": wrong_type("true or false", "a string")}),
        ({"active": 1}, {"active": wrong_type("true or false", "a number")}),
        ({"kind": 1}, {"kind": wrong_type("a string", "a number")}),
        ({"size": "1"}, {"size": wrong_type("an integer", "a string")}),
        ({"when": 1700000000}, {"when": wrong_type("a string", "a number")}),
        ({"tags": "x"}, {"tags": wrong_type("an array", "a string")}),
        ({"tags": ["x", 2, "y", False]}, {"tags": {1: wrong_type("a string", "a number"),
                                                   3: wrong_type("a string", "true or false")}}),
        ({"links": ["https://example.com"]}, {"links": wrong_type("an object", "an array")}),
        ({"links": {"web": 5}}, {"links": {"web": wrong_type("a string", "a number")}}),
        ({"address": "2000"}, {"address": wrong_type("an object", "a string")}),
        ({"address": {"postcode": 2000}}, {"address": {"postcode": wrong_type("a string", "a number")}}),
        ({"addresses": {"postcode": "2000"}}, {"addresses": wrong_type("an array", "an object")}),
        ({"addresses": [{"postcode": "2000"}, {"postcode": 3000}]},
         {"addresses": {1: {"postcode": wrong_type("a string", "a number")}}}),
        # As sent: over maxLength, or off the pattern, though not once DRF has trimmed the spaces.
        ({"name": "  abcde  "}, {"name": ["Ensure this field has no more than 5 characters."]}),
        ({"address": {"postcode": " 200"}}, {"address": {"postcode": [OFF_PATTERN]}}),
        ({"name": 0, "count": "5", "active": "no"}, {"name": wrong_type("a string", "a number"),
                                                      "count": wrong_type("an integer", "a string"),
                                                      "active": wrong_type("true or false", "a string")}),
    ],
    ids=[
        "string_number", "string_bool", "string_array", "string_object", "integer_string", "integer_bool",
        "integer_fraction", "number_string", "number_bool", "boolean_string", "boolean_number", "choice_number",
        "integer_choice_string", "datetime_number", "list_string", "list_items", "dict_array", "dict_values",
        "nested_string", "nested_field", "many_object", "many_items", "max_length_as_sent", "pattern_as_sent",
        "every_wrong_field",
    ],
)  # fmt: skip
def test_a_value_of_another_json_type_or_outside_its_bounds_as_sent_is_an_error(body, errors):
    assert input_errors(Everything(data=body), body) == errors


@pytest.mark.parametrize(
    "body",
    [
        {"name": "abc", "count": 5, "ratio": 1, "active": False, "kind": "a", "size": 2},
        {"count": 2.0, "ratio": 0.5},  # a whole float is a JSON Schema integer, and DRF takes it as 2
        {"when": "2026-12-01T09:00:00Z", "tags": ["x"], "links": {"web": "https://example.com"}},
        {"extra": [1, "two", {"three": None}], "address": {"postcode": "2000"}, "addresses": []},
        {"name": None, "nickname": None, "count": None},  # null is the field's own rule (allow_null): DRF's
        {"name": "   ", "address": {"postcode": ""}},  # blank is the field's own rule (allow_blank): DRF's
        {"shown": 5, "unknown": 5},  # read-only and unknown keys are not read
    ],
    ids=["scalars", "whole_float", "strings_lists_dicts", "json_and_nested", "nulls", "blanks", "not_read"],
)
def test_a_value_of_its_json_type_within_its_bounds_is_left_to_the_serializer(body):
    assert input_errors(Everything(data=body), body) == {}


def test_a_body_that_is_not_an_object_is_left_to_the_serializer():
    assert input_errors(Everything(data=[1]), [1]) == {}
    assert not Everything(data=[1]).is_valid()


def test_a_field_whose_json_type_is_not_known_is_an_error_not_a_pass():
    class WithFile(serializers.Serializer):
        upload = serializers.FileField()

    with pytest.raises(UnknownField, match="FileField"):
        input_errors(WithFile(data={"upload": "x"}), {"upload": "x"})
    assert unknown_fields(WithFile()) == ["upload: FileField"]
    assert unknown_query_fields(WithFile()) == ["upload: FileField"]


class Filters(serializers.Serializer):
    word = serializers.CharField(max_length=3, required=False)
    code = serializers.RegexField(r"^[a-z]+\Z", required=False, allow_blank=True)
    count = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"word": " abc"}, {"word": ["Ensure this field has no more than 3 characters."]}),
        ({"code": " abc"}, {"code": [OFF_PATTERN]}),
        ({"count": "5.0"}, {"count": ["A valid integer is required."]}),
        ({"count": " 5"}, {"count": ["A valid integer is required."]}),
        ({"count": "٥"}, {"count": ["A valid integer is required."]}),
        ({"count": ""}, {"count": ["A valid integer is required."]}),  # empty is a value, not the absence of one
        ({"word": ""}, {"word": ["This field may not be blank."]}),
        ({"kind": ""}, {"kind": ['"" is not a valid choice.']}),
        ({"word": "abc", "code": "", "count": "-12", "kind": "a"}, {}),
    ],
    ids=["max_length_as_sent", "pattern_as_sent", "integer_point", "integer_space", "integer_other_digit",
         "integer_empty", "string_empty", "choice_empty", "all_within_bounds"],
)  # fmt: skip
def test_a_query_value_outside_its_bounds_as_sent_is_an_error(query, errors):
    assert query_errors(Filters(data=query), query) == errors


# Every serializer an operation documents ------------------------------------------------------


def _documented_serializers() -> dict[str, tuple[list[Any], list[Any]]]:
    """Each operation's body serializer and query serializers, as drf-spectacular reads them from the view."""
    generator = SchemaGenerator()
    found = {}
    for path, _, method, callback in EndpointEnumerator().get_api_endpoints():
        if not path.startswith("/api/v1/"):
            continue  # the document's own pages (/api/schema/, /api/docs/), which it leaves out
        view = generator.create_view(callback, method)
        body = view.schema.get_request_serializer() if method in ("POST", "PUT", "PATCH", "DELETE") else None
        queries = [p for p in view.schema.get_override_parameters() if isinstance(p, type | serializers.Serializer)]
        instances = [item() if isinstance(item, type) else item for item in [body, *queries] if item is not None]
        found[f"{method} {path}"] = (instances[: int(body is not None)], instances[int(body is not None) :])
    return found


def test_every_serializer_an_operation_documents_has_fields_the_check_knows():
    documented = _documented_serializers()

    assert len(documented) == len(OPERATIONS)
    unknown = {
        label: [*(f for s in bodies for f in unknown_fields(s)), *(f for s in queries for f in unknown_query_fields(s))]
        for label, (bodies, queries) in documented.items()
    }
    assert {label: fields for label, fields in unknown.items() if fields} == {}
    # The query serializers, which the check walks as text: the ones the document lists today at least.
    with_query = {label for label, (_, queries) in documented.items() if queries}
    assert {
        "GET /api/v1/abr/search",
        "GET /api/v1/companies/{company_id}/activity",
        "GET /api/v1/companies/{company_id}/invitations",
    } <= with_query


# Over HTTP, on every operation -----------------------------------------------------------------


def _resolved(schema: dict, document: dict | None = None) -> dict:
    """A property's schema with its $ref followed and its first oneOf branch taken (blank is the other)."""
    components = (document or openapi_document())["components"]["schemas"]
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "oneOf" in schema:
        schema = schema["oneOf"][0]
    return schema


def _request_schema(operation) -> dict:
    methods = openapi_document()["paths"][operation.path]
    body = methods[operation.method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    return _resolved(body)


@pytest.mark.parametrize("operation", WITH_BODY, ids=str)
def test_every_property_of_every_body_sent_with_another_json_type_is_a_400_naming_it(company_admin, operation):
    properties = {name: _resolved(schema) for name, schema in _request_schema(operation)["properties"].items()}
    assert all(schema.get("type") in WRONG_VALUE for schema in properties.values()), properties
    body = {name: WRONG_VALUE[schema["type"]] for name, schema in properties.items()}

    response = getattr(company_admin.client, operation.method.lower())(
        operation.url(company_admin.values), body, format="json"
    )

    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.content
    given = {name: "a number" if value == 0 else "a string" for name, value in body.items()}
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": MESSAGE_VALIDATION,
            "fields": {name: wrong_type(EXPECTED[schema["type"]], given[name]) for name, schema in properties.items()},
            "requestId": response["X-Request-ID"],
        }
    }
    assert_documented(response)


def _outside(schema: dict, document: dict) -> str | None:
    """A query value the parameter's schema refuses, or None for a parameter without bounds."""
    schema = _resolved(schema, document)
    if "enum" in schema:
        return "not_one_of_them"
    if schema.get("type") == "integer":
        return "1.0"
    if schema.get("format") == "date-time":
        return "yesterday"
    if "maxLength" in schema:
        return "9" * (schema["maxLength"] + 1)
    if "pattern" in schema:
        return "!"
    return None


def _query_parameters() -> list[tuple[Any, str, str]]:
    # Read at collection, without a database: the document is built here, not openapi_document()'s
    # cached one, which would keep what a document without the database's settings says.
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (operation, parameter["name"], value)
        for operation in OPERATIONS
        for parameter in document["paths"][operation.path][operation.method.lower()].get("parameters", [])
        if parameter["in"] == "query" and (value := _outside(parameter["schema"], document)) is not None
    ]


QUERY_PARAMETERS = _query_parameters()


def test_the_query_parameters_with_bounds_are_the_known_ones():
    assert {(str(operation), name) for operation, name, _ in QUERY_PARAMETERS} >= {
        ("GET /api/v1/abr/search", "abn"),
        ("GET /api/v1/abr/search", "name"),
        ("GET /api/v1/companies/{company_id}/activity", "action"),
        ("GET /api/v1/companies/{company_id}/activity", "actor"),
        ("GET /api/v1/companies/{company_id}/activity", "since"),
        ("GET /api/v1/companies/{company_id}/invitations", "status"),
        ("GET /api/v1/companies/{company_id}/members", "limit"),
    }


@pytest.mark.parametrize(("operation", "name", "value"), QUERY_PARAMETERS, ids=lambda item: str(item))
def test_every_query_parameter_outside_its_documented_bounds_is_a_400_naming_it(company_admin, operation, name, value):
    response = company_admin.client.get(operation.url(company_admin.values), {name: value})

    assert response.status_code == status.HTTP_400_BAD_REQUEST, response.content
    assert set(response.json()["error"]["fields"]) == {name}
    assert_documented(response)
