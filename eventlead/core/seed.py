"""Insert the seed rows of ``fixtures/`` that are missing, never touching a row that exists.

Rows are matched by natural key, not primary key, so an administrator's edits survive every
later ``migrate`` and a deleted seed row comes back. The fixtures are written by
``manage.py build_seed_fixtures``; foreign keys in them are natural keys (``["au"]``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Field, Model

from configuration.settings_store import clear_cache as clear_setting_cache
from reference.selectors import clear_reference_ids

FIXTURE_DIR = settings.BASE_DIR / "fixtures"

# Load order: the configuration rows point at reference rows, so those come first.
FIXTURES = (
    ("ref_country.json", "reference.Country"),
    ("ref_language.json", "reference.Language"),
    ("ref_industry.json", "reference.Industry"),
    ("ref_userstatus.json", "reference.UserStatus"),
    ("ref_userinvitationstatus.json", "reference.UserInvitationStatus"),
    ("ref_userrole.json", "reference.UserRole"),
    ("ref_usercompanyrole.json", "reference.UserCompanyRole"),
    ("ref_usercompanystatus.json", "reference.UserCompanyStatus"),
    ("ref_settingcategory.json", "reference.SettingCategory"),
    ("ref_settingtype.json", "reference.SettingType"),
    ("ref_ruletype.json", "reference.RuleType"),
    ("ref_customertier.json", "reference.CustomerTier"),
    ("ref_joinedvia.json", "reference.JoinedVia"),
    ("config_appsetting.json", "configuration.AppSetting"),
    ("config_validationrule.json", "configuration.ValidationRule"),
)

# Every reference table is keyed by ``code``; these are the exceptions.
NATURAL_KEYS = {
    "configuration.AppSetting": ("setting_key",),
    "configuration.ValidationRule": ("country", "rule_type", "rule_name"),
}


class SeedError(Exception):
    """A fixture that does not fit the models it names."""


def seed_database(*, using: str = DEFAULT_DB_ALIAS, fixture_dir: Path = FIXTURE_DIR) -> int:
    """Insert every seed row whose natural key is missing and return how many were inserted.

    Each table costs one query for the keys it has and one bulk insert (split into batches
    where the engine limits query parameters), plus one code->pk query per referenced table.
    """
    codes = _CodeMap(using)
    inserted = 0
    with transaction.atomic(using=using):
        for file_name, label in FIXTURES:
            model = global_apps.get_model(label)
            inserted += _insert_missing(model, _read_rows(fixture_dir / file_name, model), codes, using)
    # New rows may reuse codes under new primary keys (after a flush), so the cache goes.
    clear_reference_ids()
    clear_setting_cache()
    return inserted


def seed_after_migrate(
    sender: AppConfig, *, using: str, verbosity: int = 1, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """Seed once ``migrate`` (or ``flush``) has finished, unless a seeded table is not migrated.

    ``apps`` is the migration state ``migrate`` ended in; a partial ``migrate`` (an app left
    unmigrated or taken back to zero) lacks some seeded model there, and seeding is skipped.
    ``flush`` passes no state: its tables all exist.
    """
    for _, label in FIXTURES:
        try:
            apps.get_model(label)
        except LookupError:
            return
    inserted = seed_database(using=using)
    if inserted and verbosity >= 1:
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(f"  Seeded {inserted} reference and configuration rows.\n")


def _read_rows(path: Path, model: type[Model]) -> list[dict[str, Any]]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    label = model._meta.label_lower
    for entry in entries:
        if entry["model"] != label:
            raise SeedError(f"{path.name} holds a {entry['model']} row; it is the {label} fixture.")
    return [entry["fields"] for entry in entries]


def _insert_missing(model: type[Model], rows: list[dict[str, Any]], codes: _CodeMap, using: str) -> int:
    key_fields = [_field(model, name) for name in NATURAL_KEYS.get(model._meta.label, ("code",))]
    # Foreign keys are compared by the referenced code, so no row needs resolving to be skipped.
    lookups = [f"{field.name}__code" if field.many_to_one else field.name for field in key_fields]
    existing = set(model._default_manager.using(using).order_by().values_list(*lookups))
    missing = [row for row in rows if _natural_key(row, key_fields) not in existing]
    if not missing:
        return 0
    model._default_manager.using(using).bulk_create([_build(model, row, codes) for row in missing])
    codes.forget(model)
    return len(missing)


def _natural_key(row: dict[str, Any], key_fields: list[Field[Any, Any]]) -> tuple[Any, ...]:
    return tuple(row[field.name][0] if field.many_to_one else row[field.name] for field in key_fields)


def _build(model: type[Model], row: dict[str, Any], codes: _CodeMap) -> Model:
    values = {}
    for name, value in row.items():
        field = _field(model, name)
        if field.many_to_one:
            (code,) = value
            # A model class by now: the app registry has resolved "self" and lazy references.
            values[field.attname] = codes.pk(cast(type[Model], field.related_model), code)
        else:
            # The serializer's text forms ("0.1000") become the field's Python type (Decimal).
            values[field.attname] = field.to_python(value)
    return model(**values)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field a fixture names: one of the model's own, never a reverse or generic relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise SeedError(f"{model._meta.label}.{name} is not a field a fixture can set.")
    return field


class _CodeMap:
    """The code->pk map of each referenced table, read with one query when first needed."""

    def __init__(self, using: str):
        self.using = using
        self._maps: dict[type[Model], dict[str, int]] = {}

    def pk(self, model: type[Model], code: str) -> int:
        if model not in self._maps:
            self._maps[model] = dict(model._default_manager.using(self.using).order_by().values_list("code", "pk"))
        try:
            return self._maps[model][code]
        except KeyError:
            raise SeedError(f"No {model._meta.label} row has code {code!r}.") from None

    def forget(self, model: type[Model]) -> None:
        self._maps.pop(model, None)
