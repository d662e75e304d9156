"""Strict input: a value is taken only with the JSON type and within the bounds its document gives.

DRF's fields are more lenient than the OpenAPI document drf-spectacular derives from them: a
``CharField`` takes ``0`` as ``"0"``, an ``IntegerField`` takes ``"5"``, a ``BooleanField``
takes ``"yes"`` and ``1``, and a ``CharField`` trims whitespace before it checks its
``max_length`` and patterns, so ten spaces and 200 letters pass a field documented as
``maxLength: 200``. Clients generated from the document, and schemathesis, hold the API to
the document (issue 19), so every request's input is first checked as it was sent:

- a JSON body (``input_errors``): each value's JSON type, by its field's class
  (``_BODY_CHECKS``), nested serializers, lists and dicts included; each string's
  ``maxLength`` and ``pattern``;
- a query string (``query_errors``): every value is text, so only its bounds: a string's
  ``maxLength`` and ``pattern``, an integer's digits, and an empty value is a value (refused
  unless the document admits an empty string), never the parameter's absence.

The serializer then validates as usual: these checks only refuse what it would have coerced.
A field class neither mapping knows raises ``UnknownField`` at the first request that reaches
it, and ``eventlead/core/tests/test_strict_input.py`` walks every serializer an operation
documents, so a new endpoint cannot bring an unchecked field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator, URLValidator
from rest_framework import serializers
from rest_framework.fields import Field, HiddenField, _UnvalidatedField
from rest_framework.settings import api_settings

# What a wrong value is called, in the words of the document's types.
MESSAGE_WRONG_TYPE = "Give {expected}, not {given}."

# A field's errors as DRF gives them: its messages, or (a serializer, a list, a dict) its parts' errors.
Errors = list[str] | dict[Any, Any]
AnyField = Field[Any, Any, Any, Any]


class UnknownField(ImproperlyConfigured):
    """An input serializer has a field whose JSON type this module does not know."""


@dataclass(frozen=True)
class JsonType:
    """A type of the document (``string``, ``integer``...) as the values ``json.loads`` makes."""

    name: str  # as a message says it: "a string"
    accepts: Callable[[Any], bool]


def _is_integer(value: Any) -> bool:
    # JSON Schema's integer is any number without a fraction, 2.0 included (DRF takes it as 2).
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


STRING = JsonType("a string", lambda value: isinstance(value, str))
INTEGER = JsonType("an integer", _is_integer)
NUMBER = JsonType("a number", lambda value: isinstance(value, int | float) and not isinstance(value, bool))
BOOLEAN = JsonType("true or false", lambda value: isinstance(value, bool))
ARRAY = JsonType("an array", lambda value: isinstance(value, list))
OBJECT = JsonType("an object", lambda value: isinstance(value, Mapping))


def _given(value: Any) -> str:
    """What a wrong value is, as the message names it."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, float) and not value.is_integer():
        return "a number with a fraction"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _wrong_type(expected: JsonType, value: Any) -> list[str]:
    return [MESSAGE_WRONG_TYPE.format(expected=expected.name, given=_given(value))]


def _string_bounds(field: AnyField, text: str) -> Errors | None:
    """``maxLength`` and ``pattern`` on the string as sent (DRF checks them after trimming it)."""
    if not text:
        return None  # blank or not is the field's own rule (allow_blank), applied by DRF
    max_length = getattr(field, "max_length", None)
    if max_length is not None and len(text) > max_length:
        return [str(field.error_messages["max_length"]).format(max_length=max_length)]
    for validator in field.validators:
        # A URLValidator is a RegexValidator, but the document says "format: uri" for it, not a pattern.
        if isinstance(validator, RegexValidator) and not isinstance(validator, URLValidator):
            try:
                validator(text)
            except DjangoValidationError as error:
                return list(error.messages)
    return None


# -- Bodies ------------------------------------------------------------------------------------

BodyCheck = Callable[[Any, Any], "Errors | None"]


def _scalar(json_type: JsonType) -> BodyCheck:
    def check(field: AnyField, value: Any) -> Errors | None:
        if not json_type.accepts(value):
            return _wrong_type(json_type, value)
        return _string_bounds(field, value) if json_type is STRING else None

    return check


