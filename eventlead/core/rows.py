"""Output serializers applied to ``values_list`` rows, with their fields built once per class.

A ``ModelSerializer`` builds its fields anew for every response and reads every value through
model instances, which on a list of fifty rows costs more than the query. ``RowFormat`` builds
a serializer's fields once, turns each field's ``source`` into the lookup a ``values_list``
query selects (``user.email`` -> ``user__email``), and writes each row with the field's own
``to_representation``. The serializer stays the one description of the body (the OpenAPI
schema reads it); the rows come from a ``CompiledQuery`` over exactly those lookups.

Rows come out as ``CamelCaseRow``: keys already in camelCase (converted once, when the format
is built) and values already converted, which the renderer passes through untouched. A
datetime is written as DRF writes it by default (ISO 8601 in the current time zone, ``Z`` for
UTC) without DRF's per-value settings look-ups.

Fields that are not plain columns (``SerializerMethodField``) are named in ``computed`` with
the lookups they read and a function of those values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import RelatedField
from rest_framework.settings import api_settings

from .renderers import CamelCaseRow, camel_key, camelize


def _primary_key(value: Any) -> Any:
    return value  # a related field's column already holds the key it writes


_DRF_DATETIME = serializers.DateTimeField()


def _iso_datetime(value: Any) -> Any:
    """``DateTimeField.to_representation`` with DRF's default format and the current time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        try:
            text = value.astimezone(timezone.get_current_timezone()).isoformat()
        except OverflowError:
            return _DRF_DATETIME.to_representation(value)  # which says what is wrong
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _DRF_DATETIME.to_representation(value)


def _json_value(value: Any) -> Any:
    """A JSON column's value, camelized as the renderer would camelize it."""
    return camelize(value)


# Fields whose to_representation is one builtin call: the builtin itself, without the method.
_BUILTIN_REPRESENTATIONS: dict[Callable[..., Any], Callable[[Any], Any]] = {
    serializers.CharField.to_representation: str,
    serializers.IntegerField.to_representation: int,
}


def _representation(field: serializers.Field[Any, Any, Any, Any]) -> Callable[[Any], Any]:
    builtin = _BUILTIN_REPRESENTATIONS.get(type(field).to_representation)
    if builtin is not None:
        return builtin
    if isinstance(field, RelatedField):
        return _primary_key
    if isinstance(field, serializers.JSONField):
        return _json_value
    default_datetime = (
        type(field) is serializers.DateTimeField
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
        and settings.USE_TZ
    )
    return _iso_datetime if default_datetime else field.to_representation


class RowFormat:
    def __init__(
        self,
        serializer_class: type[serializers.Serializer[Any]],
        computed: dict[str, tuple[Sequence[str], Callable[..., Any]]] | None = None,
        prefix: str = "",
    ) -> None:
        """``prefix`` goes before each field's lookup (``company__``: the serializer's model is
        reached through a join); the lookups of ``computed`` are taken as written."""
        computed = computed or {}
        self.lookups: list[str] = []
        self._plan: list[tuple[str, tuple[int, ...], Callable[..., Any], bool]] = []
        for name, field in serializer_class().fields.items():
            if field.write_only:
                continue
            if name in computed:
                lookups, function = computed[name]
                positions = tuple(self._position(lookup) for lookup in lookups)
                self._plan.append((camel_key(name), positions, function, False))
            elif isinstance(field, serializers.SerializerMethodField):
                raise ImproperlyConfigured(f"{serializer_class.__name__}.{name} must be given in computed")
            elif not field.source_attrs:
                raise ImproperlyConfigured(f"{serializer_class.__name__}.{name} reads the whole instance (source='*')")
            else:
                lookup = prefix + "__".join(field.source_attrs)
                self._plan.append((camel_key(name), (self._position(lookup),), _representation(field), True))

    def _position(self, lookup: str) -> int:
        if lookup not in self.lookups:
            self.lookups.append(lookup)
        return self.lookups.index(lookup)

    def render(self, row: Sequence[Any]) -> CamelCaseRow:
        """One row of ``values_list(*self.lookups)`` as the serializer writes its instance."""
        body = CamelCaseRow()
        for name, positions, represent, plain in self._plan:
            if plain:
                value = row[positions[0]]
                body[name] = None if value is None else represent(value)
            else:
                body[name] = represent(*(row[position] for position in positions))
        return body

    def render_all(self, rows: Sequence[Sequence[Any]]) -> list[CamelCaseRow]:
        return [self.render(row) for row in rows]
