"""Build valid rows of any model from its field metadata, for inserts that are rolled back.

The enforcement checks need a row that the database accepts, so that changing one value
(a missing foreign key, a repeated unique value) is the only reason it refuses the next one.
Required fields get a value of their type; foreign keys point at an existing row, or at a new
one built the same way; values that must be unique are fresh and checked against the table.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import secrets
import uuid
from typing import Any, TypeVar

from django.db import models
from django.db.models import Max
from django.utils import timezone

from .declared import unique_rules

_M = TypeVar("_M", bound=models.Model)


class UnbuildableRow(Exception):
    """The model has a required field this factory cannot fill."""


class RowFactory:
    """Make rows for one database alias; every row it saves must be rolled back by the caller."""

    MAX_DEPTH = 8  # a chain of required foreign keys longer than this is a cycle

    def __init__(self, using: str):
        self.using = using
        self._serial = itertools.count(1)
        # Keeps generated text apart from anything a person would have typed.
        self._run = secrets.token_hex(3)
        # Existing rows used as foreign key targets. A row is remembered only from a table
        # this factory never inserted into: such a row was there before, and outlives every
        # rollback, whereas a row inserted here may be gone with its savepoint.
        self._found: dict[type[models.Model], models.Model] = {}
        self._inserted: set[type[models.Model]] = set()

    # Rows --------------------------------------------------------------------------------

    def build(self, model: type[_M], *, _depth: int = 0, **values: Any) -> _M:
        """An unsaved, valid ``model`` row; ``values`` (by field name or attname) win.

        Foreign keys in a unique constraint point at a new row, so the new row cannot repeat
        an existing one; the others point at any existing row.
        """
        if _depth > self.MAX_DEPTH:
            raise UnbuildableRow(f"{model._meta.db_table}: required foreign keys form a cycle")
        row = model(**values)
        rules = unique_rules(model)
        bound = {field for rule in rules for field in rule.fields}
        alone = {rule.fields[0] for rule in rules if len(rule.fields) == 1}
        for field in model._meta.concrete_fields:
            if field.name in values or field.attname in values or not self._needs_value(field):
                continue
            if isinstance(field, models.ForeignKey):  # the concrete relation fields
                target = self._target(field, fresh=field in bound, depth=_depth)
                setattr(row, field.attname, getattr(target, field.target_field.attname))
            else:
                # Generated values differ from each other; a column unique on its own is also
                # checked against the rows already there (seeded codes, short columns).
                setattr(row, field.attname, self.value(model, field, unique=field in alone))
        return row

    def create(self, model: type[_M], **kwargs: Any) -> _M:
        return self.insert(self.build(model, **kwargs))

    def insert(self, row: _M) -> _M:
        self._inserted.add(type(row))
        row.save(force_insert=True, using=self.using)
        return row

    @staticmethod
    def _needs_value(field: models.Field[Any, Any]) -> bool:
        if getattr(field, "db_returning", False):  # identity columns
            return False
        if field.has_default() or field.has_db_default():  # type: ignore[attr-defined]  # not in django-stubs
            return False
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return False
        return not field.null

    def _target(self, field: models.ForeignKey[Any, Any], *, fresh: bool, depth: int) -> models.Model:
        target_model = field.remote_field.model
        if not fresh:
            existing = self._found.get(target_model) or target_model._base_manager.using(self.using).order_by().first()
            if existing is not None:
                if target_model not in self._inserted:
                    self._found[target_model] = existing
                return existing
        return self.insert(self.build(target_model, _depth=depth + 1))

    # Values ------------------------------------------------------------------------------

    def value(self, model: type[models.Model], field: models.Field[Any, Any], *, unique: bool = False) -> object:
        """A value ``field`` accepts; with ``unique``, one no row of ``model`` holds yet."""
        if isinstance(field, models.ForeignKey):  # the concrete relation fields
            return getattr(self._target(field, fresh=unique, depth=0), field.target_field.attname)
        for _ in range(50):
            candidate = self._sample(field)
            if not unique or not self._taken(model, field, candidate):
                return candidate
        raise UnbuildableRow(f"{model._meta.db_table}.{field.column}: no unused value found")

    def _taken(self, model: type[models.Model], field: models.Field[Any, Any], value: object) -> bool:
        return model._base_manager.using(self.using).filter(**{field.attname: value}).exists()

    def _text(self, max_length: int | None) -> str:
        text = f"v{self._run}{next(self._serial):x}"
        # The serial is at the end, so a short column keeps the part that varies.
        return text[-max_length:] if max_length else text

    def _sample(self, field: models.Field[Any, Any]) -> object:
        if field.choices:
            return field.flatchoices[0][0]
        if isinstance(field, models.EmailField):
            return f"{self._text(None)}@example.invalid"
        if isinstance(field, models.URLField):
            return f"https://example.invalid/{self._text(None)}"
        if isinstance(field, models.GenericIPAddressField):
            return "192.0.2.1"  # TEST-NET-1 (RFC 5737)
        if isinstance(field, models.BooleanField):
            return False
        if isinstance(field, (models.CharField, models.TextField)):
            return self._text(field.max_length)
        if isinstance(field, models.DecimalField):
            return decimal.Decimal(0)
        if isinstance(field, models.FloatField):
            return 0.0
        if isinstance(field, models.IntegerField):
            return next(self._serial)
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        if isinstance(field, models.DateField):
            return timezone.now().date()
        if isinstance(field, models.TimeField):
            return datetime.time(0, 0)
        if isinstance(field, models.DurationField):
            return datetime.timedelta(0)
        if isinstance(field, models.UUIDField):
            return uuid.uuid4()
        if isinstance(field, models.JSONField):
            return {}
        if isinstance(field, models.BinaryField):
            return b""
        raise UnbuildableRow(f"{field.model._meta.db_table}.{field.column}: no sample for {type(field).__name__}")

    def missing_key(self, field: models.ForeignKey[Any, Any]) -> Any:
        """A value for foreign key ``field`` that no row of the referenced table holds."""
        target = field.target_field
        manager = field.remote_field.model._base_manager.using(self.using)
        if isinstance(target, models.IntegerField):
            # Far above the highest key, so no row inserted during the check can reach it.
            highest = manager.aggregate(highest=Max(target.attname))["highest"] or 0
            candidate = highest + 1_000_000
        else:
            candidate = self._text(getattr(target, "max_length", None))
        if manager.filter(**{target.attname: candidate}).exists():
            raise UnbuildableRow(f"{field.remote_field.model._meta.db_table}: no unused key found")
        return candidate