def _choice(field: serializers.ChoiceField, value: Any) -> Errors | None:
    """A choice is given as the JSON type of the choices: ``"1"`` is not the choice ``1``."""
    types = {STRING if isinstance(choice, str) else INTEGER for choice in field.choices}
    if not any(json_type.accepts(value) for json_type in types):
        return _wrong_type(STRING if STRING in types else INTEGER, value)
    return None


def _multiple_choice(field: serializers.MultipleChoiceField, value: Any) -> Errors | None:
    if not ARRAY.accepts(value):
        return _wrong_type(ARRAY, value)
    return _parts(((index, field, item) for index, item in enumerate(value)), _choice)


def _decimal(field: serializers.DecimalField, value: Any) -> Errors | None:
    # Documented as a string (format: decimal) when rendered as one, else as a number.
    as_string = field.coerce_to_string
    if as_string is None:
        as_string = api_settings.COERCE_DECIMAL_TO_STRING
    return _scalar(STRING if as_string else NUMBER)(field, value)


def _list(field: serializers.ListField, value: Any) -> Errors | None:
    if not ARRAY.accepts(value):
        return _wrong_type(ARRAY, value)
    if getattr(field, "items_checked_alone", False):
        return None  # the field checks each item itself, and an item's errors are its own result (bulk rows)
    return _parts((index, field.child, item) for index, item in enumerate(value))


def _dict(field: serializers.DictField, value: Any) -> Errors | None:
    if not OBJECT.accepts(value):
        return _wrong_type(OBJECT, value)
    return _parts((key, field.child, item) for key, item in value.items())


def _serializer(serializer: serializers.Serializer[Any], value: Any) -> Errors | None:
    if not OBJECT.accepts(value):
        return _wrong_type(OBJECT, value)
    return _parts((name, field, value[name]) for name, field in _given_fields(serializer, value))


def _list_serializer(serializer: serializers.ListSerializer[Any], value: Any) -> Errors | None:
    if not ARRAY.accepts(value):
        return _wrong_type(ARRAY, value)
    return _parts((index, serializer.child, item) for index, item in enumerate(value))


def _any(field: AnyField, value: Any) -> Errors | None:
    return None


# A field's check by its class (its nearest class here, in method resolution order). The
# document's type comes from the same classes (drf_spectacular.openapi.AutoSchema._map_serializer_field).
_BODY_CHECKS: dict[type[AnyField], BodyCheck] = {
    serializers.CharField: _scalar(STRING),  # EmailField, RegexField, SlugField, URLField, IPAddressField
    serializers.UUIDField: _scalar(STRING),
    serializers.DateTimeField: _scalar(STRING),
    serializers.DateField: _scalar(STRING),
    serializers.TimeField: _scalar(STRING),
    serializers.DurationField: _scalar(STRING),
    serializers.IntegerField: _scalar(INTEGER),
    serializers.FloatField: _scalar(NUMBER),
    serializers.DecimalField: _decimal,
    serializers.BooleanField: _scalar(BOOLEAN),
    serializers.ChoiceField: _choice,
    serializers.MultipleChoiceField: _multiple_choice,
    serializers.ListField: _list,
    serializers.DictField: _dict,
    serializers.JSONField: _any,  # documented as any value
    _UnvalidatedField: _any,  # the items of a ListField or DictField given no child: any value
    serializers.Serializer: _serializer,
    serializers.ListSerializer: _list_serializer,
}


def _check_for(field: AnyField, checks: Mapping[type[AnyField], Any]) -> Any:
    for cls in type(field).__mro__:
        if cls in checks:
            return checks[cls]
    raise UnknownField(
        f"{type(field).__name__} ({field.field_name!r}) has no JSON type in eventlead.core.strict; add its class there."
    )


def _input_fields(serializer: serializers.BaseSerializer[Any]) -> Iterable[tuple[str, AnyField]]:
    """The fields a client may send, by name: not read-only, not hidden (HiddenField never reads the input)."""
    return (
        (name, field)
        for name, field in serializer.fields.items()  # type: ignore[attr-defined]
        if not field.read_only and not isinstance(field, HiddenField)
    )


def _given_fields(
    serializer: serializers.BaseSerializer[Any], data: Mapping[str, Any]
) -> Iterable[tuple[str, AnyField]]:
    return ((name, field) for name, field in _input_fields(serializer) if name in data)


def _parts(parts: Iterable[tuple[Any, Any, Any]], check: BodyCheck | None = None) -> dict[Any, Any] | None:
    """The errors of a container's parts (key, field, value) by their key; None when every part is right."""
    errors = {}
    for key, field, value in parts:
        if value is None:
            continue  # null is the field's own rule (allow_null), applied by DRF
        part_errors = (check or _check_for(field, _BODY_CHECKS))(field, value)
        if part_errors:
            errors[key] = part_errors
    return errors or None


def input_errors(serializer: serializers.BaseSerializer[Any], data: Any) -> dict[Any, Any]:
    """Return the errors, by field, of the values in a JSON body that its serializer would coerce.

    Empty when every value has its field's JSON type and fits its documented string bounds.
    A body that is not an object is left to the serializer, which refuses it as DRF does.
    """
    if not isinstance(data, Mapping):
        return {}
    if isinstance(serializer, serializers.ListSerializer):
        return {}  # a list body: no input serializer of ours takes one
    return _parts((name, field, data[name]) for name, field in _given_fields(serializer, data)) or {}


def unknown_fields(serializer: serializers.BaseSerializer[Any], prefix: str = "") -> list[str]:
    """Return the input fields, nested ones included, whose class ``input_errors`` does not know."""
    unknown = []
    for name, field in _input_fields(serializer):
        path = f"{prefix}{name}"
        while True:
            try:
                _check_for(field, _BODY_CHECKS)
            except UnknownField:
                unknown.append(f"{path}: {type(field).__name__}")
                break
            if isinstance(field, serializers.ListSerializer | serializers.ListField | serializers.DictField):
                field, path = field.child, f"{path}[]"  # type: ignore[assignment] # never None once bound
                continue
            if isinstance(field, serializers.Serializer):
                unknown.extend(unknown_fields(field, f"{path}."))
            break
    return unknown


# -- Query strings -----------------------------------------------------------------------------

QueryCheck = Callable[[Any, str], "Errors | None"]
_DIGITS = re.compile(r"-?[0-9]+")


def _query_integer(field: serializers.IntegerField, text: str) -> Errors | None:
    """Digits (DRF's IntegerField also takes " 5", "5.0" and "٥"), refused in the field's own words."""
    if text.isascii() and _DIGITS.fullmatch(text):
        return None
    return _own_errors(field, text) or [str(field.error_messages["invalid"])]


def _parsed_by_field(field: AnyField, text: str) -> Errors | None:
    return None  # a choice, a date or a time: DRF's own parsing is exact


_QUERY_CHECKS: dict[type[AnyField], QueryCheck] = {
    serializers.CharField: _string_bounds,
    serializers.IntegerField: _query_integer,
    serializers.ChoiceField: _parsed_by_field,
    serializers.DateTimeField: _parsed_by_field,
    serializers.DateField: _parsed_by_field,
}


def query_errors(serializer: serializers.Serializer[Any], params: Mapping[str, str]) -> dict[str, Errors]:
    """Return the errors, by parameter, of the query values that are outside their documented bounds.

    An empty value (``?actor=``) is refused unless the document admits an empty string (a
    string field that allows blank): DRF would read it as the parameter's absence.
    """
    errors: dict[str, Errors] = {}
    for name, field in _given_fields(serializer, params):
        text = params[name]  # a QueryDict gives the last of repeated values
        check = _check_for(field, _QUERY_CHECKS)
        if text == "" and not getattr(field, "allow_blank", False):
            part_errors = _own_errors(field, text)
        else:
            part_errors = check(field, text)
        if part_errors:
            errors[name] = part_errors
    return errors


def _own_errors(field: AnyField, value: Any) -> Errors | None:
    """The field's own messages for ``value``, as its validation gives them."""
    try:
        field.run_validation(value)
    except serializers.ValidationError as error:
        detail: Errors = error.detail  # type: ignore[assignment]
        return detail
    except DjangoValidationError as error:
        return list(error.messages)
    return None


def unknown_query_fields(serializer: serializers.Serializer[Any]) -> list[str]:
    """Return the fields of a query serializer whose class ``query_errors`` does not know."""
    unknown = []
    for name, field in _input_fields(serializer):
        try:
            _check_for(field, _QUERY_CHECKS)
        except UnknownField:
            unknown.append(f"{name}: {type(field).__name__}")
    return unknown
